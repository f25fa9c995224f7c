// Check-out: one word per phone that people step in on ("I recognise this"); the phone shows the
// circle itself, with a search for words outside its bounded list.
import { N_, el, ngettext, t } from "../common.js";
import { field, keptStage, sentMark } from "./parts.js";

export const title = N_("Check-out");
export const ownResults = true;
export const together = true; // not in a self-paced questionnaire (results_on_phones_always)

export function phone(card, ctx) {
  const { activity, closed, current, draft } = ctx;
  const limits = activity.limits;
  const mine = current("word");
  if (mine) {
    card.append(el("p", { class: "my-word" }, t("Your word:"), " ", el("b", { text: mine.value.word }), " ", sentMark(mine)));
  }
  if (!closed && (!mine || draft.changing)) {
    const input = field(ctx, "checkout-word", "input", { maxlength: limits.word, autocomplete: "off", enterkeyhint: "send" });
    card.append(el("form", { class: "stack", onsubmit: (event) => {
      event.preventDefault();
      const word = input.value.trim();
      if (!word) return;
      delete draft.changing;
      delete draft["checkout-word"];
      ctx.answer("word", { word });
    } }, el("label", { for: "checkout-word", text: t("One word you take home") }),
    el("div", { class: "inline-form" }, input, el("button", { class: "button button-primary", type: "submit" }, t("Send")))));
  } else if (!closed && mine) {
    card.append(el("button", { class: "button button-small button-quiet", type: "button", onclick: () => { draft.changing = true; ctx.render(); } }, t("Change my word")));
  }
  // A bounded list (most stepped in on, newest), the words this phone stepped in on, and a search.
  const listed = (ctx.results && ctx.results.words) || [];
  const total = (ctx.results && ctx.results.total) || listed.length;
  const mineId = ctx.mine.word && ctx.mine.word.entry_id;
  const ids = new Set(listed.map((w) => w.id));
  const own = [...ctx.known.values()].filter((w) => !ids.has(w.id) && current(`in:${w.id}`));
  const fresh = (words) => words.filter((w) => w.id !== mineId).map((w) => ctx.known.get(w.id) || w);
  const others = fresh([...listed, ...own]);
  card.append(el("h2", { class: "subhead", text: t("The circle") }));
  if (total > listed.length && !closed) card.append(el("p", { class: "hint list-note", text: t("{shown} of {total} words. Type to find another.", { shown: listed.length, total }) }));
  const query = (draft["checkout-find"] || "").trim();
  if (!closed && total) {
    const input = field(ctx, "checkout-find", "input", { type: "search", maxlength: limits.find, autocomplete: "off", autocapitalize: "off" });
    input.addEventListener("input", () => ctx.find(input.value.trim()));
    card.append(el("form", { class: "stack checkout-find", role: "search", onsubmit: (event) => { event.preventDefault(); ctx.find(input.value.trim(), true); } },
      el("label", { for: "checkout-find", text: t("Find a word") }), input));
  }
  const found = ctx.found;
  if (query && (!found || found.query !== query)) card.append(el("p", { class: "hint", role: "status", text: t("Looking…") }));
  else if (query) {
    const words = fresh(found.words);
    card.append(words.length ? wordList(words, ctx, " found") : el("p", { class: "hint", role: "status", text: t("No word found.") }));
    if (found.more) card.append(el("p", { class: "hint", text: t("More match: type on.") }));
  } else if (others.length) card.append(wordList(others, ctx));
  else card.append(el("p", { class: "hint", text: t("The others' words appear here: step in on the ones you recognise.") }));
}

function wordList(words, ctx, found = "") {
  const list = el("ul", { class: `checkout-words${found}` });
  for (const word of words) {
    const slot = `in:${word.id}`;
    const stepped = ctx.current(slot);
    list.append(el("li", { class: "checkout-word" },
      el("span", { class: "checkout-text", text: word.text }),
      el("span", { class: "stepins", "aria-label": ngettext("{n} stepped in", "{n} stepped in", word.stepins) }, `+${word.stepins}`),
      el("button", {
        type: "button", class: stepped ? "button button-small step step-on" : "button button-small step",
        "aria-pressed": stepped ? "true" : "false", disabled: ctx.closed,
        onclick: () => (stepped ? ctx.withdraw(slot) : ctx.answer(slot, {})),
      }, stepped ? t("Stepped in ✓") : t("I recognise this / step in"),
      el("span", { class: "visually-hidden", text: `: ${word.text}` }))));
  }
  return list;
}

export function results(data, _activity, { stage: big } = {}) {
  const list = el("ul", { class: "checkout-circle" });
  const most = Math.max(1, ...data.words.map((w) => w.stepins));
  for (const word of data.words) {
    const item = el("li", { class: "checkout-result", dataset: { entry: word.id } },
      el("span", { class: "checkout-text", text: word.text }),
      word.stepins > 0 ? stepinLabel(word.stepins) : null);
    if (big) item.style.fontSize = `${(1 + (word.stepins / most) * 1.3).toFixed(2)}em`;
    list.append(item);
  }
  if (!data.words.length) list.append(el("li", { class: "empty", text: t("No words yet") }));
  return list;
}

// "+3" for the eye, "3 stepped in" for a screen reader.
function stepinLabel(n) {
  return [el("span", { class: "stepins", "aria-hidden": "true", text: `+${n}` }),
    el("span", { class: "visually-hidden", text: ngettext("{n} stepped in", "{n} stepped in", n) })];
}

// The circle stays between snapshots: new words arrive one by one (stage-checkout.js).
export function stage(node, data, _activity, kept) {
  const load = () => import("../stage-checkout.js").then((module) => new module.StageCheckout());
  keptStage(node, kept, load, data.words, false);
}
