// Ranking: put the items in order by dragging them, or with ▲/▼ (keyboard and screen readers); the
// big screen shows bars by Borda score, each with how often the item got each place.
import { N_, el, ngettext, t } from "../common.js";
import { kindStyle, plainStage, sentMark } from "./parts.js";

await kindStyle("ranking");

export const title = N_("Ranking");

const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

export function phone(card, ctx) {
  const { activity, closed, current, draft } = ctx;
  const s = activity.settings;
  const entry = current("0");
  const stored = entry ? entry.value.order : null;
  const order = draft.order ?? stored ?? (s.partial ? [] : s.items.map((_, i) => i));
  const place = (next, focusId, said) => {
    draft.order = next;
    draft.said = said;
    ctx.render();
    if (focusId) document.getElementById(focusId)?.focus({ preventScroll: false });
  };
  card.append(el("p", { class: "hint", id: "ranking-hint",
    text: s.partial ? t("Put the items that matter to you in order: most important first.") : t("Put the items in order: most important first. Drag them, or use the arrows.") }));
  const list = el("ol", { class: "rank-list", "aria-labelledby": "ranking-hint" });
  order.forEach((item, position) => {
    const text = s.items[item];
    const up = el("button", { type: "button", class: "button button-small rank-move", id: `rank-up-${item}`,
      "aria-label": t("Move up: {item}", { item: text }), disabled: closed || position === 0,
      onclick: () => place(moved(order, position, -1), position - 1 === 0 ? `rank-down-${item}` : `rank-up-${item}`,
        t("{item}: place {n} of {m}", { item: text, n: position, m: order.length })) }, "▲");
    const down = el("button", { type: "button", class: "button button-small rank-move", id: `rank-down-${item}`,
      "aria-label": t("Move down: {item}", { item: text }), disabled: closed || position === order.length - 1,
      onclick: () => place(moved(order, position, 1), position + 2 === order.length ? `rank-up-${item}` : `rank-down-${item}`,
        t("{item}: place {n} of {m}", { item: text, n: position + 2, m: order.length })) }, "▼");
    const row = el("li", { class: "rank-item", dataset: { item } },
      el("span", { class: "rank-handle", "aria-hidden": "true" },
        el("span", { class: "rank-grip", text: "⠿" }), el("span", { class: "rank-place", text: String(position + 1) })),
      el("span", { class: "rank-text", text }),
      el("span", { class: "rank-buttons" }, up, down,
        s.partial ? el("button", { type: "button", class: "button button-small button-quiet rank-move", id: `rank-out-${item}`,
          "aria-label": t("Leave out: {item}", { item: text }), disabled: closed,
          onclick: () => place(order.filter((i) => i !== item), null, t("{item} left out", { item: text })) }, "✕") : null));
    if (!closed) draggable(row, list, (next) => place(next.map(Number), null, t("{item}: place {n} of {m}", { item: text, n: next.indexOf(String(item)) + 1, m: next.length })));
    list.append(row);
  });
  card.append(list);
  if (s.partial) {
    const rest = s.items.map((_, i) => i).filter((i) => !order.includes(i));
    if (rest.length) {
      card.append(el("h2", { class: "subhead", text: t("Not ranked") }),
        el("ul", { class: "rank-rest" }, rest.map((item) => el("li", {},
          el("button", { type: "button", class: "option rank-add", id: `rank-add-${item}`, disabled: closed,
            onclick: () => place([...order, item], null, t("{item}: place {n} of {m}", { item: s.items[item], n: order.length + 1, m: order.length + 1 })) },
          el("span", { "aria-hidden": "true", text: "+ " }), s.items[item])))));
    }
  }
  card.append(el("p", { class: "visually-hidden", role: "status", "aria-live": "polite", text: draft.said || "" }));
  const changed = !stored || !same(order, stored);
  if (!closed && changed) {
    card.append(el("button", { class: "button button-primary button-wide rank-send", type: "button", disabled: order.length === 0,
      onclick: () => {
        ctx.answer("0", { order: [...order] });
        delete draft.order;
        delete draft.said;
      } }, stored ? t("Change") : t("Send")));
  }
  if (entry && !changed) card.append(sentMark(entry));
}

function moved(order, from, by) {
  const next = [...order];
  const [item] = next.splice(from, 1);
  next.splice(from + by, 0, item);
  return next;
}

// Drag by pointer (a finger or a mouse): the row follows the pointer and swaps with a neighbour it
// passes halfway; near the top or bottom of the screen the page scrolls along (a long list is taller
// than a phone). On release the new order goes into the draft. The ▲/▼ buttons do the same.
const EDGE = 72; // px from the top or bottom of the screen where the page scrolls while dragging

function draggable(row, list, done) {
  let startY = 0; // where the pointer went down, in page coordinates
  let lastY = 0; // the pointer now, on the screen
  let dragging = false;
  let frame = 0;
  const follow = () => {
    let dy = lastY + window.scrollY - startY;
    const before = row.previousElementSibling;
    const after = row.nextElementSibling;
    if (after && dy > after.offsetHeight / 2) {
      after.after(row);
      startY += after.offsetHeight;
      dy -= after.offsetHeight;
    } else if (before && dy < -before.offsetHeight / 2) {
      before.before(row);
      startY -= before.offsetHeight;
      dy += before.offsetHeight;
    }
    row.style.transform = `translateY(${dy}px)`;
  };
  const scroll = () => {
    frame = 0;
    if (!dragging) return;
    const by = lastY < EDGE ? -12 : lastY > window.innerHeight - EDGE ? 12 : 0;
    if (!by) return;
    window.scrollBy(0, by);
    follow();
    frame = requestAnimationFrame(scroll);
  };
  row.addEventListener("pointerdown", (event) => {
    if (event.target.closest("button")) return;
    dragging = true;
    lastY = event.clientY;
    startY = event.clientY + window.scrollY;
    row.setPointerCapture(event.pointerId);
    row.classList.add("rank-dragging");
  });
  row.addEventListener("pointermove", (event) => {
    if (!dragging) return;
    lastY = event.clientY;
    follow();
    if (!frame) frame = requestAnimationFrame(scroll);
  });
  const end = () => {
    if (!dragging) return;
    dragging = false;
    if (frame) cancelAnimationFrame(frame);
    frame = 0;
    row.style.transform = "";
    row.classList.remove("rank-dragging");
    done([...list.children].map((child) => child.dataset.item));
  };
  row.addEventListener("pointerup", end);
  row.addEventListener("pointercancel", end);
}

function decimal(value) {
  return value.toFixed(1).replace(".", document.body.dataset.lang === "nl" ? "," : ".");
}

// Bars by Borda score, best first (the server's order); under each, how often it got each place.
export function results(results, _activity, { stage } = {}) {
  const most = Math.max(1, results.max_score);
  const list = el("ol", { class: stage ? "rank-bars rank-bars-stage" : "rank-bars" });
  list.style.setProperty("--rows", String(results.items.length)); // the big screen fits them all
  results.items.forEach((item, place) => {
    const fill = el("div", { class: place === 0 && item.score > 0 ? "bar-fill bar-top" : "bar-fill" });
    fill.style.width = `${(item.score / most) * 100}%`;
    const top = Math.max(1, ...item.distribution);
    const ranks = el("div", { class: "rank-distribution", role: "img",
      "aria-label": item.distribution.map((n, i) => t("place {p}: {n}", { p: i + 1, n })).join(", ") },
    item.distribution.map((n, i) => {
      const cell = el("span", { class: n ? "rank-cell rank-cell-some" : "rank-cell", dataset: { rank: i + 1 } },
        el("span", { class: "rank-cell-place", text: `${i + 1}.` }), el("span", { class: "rank-cell-count", text: String(n) }));
      cell.style.setProperty("--share", String(n / top));
      return cell;
    }));
    list.append(el("li", { class: "rank-result", dataset: { index: item.index, score: item.score } },
      el("div", { class: "bar-label" },
        el("span", { class: "rank-result-text" }, el("b", { text: `${place + 1}. ` }), item.text),
        el("span", { class: "bar-figure" },
          ngettext("{n} point", "{n} points", item.score),
          item.mean_rank === null ? "" : ` · ${t("mean place {p}", { p: decimal(item.mean_rank) })}`)),
      el("div", { class: "bar-track" }, fill),
      ranks));
  });
  return el("div", { class: "rank-results" },
    el("p", { class: "rank-legend", text: t("Under each item: how many people put it in each place (1. = first).") }), list);
}

export const stage = plainStage(results);
