// The phone: join, answer the current activity, see acknowledgements and shown results.
import { LiveSocket, N_, clear, el, loadStrings, newId, setConnState, t } from "./common.js";
import { renderResults } from "./results.js";

const code = document.body.dataset.code;
const view = document.getElementById("view");
const connNode = document.getElementById("conn");
const pendingKey = `kring:pending:${code}`;

const state = {
  meeting: null,
  activity: null,
  results: null,
  mine: {}, // slot -> {entry_id, value}
  mineFor: null,
  pending: new Map(JSON.parse(localStorage.getItem(pendingKey) || "[]")),
  draft: {}, // per-activity UI state (e.g. which open answer is being edited)
  toast: null,
};
let socket = null;

function savePending() {
  localStorage.setItem(pendingKey, JSON.stringify([...state.pending]));
}

function send(message) {
  const clientId = newId();
  const full = { ...message, client_id: clientId };
  state.pending.set(clientId, full);
  savePending();
  socket.send(full);
  render();
}

function answer(slot, value) {
  send({ type: "answer", activity_id: state.activity.id, slot, value });
}

function withdraw(slot) {
  send({ type: "withdraw", activity_id: state.activity.id, slot });
}

function pendingFor(slot) {
  for (const message of state.pending.values()) {
    if (state.activity && message.activity_id === state.activity.id && message.slot === slot) return message;
  }
  return null;
}

// What the phone shows for a slot: the pending message when there is one, else what the server holds.
function current(slot) {
  const pending = pendingFor(slot);
  if (pending) return pending.type === "withdraw" ? null : { value: pending.value, pending: true };
  const stored = state.mine[slot];
  return stored ? { value: stored.value, entry_id: stored.entry_id, pending: false } : null;
}

function onMessage(message) {
  switch (message.type) {
    case "state":
      if (!state.activity || !message.activity || state.activity.id !== message.activity.id) state.draft = {};
      state.meeting = message.meeting;
      state.activity = message.activity;
      state.results = message.results;
      if (!message.activity || state.mineFor !== message.activity.id) state.mine = {};
      break;
    case "mine":
      state.mine = message.answers;
      state.mineFor = message.activity_id;
      break;
    case "results":
      if (state.activity && message.activity_id === state.activity.id) state.results = message.results;
      break;
    case "ack": {
      state.pending.delete(message.client_id);
      savePending();
      if (state.activity && message.activity_id === state.activity.id) {
        if (message.withdrawn) delete state.mine[message.slot];
        else state.mine[message.slot] = { entry_id: message.entry_id, value: message.value };
      }
      break;
    }
    case "error":
      if (message.client_id) {
        state.pending.delete(message.client_id);
        savePending();
      }
      showToast(message.code, message.message);
      break;
    case "closing":
      break;
    default:
      return;
  }
  render();
}

const ERRORS = {
  activity_closed: N_("This question is closed."),
  activity_not_open: N_("This question is not open right now."),
  text_too_long: N_("That is too long."),
  text_empty: N_("Type something first."),
  control_characters: N_("That text contains characters we cannot show."),
  too_many_picks: N_("You already picked the maximum number of statements."),
  too_many_answers: N_("You cannot add more answers."),
  own_word: N_("You cannot step in on your own word."),
  already_stepped_in: N_("You already stepped in on this word."),
  rate_limited: N_("Slow down a little."),
};

function showToast(code, fallback) {
  state.toast = t(ERRORS[code] || "Something went wrong: {message}", { message: fallback });
  clearTimeout(showToast.timer);
  showToast.timer = setTimeout(() => {
    state.toast = null;
    render();
  }, 5000);
}

function render() {
  clear(view);
  if (state.toast) view.append(el("p", { class: "notice notice-error", role: "alert", text: state.toast }));
  const activity = state.activity;
  if (!activity) {
    view.append(
      el("section", { class: "waiting" },
        el("div", { class: "waiting-ring", "aria-hidden": "true" }),
        el("h1", { text: t("Watch the screen") }),
        el("p", { text: t("The next question will appear here by itself.") })),
    );
    return;
  }
  const closed = activity.status !== "open";
  const card = el("section", { class: `card kind-${activity.kind}` }, el("h1", { class: "prompt", text: activity.prompt }));
  if (closed) card.append(el("p", { class: "notice", role: "status", text: activity.status === "idle" ? t("This question opens in a moment.") : t("This question is closed.") }));
  const renderer = { open: renderOpen, wordcloud: renderWordcloud, scales: renderScales, checkout: renderCheckout, choice: renderChoice }[activity.kind];
  if (renderer) renderer(card, activity, closed);
  view.append(card);
  if (state.results && activity.kind !== "checkout") {
    view.append(el("section", { class: "card phone-results" }, el("h2", { text: t("Results") }), renderResults(state.results, activity, { compact: true })));
  }
}

function sentMark(entry) {
  if (!entry) return null;
  return el("span", { class: entry.pending ? "sent sent-pending" : "sent sent-ok", text: entry.pending ? t("Sending…") : t("Sent") });
}

function renderOpen(card, activity, closed) {
  const max = activity.settings.max_answers || 1;
  const slots = [...Array(max).keys()].map(String);
  const mine = slots.map((slot) => [slot, current(slot)]).filter(([, entry]) => entry);
  const editing = state.draft.editing;
  const list = el("ul", { class: "my-answers" });
  for (const [slot, entry] of mine) {
    list.append(el("li", { class: "my-answer" },
      el("p", { text: entry.value.text }), sentMark(entry),
      closed ? null : el("div", { class: "button-row" },
        el("button", { class: "button button-small", type: "button", onclick: () => { state.draft.editing = slot; state.draft.text = entry.value.text; render(); } }, t("Edit")),
        el("button", { class: "button button-small", type: "button", onclick: () => withdraw(slot) }, t("Withdraw")))));
  }
  if (mine.length) card.append(list);
  const free = slots.find((slot) => !current(slot));
  const target = editing ?? free;
  if (closed || target === undefined) return;
  const area = el("textarea", { id: "answer-text", maxlength: 280, rows: 4, "aria-label": t("Your answer") });
  area.value = state.draft.text || "";
  const counter = el("span", { class: "counter", "aria-live": "polite", text: `${area.value.length}/280` });
  area.addEventListener("input", () => { state.draft.text = area.value; counter.textContent = `${area.value.length}/280`; });
  const form = el("form", { class: "stack", onsubmit: (event) => {
    event.preventDefault();
    const text = area.value.trim();
    if (!text) return;
    answer(target, { text });
    state.draft = {};
  } }, el("label", { for: "answer-text", text: editing ? t("Edit your answer") : t("Your answer") }), area, counter,
  el("button", { class: "button button-primary", type: "submit" }, editing ? t("Save") : t("Send")));
  card.append(form);
}

function renderWordcloud(card, activity, closed) {
  const max = activity.settings.max_entries || 3;
  const slots = [...Array(max).keys()].map(String);
  const chips = el("ul", { class: "chips" });
  for (const slot of slots) {
    const entry = current(slot);
    if (!entry) continue;
    chips.append(el("li", { class: entry.pending ? "chip chip-pending" : "chip" }, entry.value.word,
      closed ? null : el("button", { class: "chip-remove", type: "button", "aria-label": t("Remove {word}", { word: entry.value.word }), onclick: () => withdraw(slot) }, "×")));
  }
  card.append(chips);
  const free = slots.find((slot) => !current(slot));
  const used = slots.filter((slot) => current(slot)).length;
  card.append(el("p", { class: "hint", text: t("{used} of {max} words", { used, max }) }));
  if (closed || free === undefined) return;
  const input = el("input", { id: "word", maxlength: 40, autocomplete: "off", enterkeyhint: "send", "aria-label": t("A word") });
  card.append(el("form", { class: "inline-form", onsubmit: (event) => {
    event.preventDefault();
    const word = input.value.trim();
    if (!word) return;
    answer(free, { word });
    input.value = "";
  } }, input, el("button", { class: "button button-primary", type: "submit" }, t("Add"))));
}

function renderScales(card, activity, closed) {
  const s = activity.settings;
  const pick = s.pick || s.statements.length;
  const rated = s.statements.map((_, i) => String(i)).filter((slot) => current(slot));
  if (s.pick) card.append(el("p", { class: "pick-counter", role: "status", text: t("Pick {pick}: {count} of {pick} chosen", { pick, count: rated.length }) }));
  const list = el("ol", { class: "statements" });
  s.statements.forEach((text, index) => {
    const slot = String(index);
    const entry = current(slot);
    const full = !entry && rated.length >= pick;
    const item = el("li", { class: full ? "statement statement-locked" : "statement" }, el("p", { class: "statement-text", text }));
    const values = [];
    for (let v = s.min; v <= s.max; v += 1) values.push(v);
    if (s.mode === "numeric") {
      const input = el("input", { type: "number", min: s.min, max: s.max, inputmode: "numeric", "aria-label": text, disabled: closed || full });
      if (entry) input.value = entry.value.value;
      item.append(el("form", { class: "inline-form", onsubmit: (event) => { event.preventDefault(); const v = Number.parseInt(input.value, 10); if (!Number.isNaN(v)) answer(slot, { value: v }); } }, input,
        el("button", { class: "button", type: "submit", disabled: closed || full }, t("Save"))));
    } else {
      const group = el("div", { class: s.mode === "yesno" ? "yesno" : "stars", role: "group", "aria-label": text });
      for (const v of values) {
        const chosen = entry && (s.mode === "yesno" ? entry.value.value === v : entry.value.value >= v);
        const label = s.mode === "yesno" ? (v === 1 ? t("Yes") : t("No")) : "★";
        group.append(el("button", {
          type: "button", class: chosen ? "star star-on" : "star", "aria-pressed": chosen ? "true" : "false",
          "aria-label": s.mode === "yesno" ? label : t("{n} of {max} stars", { n: v, max: s.max }),
          disabled: closed || full, onclick: () => answer(slot, { value: v }),
        }, label));
      }
      item.append(group);
      if (s.mode === "stars") item.append(el("div", { class: "scale-labels" }, el("span", { text: s.label_low }), el("span", { text: s.label_high })));
    }
    if (entry) {
      item.append(el("div", { class: "statement-footer" }, sentMark(entry),
        closed ? null : el("button", { class: "button button-small button-quiet", type: "button", onclick: () => withdraw(slot) }, t("Skip"))));
    }
    list.append(item);
  });
  card.append(list);
}

function renderCheckout(card, activity, closed) {
  const mine = current("word");
  if (mine) {
    card.append(el("p", { class: "my-word" }, t("Your word:"), " ", el("b", { text: mine.value.word }), " ", sentMark(mine)));
  }
  if (!closed && (!mine || state.draft.changing)) {
    const input = el("input", { id: "checkout-word", maxlength: 40, autocomplete: "off", enterkeyhint: "send", "aria-label": t("Your word") });
    card.append(el("form", { class: "inline-form", onsubmit: (event) => {
      event.preventDefault();
      const word = input.value.trim();
      if (!word) return;
      answer("word", { word });
      state.draft = {};
    } }, input, el("button", { class: "button button-primary", type: "submit" }, t("Send"))));
  } else if (!closed && mine) {
    card.append(el("button", { class: "button button-small button-quiet", type: "button", onclick: () => { state.draft.changing = true; render(); } }, t("Change my word")));
  }
  const words = (state.results && state.results.words) || [];
  const myEntry = state.mine.word && state.mine.word.entry_id;
  const list = el("ul", { class: "checkout-words" });
  for (const word of words) {
    const slot = `in:${word.id}`;
    const stepped = current(slot);
    const own = word.id === myEntry;
    list.append(el("li", { class: own ? "checkout-word checkout-own" : "checkout-word" },
      el("span", { class: "checkout-text", text: word.text }),
      el("span", { class: "stepins", "aria-label": t("{n} stepped in", { n: word.stepins }) }, `+${word.stepins}`),
      own ? el("span", { class: "hint", text: t("your word") }) : el("button", {
        type: "button", class: stepped ? "button button-small step step-on" : "button button-small step",
        "aria-pressed": stepped ? "true" : "false", disabled: closed,
        onclick: () => (stepped ? withdraw(slot) : answer(slot, {})),
      }, stepped ? t("Stepped in") : t("I recognise this / step in"))));
  }
  if (words.length) card.append(el("h2", { text: t("The circle") }), list);
}

function renderChoice(card, activity, closed) {
  const s = activity.settings;
  const entry = current("0");
  const chosen = new Set(state.draft.options ?? (entry ? entry.value.options : []));
  const multi = s.max_choices > 1;
  const group = el("div", { class: "options", role: multi ? "group" : "radiogroup", "aria-label": activity.prompt });
  s.options.forEach((text, index) => {
    const on = chosen.has(index);
    group.append(el("button", {
      type: "button", class: on ? "option option-on" : "option", role: multi ? "checkbox" : "radio",
      "aria-checked": on ? "true" : "false", disabled: closed,
      onclick: () => {
        if (!multi) { answer("0", { options: [index] }); state.draft = {}; return; }
        const next = new Set(chosen);
        if (next.has(index)) next.delete(index);
        else if (next.size < s.max_choices) next.add(index);
        state.draft.options = [...next];
        render();
      },
    }, text));
  });
  card.append(group);
  if (multi) {
    card.append(el("p", { class: "hint", text: t("Choose up to {k}", { k: s.max_choices }) }));
    if (!closed) card.append(el("button", { class: "button button-primary", type: "button", disabled: chosen.size === 0, onclick: () => {
      answer("0", { options: [...chosen].sort((a, b) => a - b) }); state.draft = {};
    } }, t("Send")));
  }
  if (entry) card.append(sentMark(entry));
}

async function join(nickname) {
  const response = await fetch(`/api/join/${code}`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(nickname === undefined ? {} : { nickname }),
  });
  if (!response.ok) throw new Error(`join failed: ${response.status}`);
  localStorage.setItem(`kring:joined:${code}`, "1");
}

function start() {
  socket = new LiveSocket(`/ws/${code}`, {
    onMessage,
    onState: async (connState, closeCode) => {
      setConnState(connNode, connState);
      if (connState === "refused" && closeCode === 4401) {
        try { await join(); } catch { /* retried on the next reconnect */ }
      }
    },
    onOpen: () => {
      // Unacknowledged answers are resent with their own client id: the server counts them once.
      for (const message of state.pending.values()) socket.send(message);
    },
  });
  socket.connect();
}

async function main() {
  await loadStrings();
  render();
  if (localStorage.getItem(`kring:joined:${code}`)) {
    try { await join(); } catch { /* the socket retries */ }
    start();
    return;
  }
  const welcome = document.getElementById("welcome");
  welcome.hidden = false;
  document.getElementById("join-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const nickname = document.getElementById("nickname").value.trim();
    try {
      await join(nickname || undefined);
      welcome.hidden = true;
      start();
    } catch {
      showToast("join_failed", t("Could not join; check the connection."));
      render();
    }
  });
}

main();
