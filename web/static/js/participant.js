// The phone: join, answer the current activity, see acknowledgements and shown results.
// Answers count as sent only after the server's ack; unacknowledged ones survive a reload and are
// resent with the same client_id (the server counts them once).
import { LiveSocket, apiHeaders, clear, el, loadStrings, newId, setConnState, t, takeLanguage } from "./common.js";
import { errorText, responseError } from "./errors.js";
import { kindNow } from "./kinds/index.js";
import { Pace } from "./pace.js";
import { start as startBeside } from "./qa.js";

const code = document.body.dataset.code;
const view = document.getElementById("view");
const connNode = document.getElementById("conn");
const agendaNode = document.getElementById("agenda-line");
const pendingKey = `kring:pending:${code}`;
const RETRY_AFTER_MS = 8000;
const KEEP_PENDING = new Set(["storage_failed", "rate_limited"]); // resent later, not dropped

const state = {
  meeting: null,
  activity: null,
  results: null,
  agenda: null,
  nickname: null,
  mine: {}, // slot -> {entry_id, value}
  own: null, // what only this phone sees of the results (mine.own)
  mineFor: null,
  known: new Map(), // check-out: word id -> the word as last seen (list, finds, mine)
  found: null, // check-out: the reply to the latest find
  pending: new Map(readPending()),
  sentAt: new Map(), // client_id -> when it last went out
  draft: {}, // per-activity UI state: texts being typed, which answer is being edited
  toast: null,
  online: false,
};
let socket = null;
const plain = `/ws/${code}`;
const pace = new Pace(); // a self-paced questionnaire, while one is open (pace.js)

// In a questionnaire the phone answers the step it is on, with its own answers to that step.
function follow() {
  if (!pace.on) return;
  state.activity = pace.activity();
  state.mine = state.activity ? pace.mine(state.activity.id) : {};
  state.mineFor = state.activity ? state.activity.id : null;
}

function moved() {
  follow();
  render();
}
let pass = null; // pass.js, in a meeting of a series only
const PASS_MODULE = "./pass.js";
let forget = null; // forget.js ("vergeet mij"), loaded once the phone has joined
let settled = false;

function readPending() {
  try {
    return JSON.parse(localStorage.getItem(pendingKey) || "[]");
  } catch {
    return [];
  }
}

function savePending() {
  localStorage.setItem(pendingKey, JSON.stringify([...state.pending]));
}

function transmit(message) {
  if (socket && socket.send(message)) state.sentAt.set(message.client_id, Date.now());
}

function send(message) {
  const full = { ...message, client_id: newId() };
  state.pending.set(full.client_id, full);
  savePending();
  transmit(full);
  render();
}

function pendingFor(slot) {
  let found = null;
  for (const message of state.pending.values()) {
    if (state.activity && message.activity_id === state.activity.id && message.slot === slot) found = message;
  }
  return found;
}

// What the phone shows for a slot: the pending message when there is one, else what the server holds.
function current(slot) {
  const pending = pendingFor(slot);
  if (pending) return pending.type === "withdraw" ? null : { value: pending.value, pending: true };
  const stored = state.mine[slot];
  return stored ? { value: stored.value, entry_id: stored.entry_id, pending: false } : null;
}

// Words as last seen by their id (the check-out's; a cloud's words have none): a word stepped in on
// stays on the phone outside the bounded list.
function learn(words) {
  if (words) for (const w of words) if (w.id !== undefined) state.known.set(w.id, w);
}

// One `find` per pause in typing: a phone's messages are rate-limited.
const lastFind = { query: "", timer: null };
function find(query, now = false) {
  clearTimeout(lastFind.timer);
  if (query && query === lastFind.query && state.found) return;
  const go = () => {
    lastFind.query = query;
    state.found = null;
    if (query && socket) socket.send({ type: "find", activity_id: state.activity.id, query });
    render();
  };
  if (now || !query) go();
  else lastFind.timer = setTimeout(go, 300);
}

// text: what went wrong, in the page's language (errors.js).
function showToast(text) {
  state.toast = text;
  clearTimeout(showToast.timer);
  showToast.timer = setTimeout(() => {
    state.toast = null;
    render();
  }, 5000);
}

// Q&A and reactions beside the activities (qa.js). Every phone gets their frame as it connects,
// so the module is part of the page: loaded on demand, it was fetched in the moment the wifi
// dropped, failed, and the phone had no Q&A or reactions until a reload.
let beside = null;
function toBeside(message) {
  beside = beside || startBeside(socket);
  beside.onMessage(message);
}

function onMessage(message) {
  switch (message.type) {
    case "beside":
    case "qa_mine":
    case "qa_ack":
      toBeside(message);
      return;
    case "joined": // its 101 set the cookie: reconnects go plain
      joinedAs(message);
      socket.path = plain;
      break;
    case "state": {
      const changed = !state.activity || !message.activity || state.activity.id !== message.activity.id;
      if (changed) state.draft = {};
      state.meeting = message.meeting;
      state.activity = message.activity;
      state.results = message.results;
      state.agenda = message.agenda || null;
      if (!message.activity || state.mineFor !== message.activity.id) state.mine = {};
      if (changed) {
        state.known = new Map();
        state.found = null;
        if (pass) pass.refreshTrend(code, message.activity, render);
      }
      learn(message.results && message.results.words);
      pace.fromState(message.questionnaire || null);
      follow();
      break;
    }
    case "nickname": // on a connect without a join, and when it changes (a rejoin elsewhere)
      state.nickname = message.nickname || null;
      break;
    case "pace":
      pace.fromPace(message);
      follow();
      break;
    case "step_ack":
      pace.stepAcked(message);
      return;
    case "mine":
      state.mine = message.answers;
      state.mineFor = message.activity_id;
      state.own = message.own || null;
      learn(message.words);
      break;
    case "results":
      if (state.activity && message.activity_id === state.activity.id) {
        state.results = message.results;
        learn(message.results.words);
      }
      break;
    case "found":
      if (state.activity && message.activity_id === state.activity.id && message.query === lastFind.query) {
        state.found = message;
        learn(message.words);
      }
      break;
    case "ack":
      pace.acked(message);
      state.pending.delete(message.client_id);
      state.sentAt.delete(message.client_id);
      savePending();
      if (state.activity && message.activity_id === state.activity.id) {
        if (message.withdrawn) delete state.mine[message.slot];
        else state.mine[message.slot] = { entry_id: message.entry_id, value: message.value };
        if (pass) pass.refreshTrend(code, state.activity, render);
      }
      break;
    case "error":
      if (message.client_id && beside) toBeside(message);
      if (message.client_id) pace.refused(message);
      if (message.client_id && !KEEP_PENDING.has(message.code)) {
        state.pending.delete(message.client_id);
        savePending();
      }
      showToast(errorText(message));
      break;
    default:
      return;
  }
  render();
}

function renderAgenda() {
  const agenda = state.agenda;
  const parts = [];
  if (agenda && agenda.now) parts.push(t("Now: {title}", { title: agenda.now.title }));
  if (agenda && agenda.next) parts.push(t("Next: {title}", { title: agenda.next.title }));
  agendaNode.textContent = parts.join(" · ");
  agendaNode.hidden = parts.length === 0;
}

// Re-rendering replaces the DOM; keep the focused field, its caret and the keyboard where they were.
function rememberFocus() {
  const active = document.activeElement;
  if (!active || !active.id || !view.contains(active)) return null;
  const caret = "selectionStart" in active ? [active.selectionStart, active.selectionEnd] : null;
  return { id: active.id, caret };
}

function restoreFocus(focus) {
  if (!focus) return;
  const node = document.getElementById(focus.id);
  if (!node) return;
  node.focus({ preventScroll: true });
  if (focus.caret && typeof node.setSelectionRange === "function") {
    try {
      node.setSelectionRange(focus.caret[0], focus.caret[1]);
    } catch {
      /* range inputs have no caret */
    }
  }
}

// A frame arriving mid-tap must not swap the button under the finger (the tap would be lost):
// while a pointer is down, rendering waits until it is lifted.
let pressing = false;
let deferred = false;
view.addEventListener("pointerdown", () => { pressing = true; });
for (const type of ["pointerup", "pointercancel"]) {
  document.addEventListener(type, () => {
    pressing = false;
    if (deferred) {
      deferred = false;
      setTimeout(render, 0); // after the click event
    }
  });
}

// The name this phone joined with, in the header (or "anonymous"), once it has joined.
function renderMe() {
  const joined = Boolean(localStorage.getItem(`kring:joined:${code}`));
  document.getElementById("me").hidden = !joined;
  document.getElementById("me-name").textContent = state.nickname || t("anonymous");
}

function render() {
  if (pressing) {
    deferred = true;
    return;
  }
  renderAgenda();
  renderMe();
  const focus = rememberFocus();
  clear(view);
  if (state.toast) view.append(el("p", { class: "notice notice-error", role: "alert", text: state.toast }));
  const unsent = [...state.pending.values()].filter((m) => state.activity && m.activity_id === state.activity.id);
  if (!state.online && unsent.length) {
    view.append(el("p", { class: "notice notice-offline", role: "status", text: t("No connection: your answer is sent as soon as you are back online.") }));
  }
  if (pace.on) view.append(pace.progress());
  if (pace.on && !state.activity) {
    view.append(pace.end(socket, moved));
    restoreFocus(focus);
    return;
  }
  const activity = state.activity;
  if (!activity) {
    const breakNow = state.agenda && state.agenda.now && state.agenda.now.is_break;
    view.append(
      el("section", { class: "waiting" },
        el("div", { class: "waiting-ring", "aria-hidden": "true" }),
        el("h1", { text: breakNow ? t("Break") : t("Watch the screen") }),
        el("p", { text: t("The next question will appear here by itself.") })),
    );
    return;
  }
  const closed = activity.status !== "open";
  const card = el("section", { class: `card kind-${activity.kind}` }, el("h1", { class: "prompt", text: activity.prompt }));
  if (closed) {
    card.append(el("p", { class: "notice", role: "status", text: activity.status === "idle" ? t("This question opens in a moment.") : t("This question is closed.") }));
  }
  // The kind's module loads with its first question (kinds/index.js); render runs again then.
  const kind = kindNow(activity.kind, render);
  if (kind) kind.phone(card, context(activity, closed));
  view.append(card);
  if (pace.on) view.append(pace.nav(socket, moved));
  if (kind && state.results && !kind.ownResults) {
    view.append(el("section", { class: "card phone-results" }, el("h2", { text: t("Results") }), kind.results(state.results, activity, { compact: true })));
  }
  const trend = pass && pass.trendCard(activity);
  if (trend) view.append(trend);
  restoreFocus(focus);
}

// What a kind's view may use: its answers, the draft, and the ways to answer.
function context(activity, closed) {
  return {
    activity,
    closed,
    results: state.results,
    mine: state.mine,
    known: state.known,
    found: state.found,
    find,
    nickname: state.nickname,
    own: state.mineFor === activity.id ? state.own : null, // what only this phone sees (its own rank)
    draft: pace.on ? pace.draft(activity.id) : state.draft,
    current,
    answer: (slot, value) => send({ type: "answer", activity_id: activity.id, slot, value }),
    withdraw: (slot) => send({ type: "withdraw", activity_id: activity.id, slot }),
    render,
  };
}

// The QR link's join secret (#j=…, never sent in a URL): a join with it is not held up when a
// guesser shares this phone's address. Kept for a reload; a typed code has none.
const secretKey = `kring:secret:${code}`;
const secret = new URLSearchParams(location.hash.slice(1)).get("j") || localStorage.getItem(secretKey);
if (secret) localStorage.setItem(secretKey, secret);

function showMeeting(meeting) {
  document.title = `${meeting.title} — Kring`;
  document.getElementById("phone-title").textContent = meeting.title;
}

// One round trip: the socket's handshake (re)joins, as POST /api/join/{code} would.
function joinPath(nickname) {
  const query = new URLSearchParams({ join: 1 });
  if (nickname) query.set("nickname", nickname);
  if (secret) query.set("secret", secret);
  return `${plain}?${query}`;
}

function joinedAs(joined) {
  state.nickname = joined.nickname || null;
  showMeeting(joined);
  localStorage.setItem(`kring:joined:${code}`, "1");
  document.getElementById("welcome").hidden = true;
  settle();
}

// Before joining: the meeting's title and language, or why not (unknown code, blocked address).
async function lookUp() {
  const response = await fetch(`/api/join/${code}`, { headers: apiHeaders(secret ? { "X-Join-Secret": secret } : {}) });
  if (response.ok) return response.json();
  clear(view).append(el("p", { class: "notice notice-error", role: "alert", text: await responseError(response) }),
    el("a", { href: "/", text: t("Type another code") }));
  return null;
}

// An answer without an ack after a while (a frame lost on bad wifi) goes out again, same client_id.
function retryStale() {
  const now = Date.now();
  for (const message of state.pending.values()) {
    if (now - (state.sentAt.get(message.client_id) || 0) > RETRY_AFTER_MS) transmit(message);
  }
}

function start(path = plain) {
  if (socket) {
    socket.path = path;
    socket.reconnectNow();
    return;
  }
  socket = new LiveSocket(path, {
    onMessage,
    onState: async (connState, closeCode) => {
      setConnState(connNode, connState);
      state.online = connState === "online";
      render();
      if (connState === "refused" && closeCode === 4401 && !(forget && forget.forgetting.now)) {
        // A pseudonym's phone comes back as the pseudonym (another device may have taken over
        // its participant in this meeting), never as a new anonymous one.
        try {
          const back = pass && pass.hasPass() ? await pass.joinWithPass(code, { secret }) : null;
          if (back) joinedAs(back);
          else socket.path = joinPath();
        } catch { /* retried on the next reconnect */ }
      }
    },
    onOpen: () => {
      for (const message of state.pending.values()) transmit(message);
      pace.resend(socket);
      if (lastFind.query && state.activity) socket.send({ type: "find", activity_id: state.activity.id, query: lastFind.query });
    },
  });
  socket.connect();
  setInterval(retryStale, 3000);
}

// Once joined.
function settle() {
  if (settled) return;
  settled = true;
  // Actions carried forward come from a series' earlier meeting: only a meeting of a series loads them.
  if (pass) import("./actions.js").then((actions) => actions.showCarried(code)).catch(() => {});
  if (pass) pass.setupPass(code, document.getElementById("pass")).then(() => pass.refreshTrend(code, state.activity, render));
  import("./forget.js").then((module) => {
    forget = module;
    forget.setupForget(code, () => {
      socket.stop();
      state.pending.clear();
      view.hidden = true;
      connNode.hidden = true;
    });
  }).catch(() => { /* offline: the footer's "vergeet mij" comes with the next load */ });
}

async function main() {
  await loadStrings();
  let meeting = {};
  try { meeting = await lookUp(); } catch { /* offline: the join and the socket retry */ }
  if (!meeting || takeLanguage(meeting.language)) return;
  if (meeting.title) showMeeting(meeting);
  render();
  if (meeting.series_position) {
    // Through a name, not a literal: the server's per-page catalogue does not follow it, so every
    // phone outside a series is spared the pass's strings (pass.js loads them itself).
    try { pass = await import(PASS_MODULE); } catch { /* offline: the meeting works without the pass */ }
  }
  if (localStorage.getItem(`kring:joined:${code}`)) {
    start(joinPath());
    return;
  }
  // A phone with a pass of this series (its cookie, or a code kept here) joins as its pseudonym.
  const viaPass = pass ? await pass.joinWithPass(code, { secret }).catch(() => null) : null;
  if (viaPass) {
    joinedAs(viaPass);
    start();
    return;
  }
  const welcome = document.getElementById("welcome");
  welcome.hidden = false;
  if (pass) pass.codeField(document.getElementById("join-form"), meeting.pass_input_max);
  document.getElementById("join-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const nickname = document.getElementById("nickname").value.trim();
    const typed = pass ? document.getElementById("pass-code").value.trim() : "";
    try {
      if (!typed) return start(joinPath(nickname)); // refused: the socket's error
      joinedAs(await pass.joinWithPass(code, { typed, nickname: nickname || undefined, secret }));
      start();
    } catch (problem) {
      // The server's refusal (a wrong pass code, say), or no connection at all.
      showToast(problem instanceof TypeError ? errorText({ code: "join_failed" }) : problem.message);
      render();
    }
  });
}

main();
