// The big screen's Q&A (the top questions by votes, the highlighted one large) and its floating
// reactions, from the snapshot's `beside`: taps arrive as one burst per frame, never one by one.
import { clear, el, ngettext, t } from "./common.js";
import { floatBurst } from "./reactions.js";

let panel = null;
let layer = null;

function setUp() {
  document.head.append(el("link", { rel: "stylesheet", href: "/static/css/beside.css" }));
  panel = el("aside", { id: "qa-stage", class: "qa-stage", "aria-label": t("Questions from the floor"), hidden: true });
  layer = el("div", { id: "float-layer", class: "float-layer", "aria-hidden": "true" });
  document.querySelector("main.stage").append(panel);
  document.body.append(layer);
}

export function stageBeside(beside) {
  if (!beside) return;
  if (!panel) setUp();
  const reactions = beside.reactions;
  if (reactions && reactions.burst && !matchMedia("(prefers-reduced-motion: reduce)").matches) floatBurst(layer, reactions.burst);
  else if (reactions && reactions.burst) layer.dataset.total = String(Number(layer.dataset.total || 0) + Object.values(reactions.burst).reduce((a, b) => a + b, 0));
  renderQa(beside.qa);
}

function renderQa(qa) {
  const stage = document.querySelector("main.stage");
  if (stage.classList.contains("with-qa") !== Boolean(qa)) {
    stage.classList.toggle("with-qa", Boolean(qa));
    // The results area just got narrower or wider: the cloud and the wall lay themselves out
    // again on a resize, as when the window changes.
    requestAnimationFrame(() => window.dispatchEvent(new Event("resize")));
  }
  panel.hidden = !qa;
  clear(panel);
  if (!qa) return;
  panel.append(el("h2", { class: "qa-stage-title", text: t("Questions from the floor") }));
  if (qa.highlighted) {
    panel.append(el("figure", { class: "qa-highlight" },
      el("blockquote", { text: qa.highlighted.text }),
      el("figcaption", { text: `${qa.highlighted.nickname || t("Anonymous")} · ${ngettext("{n} vote", "{n} votes", qa.highlighted.votes)}` })));
  }
  const list = el("ol", { class: "qa-stage-list" });
  for (const question of qa.questions) {
    list.append(el("li", { class: "qa-stage-item", dataset: { id: question.id } },
      el("span", { class: "qa-votes", text: question.votes }),
      el("span", { class: "qa-text", text: question.text })));
  }
  if (!qa.questions.length && !qa.highlighted) list.append(el("li", { class: "hint", text: t("Ask your question on your phone.") }));
  panel.append(list);
}
