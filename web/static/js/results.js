// Result views shared by the big screen, the remote and the phones. Text only, never HTML.
import { el, t } from "./common.js";

export function renderResults(results, activity, options = {}) {
  const render = { open: openWall, wordcloud: wordList, scales: scales, checkout: checkout, choice: choice }[results.kind];
  return render ? render(results, activity, options) : el("p", { text: "" });
}

function openWall(results, _activity, { host, onModerate } = {}) {
  const wall = el("ul", { class: "wall" });
  for (const answer of results.answers) {
    const card = el("li", { class: `wall-card${answer.highlighted ? " wall-card-highlight" : ""}${answer.hidden ? " wall-card-hidden" : ""}`, dataset: { entry: answer.id } },
      el("p", { text: answer.text }));
    if (host && onModerate) {
      card.append(el("div", { class: "button-row" },
        el("button", { class: "button button-small", type: "button", onclick: () => onModerate(answer.highlighted ? "unhighlight" : "highlight", { entry_id: answer.id }) }, answer.highlighted ? t("Unhighlight") : t("Highlight")),
        el("button", { class: "button button-small", type: "button", onclick: () => onModerate(answer.hidden ? "unhide" : "hide", { entry_id: answer.id }) }, answer.hidden ? t("Show") : t("Hide"))));
    }
    wall.append(card);
  }
  if (!results.answers.length) wall.append(el("li", { class: "empty", text: t("No answers yet") }));
  return wall;
}

function wordList(results, _activity, { host, onModerate } = {}) {
  const list = el("ul", { class: "word-list" });
  const max = Math.max(1, ...results.words.map((w) => w.count));
  for (const word of results.words) {
    const size = 1 + (word.count / max) * 1.5;
    const item = el("li", { class: `word${word.hidden || word.profane ? " word-hidden" : ""}`, dataset: { key: word.key }, style: `font-size: ${size.toFixed(2)}em` },
      el("span", { class: "word-text", text: word.text }), el("span", { class: "word-count", text: String(word.count) }));
    if (host && onModerate) {
      item.append(el("button", { class: "button button-small", type: "button", onclick: () => onModerate(word.hidden ? "unhide_word" : "hide_word", { key: word.key }) }, word.hidden ? t("Show") : t("Hide")));
    }
    list.append(item);
  }
  if (!results.words.length) list.append(el("li", { class: "empty", text: t("No words yet") }));
  return list;
}

function scales(results) {
  const list = el("ol", { class: "scale-results" });
  for (const statement of results.statements) {
    const bar = el("div", { class: "distribution", role: "img", "aria-label": t("{n} answers, mean {mean}", { n: statement.count, mean: statement.mean ?? "–" }) });
    statement.distribution.forEach((count, i) => {
      const value = results.min + i;
      bar.append(el("span", { class: `segment segment-${results.mode} v${Math.min(9, i)}`, style: `flex-grow: ${count}`, title: `${value}: ${count}` }, count ? (results.mode === "yesno" ? t(value ? "Yes: {n}" : "No: {n}", { n: count }) : String(count)) : ""));
    });
    if (statement.count === 0) bar.append(el("span", { class: "segment segment-empty", style: "flex-grow: 1" }, t("No ratings yet")));
    const mean = statement.mean === null ? "–" : results.mode === "yesno" ? t("{p}% yes", { p: Math.round(statement.mean * 100) }) : statement.mean.toFixed(1);
    list.append(el("li", { class: "scale-result" },
      el("div", { class: "scale-head" }, el("span", { class: "statement-text", text: statement.text }), el("span", { class: "mean", text: mean })),
      bar,
      results.mode === "stars" ? el("div", { class: "scale-labels" }, el("span", { text: results.label_low }), el("span", { text: results.label_high })) : null));
  }
  return list;
}

function checkout(results) {
  const list = el("ul", { class: "checkout-circle" });
  for (const word of results.words) {
    list.append(el("li", { class: "checkout-result", dataset: { entry: word.id } },
      el("span", { class: "checkout-text", text: word.text }), el("span", { class: "stepins", text: `+${word.stepins}` })));
  }
  if (!results.words.length) list.append(el("li", { class: "empty", text: t("No words yet") }));
  return list;
}

function choice(results) {
  const list = el("ul", { class: "bars" });
  for (const option of results.options) {
    list.append(el("li", { class: "bar-row" },
      el("div", { class: "bar-label" }, el("span", { text: option.text }), el("span", { class: "bar-figure", text: `${option.count} · ${option.percent}%` })),
      el("div", { class: "bar-track" }, el("div", { class: "bar-fill", style: `width: ${option.percent}%` }))));
  }
  return list;
}
