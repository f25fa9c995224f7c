// One view per activity kind on the phone. Each gets a context (see participant.js): the activity,
// whether it is closed, current(slot) for what the phone holds, answer(), withdraw() and a draft.
import { el, ngettext, t } from "./common.js";
import { namedFirst } from "./results.js";

const OPEN_MAX = 280;
const WORD_MAX = 40;
const CARD_MAX = 280;

const range = (n) => [...Array(n).keys()].map(String);

export function sentMark(entry) {
  if (!entry) return null;
  return el("span", { class: entry.pending ? "sent sent-pending" : "sent sent-ok", role: "status",
    text: entry.pending ? t("Sending…") : t("Sent") });
}

// A text field that keeps what is typed in the draft, so that a re-render never loses it.
function field(ctx, id, tag, attrs) {
  const node = el(tag, { id, ...attrs });
  node.value = ctx.draft[id] ?? attrs.value ?? "";
  node.addEventListener("input", () => { ctx.draft[id] = node.value; });
  return node;
}

function counter(node, max) {
  const out = el("span", { class: "counter", "aria-live": "polite" });
  const update = () => {
    const left = max - node.value.length;
    out.textContent = ngettext("{n} character left", "{n} characters left", left);
    out.classList.toggle("counter-low", left < 20);
  };
  node.addEventListener("input", update);
  update();
  return out;
}

function openView(card, ctx) {
  const { activity, closed, current, draft } = ctx;
  const slots = range(activity.settings.max_answers || 1);
  const mine = slots.map((slot) => [slot, current(slot)]).filter(([, entry]) => entry);
  if (mine.length) {
    const list = el("ul", { class: "my-answers", "aria-label": t("Your answers") });
    for (const [slot, entry] of mine) {
      list.append(el("li", { class: "my-answer" },
        el("p", { text: entry.value.text }), sentMark(entry),
        closed ? null : el("div", { class: "button-row" },
          el("button", { class: "button button-small", type: "button", onclick: () => {
            draft.editing = slot; draft["answer-text"] = entry.value.text; ctx.render();
          } }, t("Edit")),
          el("button", { class: "button button-small button-quiet", type: "button", onclick: () => ctx.withdraw(slot) }, t("Withdraw")))));
    }
    card.append(list);
  }
  const free = slots.find((slot) => !current(slot));
  const target = draft.editing ?? free;
  if (closed) return;
  if (target === undefined) {
    card.append(el("p", { class: "hint", text: t("Thank you! You can still edit or withdraw your answer.") }));
    return;
  }
  const area = field(ctx, "answer-text", "textarea", { maxlength: OPEN_MAX, rows: 4 });
  const form = el("form", { class: "stack", onsubmit: (event) => {
    event.preventDefault();
    const text = area.value.trim();
    if (!text) return;
    delete draft["answer-text"];
    delete draft.editing;
    ctx.answer(target, { text });
  } },
  el("label", { for: "answer-text", text: draft.editing !== undefined ? t("Edit your answer") : t("Your answer") }),
  area, counter(area, OPEN_MAX),
  el("div", { class: "button-row" },
    el("button", { class: "button button-primary button-wide", type: "submit" }, draft.editing !== undefined ? t("Save") : t("Send")),
    draft.editing !== undefined ? el("button", { class: "button button-quiet", type: "button", onclick: () => {
      delete draft.editing; delete draft["answer-text"]; ctx.render();
    } }, t("Cancel")) : null));
  card.append(form);
}

function wordcloudView(card, ctx) {
  const { activity, closed, current } = ctx;
  const max = activity.settings.max_entries || 3;
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
  const input = field(ctx, "word", "input", { maxlength: WORD_MAX, autocomplete: "off", enterkeyhint: "send", autocapitalize: "off" });
  card.append(el("form", { class: "stack", onsubmit: (event) => {
    event.preventDefault();
    const word = input.value.trim();
    if (!word) return;
    delete ctx.draft.word;
    ctx.answer(free, { word });
  } }, el("label", { for: "word", text: t("A word") }),
  el("div", { class: "inline-form" }, input, el("button", { class: "button button-primary", type: "submit" }, t("Add")))));
}

function scalesView(card, ctx) {
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

function checkoutView(card, ctx) {
  const { closed, current, draft } = ctx;
  const mine = current("word");
  if (mine) {
    card.append(el("p", { class: "my-word" }, t("Your word:"), " ", el("b", { text: mine.value.word }), " ", sentMark(mine)));
  }
  if (!closed && (!mine || draft.changing)) {
    const input = field(ctx, "checkout-word", "input", { maxlength: WORD_MAX, autocomplete: "off", enterkeyhint: "send" });
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
    const input = field(ctx, "checkout-find", "input", { type: "search", maxlength: WORD_MAX, autocomplete: "off", autocapitalize: "off" });
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

function choiceView(card, ctx) {
  const { activity, closed, current, draft } = ctx;
  const s = activity.settings;
  const entry = current("0");
  const chosen = new Set(draft.options ?? (entry ? entry.value.options : []));
  const multi = s.max_choices > 1;
  const group = el("div", { class: "options", role: "group", "aria-label": activity.prompt });
  s.options.forEach((text, index) => {
    const on = chosen.has(index);
    group.append(el("button", {
      type: "button", class: on ? "option option-on" : "option", "aria-pressed": on ? "true" : "false", disabled: closed,
      onclick: () => {
        if (!multi) { delete draft.options; ctx.answer("0", { options: [index] }); return; }
        const next = new Set(chosen);
        if (next.has(index)) next.delete(index);
        else if (next.size < s.max_choices) next.add(index);
        draft.options = [...next];
        ctx.render();
      },
    }, text));
  });
  card.append(group);
  if (multi) {
    card.append(el("p", { class: "pick-counter", role: "status", text: t("Choose up to {k}", { k: s.max_choices }) }));
    if (!closed) {
      card.append(el("button", { class: "button button-primary button-wide", type: "button", disabled: chosen.size === 0, onclick: () => {
        ctx.answer("0", { options: [...chosen].sort((a, b) => a - b) });
        delete draft.options;
      } }, t("Send")));
    }
  }
  if (entry) card.append(sentMark(entry));
}

function groupsView(card, ctx) {
  const { activity, closed, current } = ctx;
  const s = activity.settings;
  const entry = current("0");
  const mineIndex = entry ? entry.value.option : null;
  if (entry) {
    const group = ctx.results && ctx.results.groups ? ctx.results.groups[mineIndex] : null;
    const box = el("div", { class: "my-group" },
      el("p", { class: "my-group-title" }, t("Your group:"), " ", el("b", { text: s.options[mineIndex] }), " ", sentMark(entry)));
    if (group) {
      const others = namedFirst(group.members);
      const me = others.indexOf(ctx.nickname ?? null);
      if (me >= 0) others.splice(me, 1);
      box.append(el("p", { class: "hint", text: others.length ? t("With:") : t("Nobody else yet.") }));
      if (others.length) box.append(el("ul", { class: "members" }, others.map((name) => el("li", { text: name || t("anonymous") }))));
      const unnamed = group.count - group.members.length; // a phone gets a bounded list of names
      if (unnamed > 0) box.append(el("p", { class: "hint", text: ngettext("and {n} more", "and {n} more", unnamed) }));
    } else {
      box.append(el("p", { class: "hint", text: t("Look at the screen to see who else is in your group.") }));
    }
    card.append(box);
    if (s.questions && s.questions.length) {
      card.append(el("h2", { class: "subhead", text: t("Talk about") }), el("ul", { class: "questions" }, s.questions.map((q) => el("li", { text: q }))));
    }
  }
  const list = el("div", { class: "options", role: "group", "aria-label": activity.prompt });
  s.options.forEach((text, index) => {
    const on = index === mineIndex;
    list.append(el("button", { type: "button", class: on ? "option option-on" : "option", "aria-pressed": on ? "true" : "false",
      disabled: closed, onclick: () => ctx.answer("0", { option: index }) }, text));
  });
  if (entry) card.append(el("h2", { class: "subhead", text: t("Another group?") }));
  card.append(list);
}

function cardsView(card, ctx) {
  const { activity, closed, current, draft } = ctx;
  const s = activity.settings;
  const entry = current("0");
  if (entry && !draft.editing) {
    card.append(el("div", { class: "my-card" },
      el("p", { class: "card-label", text: s.insight_label }), el("p", { class: "card-text", text: entry.value.insight }),
      el("p", { class: "card-label", text: s.action_label }), el("p", { class: "card-text", text: entry.value.action }),
      entry.value.name ? el("p", { class: "card-name", text: `— ${entry.value.name}` }) : null,
      sentMark(entry)));
    if (!closed) {
      card.append(el("div", { class: "button-row" },
        el("button", { class: "button button-small", type: "button", onclick: () => {
          draft.editing = true;
          draft["card-insight"] = entry.value.insight;
          draft["card-action"] = entry.value.action;
          draft["card-name"] = entry.value.name || "";
          ctx.render();
        } }, t("Edit")),
        el("button", { class: "button button-small button-quiet", type: "button", onclick: () => ctx.withdraw("0") }, t("Withdraw"))));
    }
    return;
  }
  if (closed) return;
  const insight = field(ctx, "card-insight", "textarea", { maxlength: CARD_MAX, rows: 3, required: true });
  const action = field(ctx, "card-action", "textarea", { maxlength: CARD_MAX, rows: 3, required: true });
  const name = s.ask_name ? field(ctx, "card-name", "input", { maxlength: 60, autocomplete: "name", value: ctx.nickname || "" }) : null;
  card.append(el("form", { class: "stack", onsubmit: (event) => {
    event.preventDefault();
    const value = { insight: insight.value.trim(), action: action.value.trim() };
    if (!value.insight || !value.action) return;
    if (name && name.value.trim()) value.name = name.value.trim();
    for (const key of ["card-insight", "card-action", "card-name", "editing"]) delete draft[key];
    ctx.answer("0", value);
  } },
  el("label", { for: "card-insight", text: s.insight_label }), insight, counter(insight, CARD_MAX),
  el("label", { for: "card-action", text: s.action_label }), action, counter(action, CARD_MAX),
  name ? el("label", { for: "card-name", text: t("Your name (optional)") }) : null, name,
  el("button", { class: "button button-primary button-wide", type: "submit" }, t("Send"))));
}

// ownResults: the view shows what phones see of the results itself (no separate results card).
export const KINDS = {
  open: { render: openView },
  wordcloud: { render: wordcloudView },
  scales: { render: scalesView },
  checkout: { render: checkoutView, ownResults: true },
  choice: { render: choiceView },
  groups: { render: groupsView, ownResults: true },
  cards: { render: cardsView },
};
