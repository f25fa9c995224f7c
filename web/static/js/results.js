// Result views shared by the big screen, the remote and the phones. Text only, never HTML.
// options: {stage: big screen, compact: phone, host + onModerate: the remote's moderation}.
import { el, ngettext, t } from "./common.js";

export function renderResults(results, activity, options = {}) {
  const views = { open: openWall, wordcloud: wordList, scales, checkout, choice, groups, cards };
  const view = views[results.kind || activity.kind];
  return view ? view(results, activity, options) : el("p", { text: "" });
}

function moderationButtons(item, onModerate) {
  return el("div", { class: "button-row" },
    el("button", { class: "button button-small", type: "button", "aria-pressed": item.highlighted ? "true" : "false",
      onclick: () => onModerate(item.highlighted ? "unhighlight" : "highlight", { entry_id: item.id }) }, t("Highlight")),
    el("button", { class: "button button-small", type: "button", "aria-pressed": item.hidden ? "true" : "false",
      onclick: () => onModerate(item.hidden ? "unhide" : "hide", { entry_id: item.id }) }, item.hidden ? t("Hidden") : t("Hide")));
}

function openWall(results, _activity, { host, onModerate } = {}) {
  const wall = el("ul", { class: "wall" });
  for (const answer of results.answers) {
    const card = el("li", { class: `wall-card${answer.highlighted ? " wall-card-highlight" : ""}${answer.hidden ? " wall-card-hidden" : ""}`, dataset: { entry: answer.id } },
      el("p", { text: answer.text }));
    if (host && onModerate) card.append(moderationButtons(answer, onModerate));
    wall.append(card);
  }
  if (!results.answers.length) wall.append(el("li", { class: "empty", text: t("No answers yet") }));
  return wall;
}

function wordList(results, _activity, { host, onModerate } = {}) {
  const list = el("ul", { class: host ? "word-list word-list-host" : "word-list" });
  const max = Math.max(1, ...results.words.map((w) => w.count));
  for (const word of results.words) {
    const item = el("li", { class: `word${word.hidden || word.profane ? " word-hidden" : ""}`, dataset: { key: word.key } },
      el("span", { class: "word-text", text: word.text }), el("span", { class: "word-count", text: String(word.count) }));
    if (!host) item.style.fontSize = `${(1 + (word.count / max) * 1.2).toFixed(2)}em`;
    if (host && onModerate) {
      const others = results.words.filter((w) => w.key !== word.key);
      const merge = el("select", { class: "merge-select", "aria-label": t("Merge “{word}” into", { word: word.text }) },
        el("option", { value: "", text: t("Merge into…") }),
        others.map((w) => el("option", { value: w.key, text: w.text })));
      merge.addEventListener("change", () => merge.value && onModerate("merge_words", { key: word.key, into: merge.value }));
      item.append(el("span", { class: "word-tools" },
        el("button", { class: "button button-small", type: "button", "aria-pressed": word.hidden ? "true" : "false",
          onclick: () => onModerate(word.hidden ? "unhide_word" : "hide_word", { key: word.key }) }, word.hidden ? t("Hidden") : t("Hide")),
        others.length ? merge : null));
    }
    list.append(item);
  }
  if (!results.words.length) list.append(el("li", { class: "empty", text: t("No words yet") }));
  return list;
}

function formatMean(statement, results) {
  if (statement.mean === null || statement.mean === undefined) return "–";
  if (results.mode === "yesno") return t("{p}% yes", { p: Math.round(statement.mean * 100) });
  return statement.mean.toFixed(1).replace(".", document.body.dataset.lang === "nl" ? "," : ".");
}

function scales(results, activity, options) {
  if (results.mode === "yesno") return yesNo(results);
  if (results.mode === "numeric") return numberLines(results, options);
  return starBars(results);
}

// Stars: the scale's end labels once, over the first and last bar; per statement the distribution
// 1…max as bars with the mean marked on them, and the mean as a figure.
function starBars(results) {
  const list = el("ol", { class: "scale-results" });
  const span = results.max - results.min + 1;
  if (results.label_low || results.label_high) {
    list.append(el("li", { class: "scale-legend" }, el("span", { class: "scale-legend-spacer" }),
      el("div", { class: "scale-ends" },
        el("span", { text: `${results.min}★ ${results.label_low || ""}` }),
        el("span", { text: `${results.label_high || ""} ${results.max}★` }))));
  }
  for (const statement of results.statements) {
    const most = Math.max(1, ...statement.distribution);
    const columns = el("div", { class: "distribution-columns", role: "img",
      "aria-label": ngettext("{n} answer, mean {mean}", "{n} answers, mean {mean}", statement.count, { mean: formatMean(statement, results) }) });
    statement.distribution.forEach((count, i) => {
      const bar = el("span", { class: "column-bar" });
      bar.style.height = `${Math.round((count / most) * 100)}%`;
      columns.append(el("span", { class: "column" },
        el("span", { class: "column-count", text: count ? String(count) : "" }), el("span", { class: "column-track" }, bar),
        el("span", { class: "column-value", "aria-hidden": "true", text: `${results.min + i}★` })));
    });
    if (statement.mean !== null && statement.mean !== undefined) {
      const marker = el("span", { class: "mean-tick", "aria-hidden": "true" });
      marker.style.left = `${((statement.mean - results.min + 0.5) / span) * 100}%`;
      columns.append(marker);
    }
    list.append(el("li", { class: "scale-result" },
      el("div", { class: "scale-head" }, el("span", { class: "statement-text", text: statement.text }),
        el("span", { class: "mean" }, el("span", { class: "mean-label", text: t("mean") }), " ", formatMean(statement, results))),
      columns,
      el("span", { class: "scale-n", text: ngettext("{n} answer", "{n} answers", statement.count) })));
  }
  return list;
}

// Yes/no (the waardencontract): agreed statements ✓, with yes and no counts per statement.
function yesNo(results) {
  const list = el("ul", { class: "agreements" });
  for (const statement of results.statements) {
    const yes = statement.distribution[1] || 0;
    const no = statement.distribution[0] || 0;
    list.append(el("li", { class: statement.agreed ? "agreement agreement-yes" : "agreement" },
      el("span", { class: "agreement-mark", "aria-hidden": "true", text: statement.agreed ? "✓" : "·" }),
      el("span", { class: "agreement-text", text: statement.text }),
      el("span", { class: "agreement-counts" },
        el("span", { class: "count-yes", text: t("Yes: {n}", { n: yes }) }), " ",
        el("span", { class: "count-no", text: t("No: {n}", { n: no }) })),
      statement.agreed ? el("span", { class: "visually-hidden", text: t("agreed") }) : null));
  }
  const agreed = results.agreed || [];
  return el("div", { class: "yesno-results" },
    el("p", { class: "agreed-summary", text: t("{n} of {m} agreed", { n: agreed.length, m: results.statements.length }) }), list);
}

// Phones get no `values` (their frames are bounded): the same dots, from the distribution.
function everyValue(distribution, min) {
  return (distribution || []).flatMap((count, i) => Array(Math.max(count, 0)).fill(min + i));
}

// Numeric: every answer a dot on the statement's line from min to max, like people on a taped line.
function numberLines(results, { stage } = {}) {
  const span = results.max - results.min || 1;
  const place = (value) => `${((value - results.min) / span) * 100}%`;
  const list = el("ol", { class: stage ? "number-lines number-lines-stage" : "number-lines" });
  results.statements.forEach((statement, index) => {
    const line = el("div", { class: "number-line", role: "img",
      "aria-label": ngettext("{n} answer, mean {mean}", "{n} answers, mean {mean}", statement.count, { mean: formatMean(statement, results) }) });
    const ticks = tickValues(results.min, results.max);
    for (const value of ticks) {
      const tick = el("span", { class: value === 0 ? "tick tick-zero" : "tick", text: String(value) });
      tick.style.left = place(value);
      line.append(tick);
    }
    const stacks = new Map();
    for (const value of statement.values || everyValue(statement.distribution, results.min)) {
      const level = stacks.get(value) || 0;
      stacks.set(value, level + 1);
      const dot = el("span", { class: `dot dot-${index % 8}`, dataset: { value } });
      dot.style.left = place(value);
      dot.style.bottom = `calc(var(--dot-base) + ${level} * var(--dot-step))`;
      line.append(dot);
    }
    if (statement.mean !== null && statement.mean !== undefined) {
      const mean = el("span", { class: "mean-marker", title: t("mean") });
      mean.style.left = place(statement.mean);
      line.append(mean);
    }
    list.append(el("li", { class: "number-row" },
      el("span", { class: `statement-text swatch swatch-${index % 8}`, text: statement.text }),
      line,
      el("span", { class: "mean" }, el("span", { class: "mean-label", text: t("mean") }), " ", formatMean(statement, results))));
  });
  return list;
}

function tickValues(min, max) {
  const span = max - min;
  const step = [1, 2, 5, 10, 20, 25, 50, 100, 250, 500, 1000, 10000, 100000].find((s) => span / s <= 10) || span;
  const values = [];
  for (let v = Math.ceil(min / step) * step; v <= max; v += step) values.push(v);
  if (values[0] !== min) values.unshift(min);
  if (values[values.length - 1] !== max) values.push(max);
  return values;
}

function checkout(results, _activity, { stage } = {}) {
  const list = el("ul", { class: "checkout-circle" });
  const most = Math.max(1, ...results.words.map((w) => w.stepins));
  for (const word of results.words) {
    const item = el("li", { class: "checkout-result", dataset: { entry: word.id } },
      el("span", { class: "checkout-text", text: word.text }),
      word.stepins > 0 ? stepinLabel(word.stepins) : null);
    if (stage) item.style.fontSize = `${(1 + (word.stepins / most) * 1.3).toFixed(2)}em`;
    list.append(item);
  }
  if (!results.words.length) list.append(el("li", { class: "empty", text: t("No words yet") }));
  return list;
}

function choice(results) {
  const list = el("ul", { class: "bars" });
  const most = Math.max(1, ...results.options.map((o) => o.count));
  for (const option of results.options) {
    const fill = el("div", { class: option.count === most && option.count > 0 ? "bar-fill bar-top" : "bar-fill" });
    fill.style.width = `${option.percent}%`;
    list.append(el("li", { class: "bar-row" },
      el("div", { class: "bar-label" }, el("span", { text: option.text }),
        el("span", { class: "bar-figure", text: `${option.count} · ${Math.round(option.percent)}%` })),
      el("div", { class: "bar-track" }, fill)));
  }
  return list;
}

// Groups: a column per group with its members' nicknames, so people find each other in the room.
function groups(results, _activity, { stage } = {}) {
  const grid = el("ul", { class: stage ? "group-columns group-columns-stage" : "group-columns" });
  results.groups.forEach((group, index) => {
    const members = el("ul", { class: "members" });
    for (const name of namedFirst(group.members)) members.append(el("li", { class: name ? "member" : "member member-anonymous", text: name || t("anonymous") }));
    grid.append(el("li", { class: `group-column group-${index % 8}` },
      el("h3", { class: "group-title" }, el("span", { text: group.text }), el("span", { class: "group-count", text: String(group.count) })),
      members));
  });
  const out = el("div", { class: "groups-result" }, grid);
  if (results.questions && results.questions.length) {
    out.append(el("ol", { class: "group-questions" }, results.questions.map((q) => el("li", { text: q }))));
  }
  return out;
}

// People with a nickname first (in the server's order), then the anonymous ones.
export function namedFirst(names) {
  return [...names].sort((a, b) => Number(!a) - Number(!b));
}

// Cards: the wall of insights and actions.
function cards(results, _activity, { host, onModerate } = {}) {
  const wall = el("ul", { class: "wall wall-cards" });
  for (const card of results.cards) {
    const item = el("li", { class: `wall-card idea-card${card.highlighted ? " wall-card-highlight" : ""}${card.hidden ? " wall-card-hidden" : ""}`, dataset: { entry: card.id } },
      el("p", { class: "card-label", text: results.insight_label }), el("p", { class: "card-text", text: card.insight }),
      el("p", { class: "card-label", text: results.action_label }), el("p", { class: "card-text", text: card.action }),
      card.name ? el("p", { class: "card-name", text: `— ${card.name}` }) : null);
    if (host && onModerate) item.append(moderationButtons(card, onModerate));
    wall.append(item);
  }
  if (!results.cards.length) wall.append(el("li", { class: "empty", text: t("No cards yet") }));
  return wall;
}

// "+3" for the eye, "3 stepped in" for a screen reader.
export function stepinLabel(n) {
  return [el("span", { class: "stepins", "aria-hidden": "true", text: `+${n}` }),
    el("span", { class: "visually-hidden", text: ngettext("{n} stepped in", "{n} stepped in", n) })];
}
