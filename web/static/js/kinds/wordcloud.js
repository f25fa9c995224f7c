// Word cloud: a few words per phone; the big screen's cloud keeps each word in its place
// (stage-cloud.js); the remote hides and merges words.
import { N_, el, t } from "../common.js";
import { field, keptStage, range } from "./parts.js";

export const title = N_("Word cloud");

export function phone(card, ctx) {
  const { activity, closed, current } = ctx;
  const max = activity.limits.words;
  const slots = range(max);
  const chips = el("ul", { class: "chips", "aria-label": t("Your words") });
  for (const slot of slots) {
    const entry = current(slot);
    if (!entry) continue;
    chips.append(el("li", { class: entry.pending ? "chip chip-pending" : "chip" },
      el("span", { text: entry.value.word }),
      entry.pending ? el("span", { class: "visually-hidden", text: t("Sending…") }) : null,
      closed ? null : el("button", { class: "chip-remove", type: "button", "aria-label": t("Remove {word}", { word: entry.value.word }), onclick: () => ctx.withdraw(slot) }, "×")));
  }
  const used = slots.filter((slot) => current(slot)).length;
  card.append(el("p", { class: "pick-counter", role: "status", text: t("{used} of {max} words", { used, max }) }), chips);
  const free = slots.find((slot) => !current(slot));
  if (closed || free === undefined) return;
  const input = field(ctx, "word", "input", { maxlength: activity.limits.word, autocomplete: "off", enterkeyhint: "send", autocapitalize: "off" });
  card.append(el("form", { class: "stack", onsubmit: (event) => {
    event.preventDefault();
    const word = input.value.trim();
    if (!word) return;
    delete ctx.draft.word;
    ctx.answer(free, { word });
  } }, el("label", { for: "word", text: t("A word") }),
  el("div", { class: "inline-form" }, input, el("button", { class: "button button-primary", type: "submit" }, t("Add")))));
}

export function results(data, _activity, { host, onModerate } = {}) {
  const list = el("ul", { class: host ? "word-list word-list-host" : "word-list" });
  const max = Math.max(1, ...data.words.map((w) => w.count));
  for (const word of data.words) {
    const item = el("li", { class: `word${word.hidden || word.profane ? " word-hidden" : ""}`, dataset: { key: word.key } },
      el("span", { class: "word-text", text: word.text }), el("span", { class: "word-count", text: String(word.count) }));
    if (!host) item.style.fontSize = `${(1 + (word.count / max) * 1.2).toFixed(2)}em`;
    if (host && onModerate) {
      const others = data.words.filter((w) => w.key !== word.key);
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
  if (!data.words.length) list.append(el("li", { class: "empty", text: t("No words yet") }));
  return list;
}

export function stage(node, data, _activity, kept) {
  const load = () => import("../stage-cloud.js").then((module) => new module.StageCloud());
  keptStage(node, kept, load, data.words, !data.words.length);
}
