// Points: spread a budget over the options with − and + (or by typing), seeing live what is left;
// the big screen shows each option's total, mean and how many gave it anything, most points first.
import { N_, el, ngettext, t } from "../common.js";
import { kindStyle, plainStage, sentMark } from "./parts.js";

await kindStyle("points");

export const title = N_("100 points");

const sum = (values) => values.reduce((a, b) => a + b, 0);

export function phone(card, ctx) {
  const { activity, closed, current, draft } = ctx;
  const s = activity.settings;
  const entry = current("0");
  const stored = entry ? entry.value.points : null;
  const points = draft.points ?? stored ?? s.options.map(() => 0);
  const step = Math.max(1, Math.round(s.budget / 20)); // 5 of 100: a few taps to spend it all
  const left = () => s.budget - sum(points);
  const status = el("p", { class: "points-left", role: "status", "aria-live": "polite" });
  const send = closed ? null : el("button", { class: "button button-primary button-wide points-send", type: "button",
    onclick: () => {
      ctx.answer("0", { points: [...points] });
      delete draft.points;
    } }, stored ? t("Change") : t("Send"));
  const inputs = [];
  const update = () => {
    const rest = left();
    status.textContent = rest >= 0
      ? ngettext("{n} point left of {budget}", "{n} points left of {budget}", rest, { budget: s.budget })
      : ngettext("{n} point too many", "{n} points too many", -rest);
    status.classList.toggle("points-over", rest < 0);
    status.classList.toggle("points-done", rest === 0);
    inputs.forEach(({ minus, plus }, i) => {
      minus.disabled = closed || points[i] <= 0;
      plus.disabled = closed || rest <= 0;
    });
    if (send) {
      const unchanged = stored && stored.every((v, i) => v === points[i]);
      send.disabled = rest < 0 || sum(points) === 0 || Boolean(unchanged);
      send.hidden = Boolean(unchanged);
    }
  };
  const set = (i, value, field) => {
    points[i] = Math.max(0, Math.min(s.budget, Number.isFinite(value) ? Math.trunc(value) : 0));
    draft.points = [...points];
    if (field.value !== String(points[i])) field.value = String(points[i]);
    update();
  };
  card.append(status);
  const list = el("ul", { class: "points-list" });
  s.options.forEach((text, i) => {
    const id = `points-${i}`;
    const field = el("input", { id, type: "number", inputmode: "numeric", min: 0, max: s.budget, step: 1,
      value: String(points[i]), class: "points-input", disabled: closed });
    field.addEventListener("input", () => set(i, field.valueAsNumber, field));
    const minus = el("button", { type: "button", class: "button button-small step-button", "aria-label": t("Fewer points: {option}", { option: text }),
      onclick: () => set(i, points[i] - step, field) }, "−");
    const plus = el("button", { type: "button", class: "button button-small step-button", "aria-label": t("More points: {option}", { option: text }),
      onclick: () => set(i, points[i] + Math.min(step, left()), field) }, "+");
    inputs.push({ minus, plus });
    list.append(el("li", { class: "points-option" },
      el("label", { class: "points-text", for: id, text }),
      el("div", { class: "points-controls" }, minus, field, plus)));
  });
  card.append(list);
  if (send) card.append(send);
  if (entry) card.append(sentMark(entry));
  update();
}

function decimal(value) {
  return value.toFixed(1).replace(".", document.body.dataset.lang === "nl" ? "," : ".");
}

// Bars by total, most points first (the server's order): each its share of every point given.
export function results(results, _activity, { stage } = {}) {
  const list = el("ol", { class: stage ? "points-bars points-bars-stage" : "points-bars" });
  list.style.setProperty("--rows", String(results.options.length)); // the big screen fits them all
  results.options.forEach((option, place) => {
    const fill = el("div", { class: place === 0 && option.total > 0 ? "bar-fill bar-top" : "bar-fill" });
    fill.style.width = `${option.percent}%`;
    list.append(el("li", { class: "points-result", dataset: { index: option.index, total: option.total } },
      el("div", { class: "bar-label" }, el("span", { text: option.text }),
        el("span", { class: "bar-figure", text: `${ngettext("{n} point", "{n} points", option.total)} · ${Math.round(option.percent)}%` })),
      el("div", { class: "bar-track" }, fill),
      el("p", { class: "points-meta" },
        option.mean === null ? "" : `${t("mean {m}", { m: decimal(option.mean) })} · `,
        ngettext("{n} person gave points", "{n} people gave points", option.givers))));
  });
  return el("div", { class: "points-results" },
    el("p", { class: "points-spent", text: t("{spent} of {total} points given", { spent: results.spent, total: results.budget * results.respondents }) }),
    list);
}

export const stage = plainStage(results);
