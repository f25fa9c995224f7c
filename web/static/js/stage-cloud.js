// The big screen's word cloud, laid out by wordcloud2.js (see cloud-placer.js) so that it stays calm
// while votes come in:
// - a word keeps its place; when it gets votes it grows where it stands (CSS eases the size);
// - a new word is placed by wordcloud2 in the free space nearest the middle, and they appear one by one;
// - only a word that no longer fits where it is moves: wordcloud2 finds it the free spot nearest its
//   old place (it fades on the way);
// - when the cloud outgrows the stage it zooms out as a whole, every word towards the centre; when it
//   has grown on one side it glides back to the middle as a whole;
// - letters never touch: wordcloud2 packs by the letters' pixels, with a gap that scales with the words.
// The look matches the report's cloud (server/services/wordcloud_svg.py): the colour from a hash of
// the text, the size unit × (1 + ln count), the same font stack and weight.
import { el, t } from "./common.js";
import { Placer } from "./cloud-placer.js";

export const PALETTE = ["#0a4f44", "#0f6e5f", "#8a4b00", "#234a6b", "#5a2e7a", "#7a2e3a", "#2f5d1e"];
export const FONT_STACK = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Noto Color Emoji", "Apple Color Emoji", "Segoe UI Emoji", sans-serif';
export const FONT_WEIGHT = 700;
export const LINE = 1.2; // a word's box is its advance × LINE × its font size

// A 32-bit string hash over code points (Java's), the same in Python: a word keeps its colour.
export function hash(text) {
  let h = 0;
  for (const ch of text) h = (Math.imul(h, 31) + ch.codePointAt(0)) | 0;
  return h;
}

export function colourFor(text) {
  return PALETTE[Math.abs(hash(text)) % PALETTE.length];
}

// How big a word is, in units: one vote is 1; every doubling adds about 0.7.
export function weight(count) {
  return 1 + Math.log(Math.max(1, count));
}

// The size rules, as fractions of the cloud's height: a young cloud's one-vote words and the
// biggest word at most; and the words' boxes together cover FILL of the frame when the cloud is laid
// out or steps back, which leaves room to grow in place: it steps back only past FILL_MAX. The
// smallest word stays readable from the back of the room.
export const UNIT_MAX = 1 / 13;
export const BIG_MAX = 1 / 4.2;
export const FILL = 0.3;
const FILL_MAX = 0.45;
const MIN_PX = 18;
const PAD = 8; // px from the edge
const GAP = 0.14; // between two words' letters, in units: it scales with the words, so stepping back keeps every gap
const ZOOM = 0.85; // a zoom-out step
const CENTRE_PX = 12; // a cloud this close to the middle stays where it is
const EASE_MS = 700; // kring.css .cloud-word transitions
const STAGGER_MS = 140; // new words appear one by one
const THROTTLE_MS = 250;

export class StageCloud {
  constructor() {
    this.layer = el("div", { class: "cloud-layer", "aria-hidden": "true" });
    this.list = el("ul", { class: "visually-hidden", "aria-label": t("Words") });
    this.node = el("div", { class: "cloud", dataset: { state: "settled" } }, this.layer, this.list);
    this.words = [];
    this.placed = new Map(); // key -> {node, text, count, size, x, y, w, h}
    this.unit = null;
    this.frame = { width: 0, height: 0 };
    this.placer = null;
    this.measurer = document.createElement("canvas").getContext("2d");
    this.timer = null;
    this.running = false;
    this.dirty = false;
    this.lastLayout = 0;
    window.addEventListener("resize", () => {
      this.unit = null; // a fresh layout for the new size
      this.schedule();
    });
  }

  update(words) {
    this.words = words;
    this.list.replaceChildren(...words.map((w) => el("li", { text: t("{word}: {n}", { word: w.text, n: w.count }) })));
    this.schedule();
  }

  // One layout at a time (wordcloud2 places words asynchronously), at most one per THROTTLE_MS;
  // whatever arrives meanwhile is laid out next.
  schedule() {
    this.dirty = true;
    this.node.dataset.state = "moving";
    if (this.timer || this.running) return;
    const wait = Math.max(0, this.lastLayout + THROTTLE_MS - Date.now());
    this.timer = setTimeout(async () => {
      this.timer = null;
      if (!this.node.isConnected) return;
      this.running = true;
      this.dirty = false;
      this.lastLayout = Date.now();
      try {
        await this.layout();
      } finally {
        this.running = false;
        if (this.dirty) this.schedule();
        else this.settle();
      }
    }, wait);
  }

  measure(text, size) {
    this.measurer.font = `${FONT_WEIGHT} ${size}px ${FONT_STACK}`;
    return { w: this.measurer.measureText(text).width, h: size * LINE };
  }

  async layout() {
    const box = this.node.getBoundingClientRect();
    const width = Math.max(200, Math.floor(box.width));
    const height = Math.max(150, Math.floor(box.height));
    if (width !== this.frame.width || height !== this.frame.height) {
      if (this.frame.width) this.unit = null;
      this.frame = { width, height };
      this.placer = new Placer({ width, height, pad: PAD, font: FONT_STACK, weight: FONT_WEIGHT });
    }
    const fresh = this.unit === null;
    if (fresh) for (const word of this.placed.values()) word.x = word.y = null;
    const words = this.words;
    const keys = new Set(words.map((w) => w.key));
    for (const [key, word] of this.placed) {
      if (!keys.has(key)) this.leave(key, word);
    }
    const shift = this.offCentre();
    for (const word of this.placed.values()) {
      if (word.x !== null) Object.assign(word, { x: word.x + shift.dx, y: word.y + shift.dy });
    }
    const most = Math.max(1, ...words.map((w) => w.count));
    const area = words.reduce((sum, w) => { // at a unit of 100 px
      const box = this.measure(w.text, 100 * weight(w.count));
      return sum + box.w * box.h;
    }, 0);
    const byHeight = height * Math.min(UNIT_MAX, BIG_MAX / weight(most));
    const byArea = (fill) => 100 * Math.sqrt((fill * width * height) / Math.max(area, 1));
    const wanted = Math.min(byHeight, byArea(FILL));
    let unit = this.unit;
    if (unit === null) unit = wanted;
    else if (Math.min(byHeight, byArea(FILL_MAX)) < unit) unit = Math.min(wanted, unit * ZOOM);
    const floor = Math.max(MIN_PX, height / 40);
    let plan = null;
    for (let attempt = 0; attempt < 12; attempt += 1) {
      plan = await this.plan(words, unit, floor);
      if (plan.unplaced.length === 0 || unit * weight(1) <= floor) break;
      unit *= ZOOM; // no room: the whole cloud steps back
    }
    this.unit = unit;
    this.apply(plan, fresh);
    // Words placed or grown on one side: the next layout moves the whole cloud back to the middle
    // (after this one, so a word first shows where wordcloud2 put it).
    const rest = this.offCentre();
    if (rest.dx || rest.dy) this.dirty = true;
  }

  // How far the shown cloud's letters are from the middle of the stage, as far as the edges allow;
  // in whole canvas pixels (the letters then fill the same pixels and still fit), and 0 for a few px.
  offCentre() {
    const boxes = [...this.placed.values()].filter((w) => w.x !== null).map((w) => this.placer.inkBox(w));
    if (!boxes.length) return { dx: 0, dy: 0 };
    const axis = (low, high, size) => {
      const wanted = size / 2 - (low + high) / 2;
      const shift = Math.min(Math.max(wanted, Math.min(0, PAD + 1 - low)), Math.max(0, size - PAD - 1 - high));
      const whole = Math.trunc(shift * this.placer.scale) / this.placer.scale;
      return Math.abs(whole) < CENTRE_PX ? 0 : whole;
    };
    return {
      dx: axis(Math.min(...boxes.map((b) => b.left)), Math.max(...boxes.map((b) => b.right)), this.frame.width),
      dy: axis(Math.min(...boxes.map((b) => b.top)), Math.max(...boxes.map((b) => b.bottom)), this.frame.height),
    };
  }

  // Where every word goes at this unit: first every shown word that still fits where it was (scaled
  // towards the centre when the unit shrank), biggest first; then wordcloud2 places the ones that no
  // longer fit, each from its old place (so a grown word never sets off a cascade), and the new ones,
  // biggest first, from the middle.
  async plan(words, unit, floor) {
    const { width, height } = this.frame;
    const centre = { x: width / 2, y: height / 2 };
    const scale = this.unit ? unit / this.unit : 1;
    const gap = unit * GAP;
    const items = words.map((w, order) => {
      const known = this.placed.get(w.key);
      let size = Math.max(floor, unit * weight(w.count));
      let { w: bw, h: bh } = this.measure(w.text, size);
      if (bw > width - 2 * PAD) { // a long phrase: as big as fits the width
        size *= (width - 2 * PAD) / bw;
        ({ w: bw, h: bh } = this.measure(w.text, size));
      }
      const at = known && known.x !== null
        ? { x: centre.x + (known.x - centre.x) * scale, y: centre.y + (known.y - centre.y) * scale }
        : null;
      return { key: w.key, text: w.text, count: w.count, size, w: bw, h: bh, at, order };
    });
    const bySize = (a, b) => b.size - a.size || a.order - b.order;
    const settled = [];
    const moved = new Set();
    const unplaced = [];
    const displaced = [];
    const placer = this.placer;
    placer.reset();
    for (const item of items.filter((i) => i.at).sort(bySize)) {
      Object.assign(item, item.at);
      if (placer.fits(item)) {
        placer.paint(item, gap);
        settled.push(item);
      } else {
        displaced.push(item);
      }
    }
    const newcomers = items.filter((i) => !i.at).sort(bySize);
    for (const item of [...displaced, ...newcomers]) {
      const spot = await placer.place(item, item.at || centre);
      if (!spot) { unplaced.push(item); continue; }
      Object.assign(item, spot);
      if (item.at) moved.add(item.key);
      placer.paint(item, gap);
      settled.push(item);
    }
    return { settled, moved, unplaced };
  }

  apply(plan, fresh) {
    let entering = 0;
    const arriving = plan.settled.filter((item) => !this.placed.has(item.key)).length;
    const stagger = Math.min(STAGGER_MS, 2400 / Math.max(1, arriving)); // a full cloud still arrives in seconds
    for (const item of plan.settled) {
      let word = this.placed.get(item.key);
      if (!word) {
        const node = el("span", { class: "cloud-word cloud-word-enter", dataset: { key: item.key } });
        node.style.animationDelay = `${Math.round(entering * stagger)}ms`;
        entering += 1;
        node.addEventListener("animationend", () => node.classList.remove("cloud-word-enter"), { once: true });
        this.layer.append(node);
        word = { node };
        this.placed.set(item.key, word);
      } else if (plan.moved.has(item.key) && !fresh) {
        // Out of sight while it slides, so it never seems to pass through other words.
        word.node.animate([{ opacity: 1 }, { opacity: 0, offset: 0.25 }, { opacity: 0, offset: 0.75 }, { opacity: 1 }],
          { duration: EASE_MS });
      }
      Object.assign(word, { text: item.text, count: item.count, size: item.size, x: item.x, y: item.y, w: item.w, h: item.h });
      const node = word.node;
      node.textContent = item.text;
      node.dataset.count = String(item.count);
      node.style.left = `${item.x.toFixed(1)}px`;
      node.style.top = `${item.y.toFixed(1)}px`;
      node.style.fontSize = `${item.size.toFixed(1)}px`;
      node.style.color = colourFor(item.text);
    }
    for (const item of plan.unplaced) { // nowhere to go even at the smallest size: not drawn
      const word = this.placed.get(item.key);
      if (word) this.leave(item.key, word);
    }
  }

  // "settled" once every transition and animation this layout started has run (tests wait for it).
  async settle() {
    const generation = (this.generation = (this.generation || 0) + 1);
    this.node.dataset.state = "moving";
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    await frame();
    for (;;) {
      // Finished animations that fill forwards stay listed: only the ones still to run count.
      const running = this.layer.getAnimations({ subtree: true }).filter((a) => a.playState !== "finished");
      if (!running.length) break;
      await Promise.allSettled(running.map((animation) => animation.finished));
      await frame();
    }
    if (generation === this.generation && !this.dirty && !this.running && !this.timer) {
      this.node.dataset.state = "settled";
    }
  }

  leave(key, word) {
    this.placed.delete(key);
    word.node.classList.add("cloud-word-leave");
    setTimeout(() => word.node.remove(), 450);
  }
}
