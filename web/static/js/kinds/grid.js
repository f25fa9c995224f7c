// The 2×2 grid: each item placed on two axes (impact against effort). A phone places an item with
// two sliders (the keyboard's way) or a tap on a small plane; the big screen draws each item's
// mean as a numbered dot on the plane, with the quadrants' labels and, when asked, the spread.
import { N_, el, lang, ngettext, t } from "../common.js";
import { kindStyle, plainStage, sentMark } from "./parts.js";

await kindStyle("grid");

export const title = N_("2×2 grid");

const SVG = "http://www.w3.org/2000/svg";
const AXES = ["x", "y"];

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) if (child) node.append(child);
  return node;
}

const middle = (s, axis) => Math.round((s[`${axis}_min`] + s[`${axis}_max`]) / 2);
const clamp = (s, axis, value) => Math.max(s[`${axis}_min`], Math.min(s[`${axis}_max`], value));
const decimal = (value) => value.toFixed(1).replace(".", lang === "nl" ? "," : ".");

// -- the phone ---------------------------------------------------------------------------------

export function phone(card, ctx) {
  const { activity, closed, current } = ctx;
  const s = activity.settings;
  card.append(el("p", { class: "hint", text: t("Slide both values or tap the small plane to place each one, then send.") }));
  const list = el("ol", { class: "grid-items" });
  const send = closed ? null : el("button", { class: "button button-primary button-wide", type: "button", onclick: () => {
    for (const { slot, index, value } of changes(ctx)) {
      ctx.answer(slot, value);
      delete ctx.draft[`grid-${index}`];
    }
  } }, t("Send"));
  const changed = () => {
    if (!send) return;
    const waiting = changes(ctx).length;
    send.disabled = !waiting;
    send.textContent = waiting ? ngettext("Send {n} placement", "Send {n} placements", waiting) : t("Send");
  };
  s.items.forEach((text, index) => list.append(item(ctx, text, index, closed, changed)));
  card.append(list);
  if (send) {
    card.append(send);
    changed();
  }
  if (!closed && s.items.some((_, i) => current(String(i)))) {
    card.append(el("p", { class: "hint", text: t("You can move one again and send it again.") }));
  }
}

// Every item whose place on this phone differs from what the server holds; an item never touched
// is not sent (the middle of the plane is not an opinion).
function changes(ctx) {
  const found = [];
  ctx.activity.settings.items.forEach((_, index) => {
    const slot = String(index);
    const draft = ctx.draft[`grid-${index}`];
    const entry = ctx.current(slot);
    if (!draft) return;
    if (entry && entry.value.x === draft.x && entry.value.y === draft.y) return;
    found.push({ slot, index, value: { x: draft.x, y: draft.y } });
  });
  return found;
}

function item(ctx, text, index, closed, changed) {
  const s = ctx.activity.settings;
  const slot = String(index);
  const entry = ctx.current(slot);
  const id = `grid-${index}`;
  const place = () => ctx.draft[id] || (entry ? { x: entry.value.x, y: entry.value.y } : null);
  const pad = svg("svg", { class: "grid-pad", viewBox: "0 0 100 100" },
    svg("rect", { class: "grid-area", x: 0, y: 0, width: 100, height: 100 }),
    svg("line", { class: "grid-mid", x1: 50, y1: 0, x2: 50, y2: 100 }),
    svg("line", { class: "grid-mid", x1: 0, y1: 50, x2: 100, y2: 50 }));
  const mark = svg("circle", { class: "grid-pad-dot", r: 7 });
  pad.append(mark);
  const sliders = {};
  const shown = {};
  const controls = el("div", { class: "grid-sliders" });
  const draw = () => {
    const at = place();
    mark.setAttribute("visibility", at ? "visible" : "hidden");
    if (at) {
      mark.setAttribute("cx", String(share(s, "x", at.x) * 100));
      mark.setAttribute("cy", String((1 - share(s, "y", at.y)) * 100));
    }
    for (const axis of AXES) {
      const value = at ? at[axis] : middle(s, axis);
      sliders[axis].value = String(value);
      shown[axis].textContent = at ? String(value) : "–";
      sliders[axis].setAttribute("aria-valuetext", at ? String(value) : t("not placed yet"));
    }
    const draft = ctx.draft[id];
    mark.classList.toggle("grid-pad-dot-draft", Boolean(draft) && !(entry && entry.value.x === draft.x && entry.value.y === draft.y));
    controls.classList.toggle("grid-unplaced", !at);
  };
  const set = (values) => {
    const at = place() || { x: middle(s, "x"), y: middle(s, "y") };
    ctx.draft[id] = { ...at, ...values };
    draw();
    changed();
  };
  if (!closed) {
    pad.addEventListener("click", (event) => {
      const box = pad.getBoundingClientRect();
      const across = (event.clientX - box.left) / box.width;
      const up = 1 - (event.clientY - box.top) / box.height;
      set({ x: valueAt(s, "x", across), y: valueAt(s, "y", up) });
    });
  }
  for (const axis of AXES) {
    const input = `${id}-${axis}`;
    sliders[axis] = el("input", {
      id: input, type: "range", min: s[`${axis}_min`], max: s[`${axis}_max`], step: 1, disabled: closed,
      "aria-labelledby": `${id}-text ${input}-label`,
    });
    sliders[axis].addEventListener("input", () => set({ [axis]: Number(sliders[axis].value) }));
    shown[axis] = el("output", { class: "grid-value", for: input });
    controls.append(el("div", { class: "grid-axis" },
      el("div", { class: "grid-axis-head" }, el("label", { id: `${input}-label`, for: input, text: s[`${axis}_label`] }), shown[axis]),
      sliders[axis],
      el("div", { class: "scale-labels", "aria-hidden": "true" },
        el("span", { text: String(s[`${axis}_min`]) }), el("span", { text: String(s[`${axis}_max`]) }))));
  }
  draw();
  return el("li", { class: closed ? "grid-item grid-item-closed" : "grid-item" },
    el("p", { class: "statement-text", id: `${id}-text` }, el("span", { class: "grid-number", "aria-hidden": "true", text: String(index + 1) }), " ", text),
    el("div", { class: "grid-place" },
      el("div", { class: "grid-pad-wrap", "aria-hidden": "true" },
        el("span", { class: "grid-pad-y", text: `${s.y_label} →` }), pad, el("span", { class: "grid-pad-x", text: `${s.x_label} →` })),
      controls),
    entry ? el("div", { class: "statement-footer" }, sentMark(entry),
      closed ? null : el("button", { class: "button button-small button-quiet", type: "button", onclick: () => {
        delete ctx.draft[id];
        ctx.withdraw(slot);
      } }, t("Take off the grid"))) : null);
}

// Where value lies between the axis' ends, 0 to 1; and back, rounded to the axis' whole numbers.
function share(s, axis, value) {
  return (value - s[`${axis}_min`]) / (s[`${axis}_max`] - s[`${axis}_min`]);
}

function valueAt(s, axis, part) {
  return clamp(s, axis, Math.round(s[`${axis}_min`] + part * (s[`${axis}_max`] - s[`${axis}_min`])));
}

// -- the plane: the big screen, the remote and the phones' results ------------------------------

// The plot area inside the plane's viewBox (0 0 1000 1000): room on the left and below for the
// axes' labels. Tests read the area's rect to turn a dot's place back into values.
const AREA = { left: 110, top: 20, width: 870, height: 850 };
let clips = 0;

function plane(results) {
  const { left, top, width, height } = AREA;
  const right = left + width;
  const bottom = top + height;
  const px = (value) => left + share(results, "x", value) * width;
  const py = (value) => top + (1 - share(results, "y", value)) * height;
  const placed = results.items.filter((i) => i.count > 0 && i.x !== null && i.y !== null);
  const node = svg("svg", { class: "grid-plane", viewBox: "0 0 1000 1000", role: "img",
    "aria-label": t("{x} against {y}: {n} of {m} placed", { x: results.x_label, y: results.y_label, n: placed.length, m: results.items.length }) },
  svg("rect", { class: "grid-area", x: left, y: top, width, height }),
  svg("line", { class: "grid-mid", x1: left + width / 2, y1: top, x2: left + width / 2, y2: bottom }),
  svg("line", { class: "grid-mid", x1: left, y1: top + height / 2, x2: right, y2: top + height / 2 }));
  const [topLeft, topRight, bottomLeft, bottomRight] = results.quadrants;
  const corner = (text, x, y, anchor, base) => text ? svg("text", { class: "grid-quadrant", x, y, "text-anchor": anchor, "dominant-baseline": base, text }) : null;
  node.append(
    corner(topLeft, left + 18, top + 18, "start", "hanging"), corner(topRight, right - 18, top + 18, "end", "hanging"),
    corner(bottomLeft, left + 18, bottom - 18, "start", "auto"), corner(bottomRight, right - 18, bottom - 18, "end", "auto"),
    svg("text", { class: "grid-axis-label", x: left + width / 2, y: 975, "text-anchor": "middle", text: results.x_label }),
    svg("text", { class: "grid-axis-label", x: 0, y: 0, "text-anchor": "middle", transform: `translate(40 ${top + height / 2}) rotate(-90)`, text: results.y_label }),
    svg("text", { class: "grid-end", x: left, y: bottom + 48, "text-anchor": "start", text: String(results.x_min) }),
    svg("text", { class: "grid-end", x: right, y: bottom + 48, "text-anchor": "end", text: String(results.x_max) }),
    svg("text", { class: "grid-end", x: left - 14, y: bottom, "text-anchor": "end", text: String(results.y_min) }),
    svg("text", { class: "grid-end", x: left - 14, y: top, "text-anchor": "end", "dominant-baseline": "hanging", text: String(results.y_max) }));
  // Every spread first, then every dot: no item's cross or ellipse covers another's number.
  clips += 1; // each plane on the page its own clip (the remote may show two at once)
  const clip = `grid-clip-${clips}`;
  node.append(svg("clipPath", { id: clip }, svg("rect", { x: left, y: top, width, height })));
  const spreads = svg("g", { class: "grid-spreads", "clip-path": `url(#${clip})` });
  const dots = svg("g", { class: "grid-dots" });
  for (const i of placed) {
    const cx = px(i.x);
    const cy = py(i.y);
    if (results.spread !== "none" && i.sd_x !== null && i.sd_y !== null) {
      const rx = (i.sd_x / (results.x_max - results.x_min)) * width;
      const ry = (i.sd_y / (results.y_max - results.y_min)) * height;
      const spread = svg("g", { class: "grid-spread-of", dataset: { index: i.index } });
      if (results.spread === "ellipse") spread.append(svg("ellipse", { class: "grid-spread grid-ellipse", cx, cy, rx, ry }));
      else {
        spread.append(svg("line", { class: "grid-spread", x1: cx - rx, y1: cy, x2: cx + rx, y2: cy }),
          svg("line", { class: "grid-spread", x1: cx, y1: cy - ry, x2: cx, y2: cy + ry }));
      }
      spreads.append(spread);
    }
    dots.append(svg("g", { class: "grid-dot", dataset: { index: i.index, x: i.x, y: i.y } },
      svg("circle", { class: "grid-mean", cx, cy, r: 30 }),
      svg("text", { class: "grid-mean-number", x: cx, y: cy, "text-anchor": "middle", "dominant-baseline": "central", text: String(i.index + 1) })));
  }
  node.append(spreads, dots);
  return node;
}

function figures(results, i) {
  if (!i.count) return t("not placed yet");
  const axis = (label, mean, sd) => `${label} ${decimal(mean)}${sd !== null && sd !== undefined ? ` ± ${decimal(sd)}` : ""}`;
  return `${axis(results.x_label, i.x, i.sd_x)} · ${axis(results.y_label, i.y, i.sd_y)} · ${ngettext("{n} answer", "{n} answers", i.count)}`;
}

export function results(results, _activity, options = {}) {
  const legend = el("ol", { class: "grid-legend" }, results.items.map((i) => el("li", { class: i.count ? "grid-legend-item" : "grid-legend-item grid-legend-empty" },
    el("span", { class: "grid-number", "aria-hidden": "true", text: String(i.index + 1) }),
    el("span", { class: "grid-legend-text" }, el("span", { class: "visually-hidden", text: `${i.index + 1}. ` }), i.text),
    el("span", { class: "grid-figures", text: figures(results, i) }))));
  // On the big screen a long list gets smaller, then two columns, so that every item still fits.
  if (options.stage && results.items.length > 6) legend.classList.add(results.items.length > 8 ? "grid-legend-columns" : "grid-legend-compact");
  return el("div", { class: options.stage ? "grid-results grid-results-stage" : "grid-results" }, plane(results), legend);
}

export const stage = plainStage(results);
