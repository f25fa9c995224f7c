// Live reactions: the phone's row of buttons and the big screen's floating bursts, drawn from the
// SVGs shipped with Kring (web/static/img/reactions/), so no emoji font is needed anywhere.
import { N_, el, t } from "./common.js";

export const LABELS = {
  thumbs_up: N_("Thumbs up"),
  heart: N_("Heart"),
  laugh: N_("Laughing"),
  wow: N_("Surprised"),
  clap: N_("Applause"),
  question: N_("Question mark"),
  idea: N_("Idea"),
  star: N_("Star"),
  check: N_("Tick"),
  thinking: N_("Thinking"),
};

export function icon(name) {
  return el("img", { src: `/static/img/reactions/${name}.svg`, alt: "", width: 40, height: 40, draggable: "false" });
}

// The phone's buttons; a tap sends at once (reactions are not acknowledged: they are fleeting).
export function reactionRow(names, send) {
  const row = el("div", { class: "react-row", role: "group", "aria-label": t("Reactions") });
  for (const name of names) {
    const button = el("button", { class: "react", type: "button", "aria-label": t(LABELS[name] || name), dataset: { reaction: name } }, icon(name));
    button.addEventListener("click", () => {
      send({ type: "react", reaction: name });
      button.classList.remove("react-sent");
      void button.offsetWidth; // restart the little pop
      button.classList.add("react-sent");
    });
    row.append(button);
  }
  return row;
}

const MOST_PER_BURST = 14; // icons one reaction floats per frame: 300 taps are a swarm, not 300 nodes

// The big screen: a frame's burst ({"heart": 31, "clap": 4}) floats up from the bottom edge.
export function floatBurst(layer, burst) {
  if (!burst) return;
  for (const [name, count] of Object.entries(burst)) {
    if (!LABELS[name] || count <= 0) continue;
    const shown = Math.min(MOST_PER_BURST, Math.ceil(Math.log2(count + 1) * 2));
    for (let i = 0; i < shown; i += 1) {
      const node = el("span", { class: "float", dataset: { reaction: name } }, icon(name));
      const size = 3 + Math.random() * 2.5;
      node.style.cssText = `left:${4 + Math.random() * 88}%;width:${size}vw;animation-delay:${Math.random() * 0.5}s;animation-duration:${2.6 + Math.random() * 1.4}s`;
      node.addEventListener("animationend", () => node.remove());
      layer.append(node);
    }
  }
  layer.dataset.total = String(Number(layer.dataset.total || 0) + Object.values(burst).reduce((a, b) => a + b, 0));
}
