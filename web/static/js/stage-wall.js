// The big screen's wall of answers (open questions; insights & actions): the highlighted ones first
// and large, the others in columns where every card keeps its own height. The text is as large as
// lets every answer fit, down to a size the back of the room still reads; what then does not fit
// is counted on the wall ("and 42 more answers"), never clipped. The cards flow newest first (the
// insight cards come oldest first from the server), so the ones left out are the oldest.
import { el, ngettext } from "./common.js";

const SCALES = [1.5, 1.3, 1.15, 1]; // of the stage's text size (1.55vw: 30 px at 1080p)

// The result view's cards, regrouped: highlighted on top, the rest flowing in columns.
export function stageWall(list) {
  const cards = [...list.querySelectorAll(":scope > .wall-card")];
  if (!cards.length) return list;
  const top = el("ul", { class: "wall-top" }, cards.filter((c) => c.classList.contains("wall-card-highlight")));
  const newest = (a, b) => Number(b.dataset.entry) - Number(a.dataset.entry);
  const flow = el("ul", { class: "wall-flow" }, cards.filter((c) => !c.classList.contains("wall-card-highlight")).sort(newest));
  return el("div", { class: "stage-wall" }, top.children.length ? top : null, flow);
}

// Fit the wall into its frame (it must be in the page: this measures). Returns how many cards show.
export function fitWall(wall) {
  if (!wall.classList.contains("stage-wall")) return 0;
  const cards = [...wall.querySelectorAll(".wall-card")];
  for (const scale of SCALES) {
    wall.style.setProperty("--wall-scale", String(scale));
    if (!overflowing(wall, cards).length) return cards.length;
  }
  // Even at the smallest size some do not fit: leave out the last ones (the oldest) and say so;
  // the line saying so takes room too, so measure again until nothing reaches out.
  let shown = cards.length;
  for (let round = 0; round < 5; round++) {
    const out = overflowing(wall, cards.slice(0, shown));
    if (!out.length) break;
    shown = Math.min(...out.map((card) => cards.indexOf(card)));
    for (const card of cards.slice(shown)) card.remove();
    more(wall, shown, cards.length - shown);
  }
  return shown;
}

function more(wall, shown, left) {
  let line = wall.querySelector(".wall-more");
  if (!line) {
    line = el("p", { class: "wall-more" });
    wall.append(line);
  }
  line.dataset.shown = String(shown);
  line.dataset.left = String(left);
  line.textContent = ngettext("and {n} more answer", "and {n} more answers", left);
}

// The cards that reach outside the wall's frame (columns that overflow go off to the side).
function overflowing(wall, cards) {
  const frame = wall.getBoundingClientRect();
  return cards.filter((card) => {
    const box = card.getBoundingClientRect();
    return box.right > frame.right + 0.5 || box.bottom > frame.bottom + 0.5 || box.left < frame.left - 0.5;
  });
}
