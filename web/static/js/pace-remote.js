// The remote's questionnaire (vragenlijst): open the current block's activities as one, every
// step with how many phones got past it and are on it now, which step the big screen shows, and
// closing it. Opened from a block the draaiboek marks self-paced, or any block of two or more.
import { clear, el, ngettext, t } from "./common.js";

let node = null;

function bar(value, total) {
  const share = total ? Math.round((100 * Math.min(value, total)) / total) : 0;
  return el("div", { class: "pace-bar", role: "img", "aria-label": t("{n} of {total} done", { n: value, total }) },
    el("span", { style: `width: ${share}%` }));
}

function running(snapshot, api) {
  const questionnaire = snapshot.questionnaire;
  const total = Math.max(snapshot.participants, questionnaire.started);
  const shown = snapshot.activity ? snapshot.activity.id : null;
  const list = el("ol", { class: "pace-steps" });
  questionnaire.steps.forEach((step, i) => {
    const onScreen = step.activity_id === shown;
    list.append(el("li", { class: onScreen ? "pace-step pace-step-shown" : "pace-step" },
      el("span", { class: "pace-step-number", text: String(i + 1) }),
      el("span", { class: "pace-step-main" },
        el("span", { class: "pace-step-prompt", text: step.prompt }),
        bar(step.done, total),
        el("span", { class: "hint", text: [
          t("{n} of {total} done", { n: step.done, total }),
          ngettext("{n} on it now", "{n} on it now", step.on),
          ngettext("{n} answered", "{n} answered", step.respondents),
        ].join(" · ") })),
      el("button", { class: "button button-small", type: "button", "aria-pressed": String(onScreen),
        onclick: () => api("POST", "/current", { activity_id: step.activity_id }),
        text: onScreen ? t("On the big screen") : t("Show") })));
  });
  return [
    el("h3", { class: "subhead", id: "pace-remote-heading", text: t("Questionnaire: each phone at its own pace") }),
    el("p", { class: "pace-summary", text: t("{started} started, {completed} finished, of {total} participants", { started: questionnaire.started, completed: questionnaire.completed, total }) }),
    list,
    el("div", { class: "button-row" },
      el("button", { class: "button", type: "button", onclick: () => api("POST", "/questionnaire/close"), text: t("Close the questionnaire") })),
  ];
}

// A block of two or more activities, none of a kind the room answers together, can be one.
function offer(snapshot, agenda, api, paceable) {
  const block = agenda && agenda.current ? agenda.blocks.find((b) => b.id === agenda.current.id) : null;
  if (!block || block.activity_ids.length < 2) return [];
  const kinds = snapshot.activities.filter((a) => block.activity_ids.includes(a.id)).map((a) => a.kind);
  if (!kinds.every(paceable)) return [];
  return [
    el("div", { class: block.self_paced ? "pace-offer pace-offer-planned" : "pace-offer" },
      el("p", { class: "hint", text: block.self_paced
        ? t("The run sheet has this block as a questionnaire: every phone goes through its questions at its own pace.")
        : t("Or let every phone go through this block's questions at its own pace.") }),
      el("button", { class: block.self_paced ? "button button-primary" : "button", type: "button",
        onclick: () => api("POST", "/questionnaire", { block_id: block.id }),
        text: t("Open as a questionnaire") })),
  ];
}

// paceable(kind): whether a kind can be a step (its module does not say `together`).
export function remotePace(snapshot, agenda, api, paceable) {
  if (!node) node = document.getElementById("pace-remote");
  if (!node) return;
  const parts = snapshot.questionnaire ? running(snapshot, api) : offer(snapshot, agenda, api, paceable);
  clear(node).append(...parts);
  node.hidden = !parts.length;
}
