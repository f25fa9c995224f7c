// Scales: statements rated with stars, yes/no (the waardencontract) or a number on a line; the
// big screen shows the distributions, agreements or dots.
import { N_, el, ngettext, t } from "../common.js";
import { plainStage, sentMark } from "./parts.js";

export const title = N_("Scales");

export function phone(card, ctx) {
  const { activity, closed, current } = ctx;
  const s = activity.settings;
  const pick = s.pick || s.statements.length;
  const rated = s.statements.map((_, i) => String(i)).filter((slot) => current(slot));
  if (s.pick) {
    card.append(el("p", { class: "pick-counter", role: "status" },
      t("Pick {pick}: {count} of {pick} chosen", { pick, count: rated.length })));
  } else if (s.mode === "stars") {
    card.append(el("p", { class: "hint", text: t("Skip the statements you would rather not rate.") }));
  }
  const list = el("ol", { class: "statements" });
  s.statements.forEach((text, index) => {
    const slot = String(index);
    const entry = current(slot);
    const full = !entry && rated.length >= pick;
    const item = el("li", { class: full ? "statement statement-locked" : "statement" },
      el("p", { class: "statement-text", id: `statement-${index}`, text }));
    const disabled = closed || full;
    if (s.mode === "numeric") item.append(numeric(ctx, index, entry, disabled, () => syncSend()));
    else if (s.mode === "yesno") item.append(yesNo(ctx, slot, index, entry, disabled));
    else item.append(stars(ctx, slot, index, entry, disabled));
    if (entry || full) {
      item.append(el("div", { class: "statement-footer" }, sentMark(entry),
        full ? el("span", { class: "hint", text: t("Skip another statement to rate this one.") }) : null,
        entry && !closed ? el("button", { class: "button button-small button-quiet", type: "button", onclick: () => ctx.withdraw(slot) }, t("Skip")) : null));
    }
    list.append(item);
  });
  card.append(list);
  // Numeric scales: one "Send" for every slider of the activity, each still its own answer (and ack).
  const send = s.mode === "numeric" && !closed
    ? el("button", { class: "button button-primary button-wide", type: "button", onclick: () => {
      for (const { slot, index, value } of numericChanges(ctx)) {
        ctx.answer(slot, { value });
        delete ctx.draft[`numeric-${index}`];
      }
    } })
    : null;
  const syncSend = () => {
    if (!send) return;
    const changes = numericChanges(ctx);
    const anyNew = changes.some((change) => !change.stored);
    send.textContent = anyNew || !rated.length ? t("Send") : t("Change");
    send.disabled = !changes.length;
    send.hidden = !changes.length && rated.length > 0; // all sent: the ✓ beside each says so
  };
  if (send) {
    card.append(send);
    syncSend();
  }
}

// What the one "Send" of the numeric scales sends: every slider whose value differs from the answer
// the server holds (one never answered counts at the value it shows); with "pick N", only the
// sliders moved, and no more than N answers in all.
function numericChanges(ctx) {
  const s = ctx.activity.settings;
  const changes = [];
  let answered = s.statements.filter((_, i) => ctx.current(String(i))).length;
  s.statements.forEach((_, index) => {
    const slot = String(index);
    const entry = ctx.current(slot);
    const stored = entry ? entry.value.value : null;
    const moved = ctx.draft[`numeric-${index}`];
    const value = moved ?? stored ?? Math.round((s.min + s.max) / 2);
    if (value === stored) return;
    if (s.pick && (moved === undefined || (!entry && answered >= s.pick))) return;
    if (!entry) answered += 1;
    changes.push({ slot, index, value, stored: Boolean(entry) });
  });
  return changes;
}

function stars(ctx, slot, index, entry, disabled) {
  const s = ctx.activity.settings;
  const group = el("div", { class: "stars", role: "group", "aria-labelledby": `statement-${index}` });
  for (let v = s.min; v <= s.max; v += 1) {
    const on = Boolean(entry) && entry.value.value >= v;
    group.append(el("button", {
      type: "button", class: on ? "star star-on" : "star", "aria-pressed": entry && entry.value.value === v ? "true" : "false",
      "aria-label": t("{n} of {max} stars", { n: v, max: s.max }), disabled,
      onclick: () => ctx.answer(slot, { value: v }),
    }, "★"));
  }
  const wrap = el("div", { class: "stars-wrap" }, group);
  if (s.label_low || s.label_high) {
    wrap.append(el("div", { class: "scale-labels", "aria-hidden": "true" }, el("span", { text: s.label_low }), el("span", { text: s.label_high })));
  }
  return wrap;
}

function yesNo(ctx, slot, index, entry, disabled) {
  const group = el("div", { class: "yesno", role: "group", "aria-labelledby": `statement-${index}` });
  for (const [value, label] of [[1, t("Yes")], [0, t("No")]]) {
    const on = Boolean(entry) && entry.value.value === value;
    group.append(el("button", {
      type: "button", class: `choice-button${on ? " choice-on" : ""} ${value ? "yes" : "no"}`,
      "aria-pressed": on ? "true" : "false", disabled, onclick: () => ctx.answer(slot, { value }),
    }, label));
  }
  return group;
}

// A slider from min to max with − and + for a steady thumb; its value goes out with the scales'
// one "Send" (changed() tells that button).
function numeric(ctx, index, entry, disabled, changed) {
  const s = ctx.activity.settings;
  const id = `numeric-${index}`;
  const stored = entry ? entry.value.value : null;
  const start = ctx.draft[id] ?? stored ?? Math.round((s.min + s.max) / 2);
  const slider = el("input", {
    id, type: "range", min: s.min, max: s.max, step: 1, value: start, disabled,
    "aria-labelledby": `statement-${index}`, "aria-valuetext": String(start),
  });
  const shown = el("output", { class: "numeric-value", for: id, text: String(start) });
  const set = (value) => {
    const v = Math.max(s.min, Math.min(s.max, value));
    slider.value = String(v);
    ctx.draft[id] = v;
    shown.textContent = String(v);
    slider.setAttribute("aria-valuetext", String(v));
    changed();
  };
  slider.addEventListener("input", () => set(Number(slider.value)));
  return el("div", { class: "numeric" },
    el("div", { class: "numeric-row" },
      el("button", { class: "button button-small step-button", type: "button", disabled, "aria-label": t("Lower"), onclick: () => set(Number(slider.value) - 1) }, "−"),
      el("div", { class: "numeric-slider" }, slider,
        el("div", { class: "scale-labels" }, el("span", { text: String(s.min) }), shown, el("span", { text: String(s.max) }))),
      el("button", { class: "button button-small step-button", type: "button", disabled, "aria-label": t("Higher"), onclick: () => set(Number(slider.value) + 1) }, "+")));
}

function formatMean(statement, results) {
  if (statement.mean === null || statement.mean === undefined) return "–";
  if (results.mode === "yesno") return t("{p}% yes", { p: Math.round(statement.mean * 100) });
  return statement.mean.toFixed(1).replace(".", document.body.dataset.lang === "nl" ? "," : ".");
}

export function results(results, _activity, options = {}) {
  if (results.mode === "yesno") return agreements(results);
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
function agreements(results) {
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

export const stage = plainStage(results);
