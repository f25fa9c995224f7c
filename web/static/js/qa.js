// The phone's Q&A and reactions beside the activities: loaded by participant.js with the first
// frame about them, on the same socket. Questions and votes are acknowledged and idempotent by
// client id, like answers: unacknowledged ones go out again, same id, until the server says so.
import { clear, el, newId, t } from "./common.js";
import { reactionRow } from "./reactions.js";

const RETRY_AFTER_MS = 4000;
const KEEP = new Set(["storage_failed", "rate_limited"]);
const state = { qa: null, reactions: null, mine: { questions: [], votes: [] }, pending: new Map(), open: false, anonymous: false };
let socket = null;
let bar = null;
let panel = null;

function transmit(message) {
  if (socket.send(message)) state.pending.get(message.client_id).sentAt = Date.now();
}

function send(message) {
  const full = { ...message, client_id: newId() };
  state.pending.set(full.client_id, { message: full, sentAt: 0 });
  transmit(full);
  render();
}

function retry() {
  const now = Date.now();
  for (const { message, sentAt } of state.pending.values()) {
    if (now - sentAt > RETRY_AFTER_MS) transmit(message);
  }
}

export function start(liveSocket) {
  socket = liveSocket;
  bar = el("nav", { class: "beside-bar", "aria-label": t("Reactions and questions"), hidden: true });
  panel = el("section", { id: "qa-panel", class: "qa-panel", role: "dialog", "aria-modal": "true", "aria-labelledby": "qa-title", hidden: true });
  document.body.append(bar, panel);
  setInterval(retry, 2000);
  return { onMessage };
}

function onMessage(message) {
  if (message.type === "beside") {
    state.qa = message.qa;
    state.reactions = message.reactions;
    if (!state.qa) state.open = false;
  } else if (message.type === "qa_mine") {
    state.mine = message;
  } else if (message.type === "qa_ack" || (message.type === "error" && message.client_id)) {
    const pending = state.pending.get(message.client_id);
    if (!pending || KEEP.has(message.code)) return; // kept: sent again, same id
    state.pending.delete(message.client_id);
    if (message.type === "error" && pending.message.type === "ask") restoreDraft(pending.message);
  } else {
    return;
  }
  render();
}

// A question the server refused (too long, say) comes back into the field to be changed.
function restoreDraft(message) {
  const field = document.getElementById("qa-text");
  if (field && !field.value) field.value = message.text;
}

function voted(id) {
  let up = state.mine.votes.includes(id);
  for (const { message } of state.pending.values()) {
    if (message.type === "vote" && message.question_id === id) up = message.up;
  }
  return up;
}

function render() {
  renderBar();
  renderPanel();
  document.body.classList.toggle("has-beside", !bar.hidden);
}

function renderBar() {
  clear(bar);
  if (state.reactions) bar.append(reactionRow(state.reactions, (message) => socket.send(message)));
  if (state.qa) {
    const count = state.qa.count;
    bar.append(el("button", { id: "qa-button", class: "button qa-button", type: "button", "aria-expanded": String(state.open), "aria-controls": "qa-panel", onclick: () => toggle(!state.open) },
      t("Questions"), count ? el("span", { class: "qa-count", text: count }) : null));
  }
  bar.hidden = !state.reactions && !state.qa;
}

function toggle(open) {
  state.open = open;
  render();
  if (open) document.getElementById("qa-text")?.focus();
  else document.getElementById("qa-button")?.focus();
}

function renderPanel() {
  const focused = document.activeElement && panel.contains(document.activeElement) ? document.activeElement.id : null;
  const draft = document.getElementById("qa-text")?.value || "";
  clear(panel);
  panel.hidden = !(state.open && state.qa);
  if (panel.hidden) return;
  const qa = state.qa;
  const text = el("textarea", { id: "qa-text", maxlength: 280, rows: 2, required: true });
  text.value = draft;
  const anonymous = el("input", { id: "qa-anonymous", type: "checkbox", checked: state.anonymous, onchange: (e) => { state.anonymous = e.target.checked; } });
  const form = el("form", { class: "stack qa-ask" },
    el("label", { for: "qa-text", text: t("Your question") }), text,
    el("label", { class: "check" }, anonymous, t("Ask anonymously")),
    el("button", { class: "button button-primary", type: "submit", text: t("Ask") }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = text.value.trim();
    if (!value) return;
    text.value = "";
    send({ type: "ask", text: value, anonymous: state.anonymous });
  });
  const header = el("div", { class: "qa-head" },
    el("h2", { id: "qa-title", text: t("Questions from the floor") }),
    el("button", { class: "button button-small", type: "button", text: t("Close"), onclick: () => toggle(false) }));
  const list = el("ol", { class: "qa-list", "aria-label": t("Questions") });
  const shown = new Set();
  for (const question of qa.questions) {
    shown.add(question.id);
    list.append(item(question, state.mine.questions.find((q) => q.id === question.id)));
  }
  for (const own of state.mine.questions) if (!shown.has(own.id)) list.append(item(own, own));
  for (const { message } of state.pending.values()) {
    if (message.type === "ask") list.append(el("li", { class: "qa-item qa-sending" }, el("p", { class: "qa-text", text: message.text }), el("p", { class: "qa-by", text: t("Sending…") })));
  }
  if (!list.children.length) list.append(el("li", { class: "hint", text: t("No questions yet. Ask the first one!") }));
  const note = qa.premoderate ? el("p", { class: "hint", text: t("The host approves questions before they appear.") }) : null;
  panel.append(header, form, note, list);
  if (focused) document.getElementById(focused)?.focus();
}

function item(question, own) {
  const by = question.nickname || t("Anonymous");
  const status = own && own.status === "pending" ? t("Waiting for approval") : own && own.status === "hidden" ? t("Hidden by the host") : null;
  const meta = [by, question.answered ? t("Answered") : null, status].filter(Boolean).join(" · ");
  const node = el("li", { class: `qa-item${own ? " qa-own" : ""}${question.answered ? " qa-answered" : ""}`, dataset: { id: question.id } },
    el("p", { class: "qa-text", text: question.text }), el("p", { class: "qa-by", text: meta }));
  const votes = el("span", { class: "qa-votes", text: question.votes });
  if (own) {
    node.append(el("span", { class: "qa-tally", "aria-label": t("{n} votes", { n: question.votes }) }, votes));
  } else {
    const up = voted(question.id);
    // The visible count stays in the name (axe: label-content-name-mismatch); aria-pressed says
    // whether this phone's vote is in, and a second tap withdraws it.
    node.append(el("button", { class: "qa-vote", type: "button", "aria-pressed": String(up),
      onclick: () => send({ type: "vote", question_id: question.id, up: !up }) },
    el("span", { "aria-hidden": "true", text: "▲" }), votes, el("span", { class: "visually-hidden", text: t("Vote for this question") })));
  }
  return node;
}
