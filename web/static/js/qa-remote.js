// The remote's Q&A and reactions: open and close, pre-moderation, every question with approve,
// hide, answered and highlight, sorted by votes or by time; reactions on or off.
import { clear, el, ngettext, t } from "./common.js";
import { LABELS, icon } from "./reactions.js";

let node = null;
let sortBy = "votes";
let last = null;
let api = null;

export function remoteBeside(beside, call) {
  api = call;
  if (!node) {
    node = document.getElementById("beside-remote");
    document.head.append(el("link", { rel: "stylesheet", href: "/static/css/beside.css" }));
  }
  if (!node || !beside) return;
  last = beside;
  render();
}

function toggle(label, on, action) {
  return el("button", { class: "button button-small", type: "button", "aria-pressed": String(on), onclick: action,
    text: `${label}: ${on ? t("on") : t("off")}` });
}

function render() {
  const { qa, reactions } = last;
  const questions = [...qa.questions];
  if (sortBy === "votes") questions.sort((a, b) => b.votes - a.votes || a.id - b.id);
  const pending = questions.filter((q) => q.status === "pending").length;
  const list = el("ol", { class: "qa-list qa-host-list" });
  for (const question of questions) list.append(item(question, qa.highlighted === question.id));
  if (!questions.length) list.append(el("li", { class: "hint", text: t("No questions yet.") }));
  const sort = el("div", { class: "button-row", role: "group", "aria-label": t("Sort") },
    ...[["votes", t("By votes")], ["time", t("Newest first")]].map(([key, label]) =>
      el("button", { class: "button button-small", type: "button", "aria-pressed": String(sortBy === key), onclick: () => { sortBy = key; render(); }, text: label })));
  const set = reactions.on ? chooser(reactions.set) : null;
  const parts = [
    el("h2", { id: "qa-remote-heading", text: t("Questions from the floor") }),
    el("div", { class: "button-row" },
      toggle(t("Q&A"), qa.open, () => api("PATCH", "/qa", { open: !qa.open })),
      toggle(t("Approve first"), qa.premoderate, () => api("PATCH", "/qa", { premoderate: !qa.premoderate })),
      toggle(t("Reactions"), reactions.on, () => api("PATCH", "/reactions", { on: !reactions.on }))),
    set,
    pending ? el("p", { class: "notice", role: "status", text: ngettext("{n} question waits for approval", "{n} questions wait for approval", pending) }) : null,
    sort, list];
  clear(node).append(...parts.filter(Boolean));
}

// The meeting's own set: any of the reactions Kring ships, in the shipped order (1 to 8).
function chooser(chosen) {
  const box = el("fieldset", { class: "react-choice" }, el("legend", { text: t("Reactions on the phones") }));
  for (const name of Object.keys(LABELS)) {
    const input = el("input", { type: "checkbox", id: `react-${name}`, checked: chosen.includes(name), dataset: { reaction: name } });
    input.addEventListener("change", () => {
      const picked = [...box.querySelectorAll("input:checked")].map((node) => node.dataset.reaction);
      if (picked.length) api("PATCH", "/reactions", { set: picked });
      else input.checked = true; // a set has at least one reaction
    });
    box.append(el("label", { for: `react-${name}`, class: "react-option" }, input, icon(name), el("span", { text: t(LABELS[name]) })));
  }
  return box;
}

function item(question, highlighted) {
  const act = (action) => () => api("POST", `/qa/questions/${question.id}`, { action });
  const buttons = [];
  if (question.status === "pending") buttons.push([t("Approve"), "approve", "button-primary"]);
  if (question.status === "hidden") buttons.push([t("Show"), "show", ""]);
  else buttons.push([t("Hide"), "hide", "button-quiet"]);
  if (question.status === "visible" && !question.answered) buttons.push(highlighted ? [t("Stop highlighting"), "unhighlight", ""] : [t("Highlight"), "highlight", ""]);
  if (question.status === "visible") buttons.push(question.answered ? [t("Not answered"), "unanswer", ""] : [t("Answered"), "answer", ""]);
  const states = [
    question.status === "pending" ? t("Waiting for approval") : null,
    question.status === "hidden" ? t("Hidden") : null,
    question.flagged ? t("Flagged by the profanity filter") : null,
    question.answered ? t("Answered") : null,
    highlighted ? t("On the big screen") : null,
  ].filter(Boolean);
  return el("li", { class: `qa-item qa-${question.status}${highlighted ? " qa-highlighted" : ""}`, dataset: { id: question.id } },
    el("p", { class: "qa-text", text: question.text }),
    el("p", { class: "qa-by", text: [question.nickname || t("Anonymous"), ngettext("{n} vote", "{n} votes", question.votes), ...states].join(" · ") }),
    el("div", { class: "button-row" }, ...buttons.map(([label, action, style]) =>
      el("button", { class: `button button-small ${style}`.trim(), type: "button", onclick: act(action), text: label }))));
}
