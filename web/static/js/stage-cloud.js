// The big screen's word cloud: wordcloud2 (vendored, window.WordCloud) on a canvas sized to the stage.
// Snapshots arrive up to ten times a second; the cloud is laid out again only when the words change,
// at most once every LAYOUT_MS, so it stays calm. The words drawn are kept on the canvas (data-drawn)
// and, for screen readers, in a list beside it.
import { el, t } from "./common.js";

const LAYOUT_MS = 1200;
const COLOURS = ["#0a4f44", "#0f6e5f", "#8a4b00", "#234a6b", "#5a2e7a", "#7a2e3a", "#2f5d1e"];

export class StageCloud {
  constructor() {
    this.canvas = el("canvas", { class: "cloud-canvas", "aria-hidden": "true" });
    this.list = el("ul", { class: "visually-hidden", "aria-label": t("Words") });
    this.node = el("div", { class: "cloud" }, this.canvas, this.list);
    this.signature = "";
    this.words = [];
    this.timer = null;
    this.lastLayout = 0;
    this.drawn = [];
    this.canvas.addEventListener("wordclouddrawn", (event) => {
      if (event.detail.drawn) this.drawn.push(event.detail.item[0]);
    });
    this.canvas.addEventListener("wordcloudstop", () => {
      this.canvas.dataset.drawn = this.drawn.join("\n");
      this.canvas.dataset.state = "done";
    });
    window.addEventListener("resize", () => this.schedule(true));
  }

  update(words) {
    const signature = words.map((w) => `${w.text}\u0000${w.count}`).join("\u0001");
    if (signature === this.signature) return;
    this.signature = signature;
    this.words = words;
    this.list.replaceChildren(...words.map((w) => el("li", { text: t("{word}: {n}", { word: w.text, n: w.count }) })));
    this.schedule(false);
  }

  schedule(force) {
    if (this.timer) return;
    const wait = force ? 150 : Math.max(0, this.lastLayout + LAYOUT_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.layout();
    }, wait);
  }

  layout() {
    if (!this.node.isConnected || typeof window.WordCloud !== "function") {
      this.timer = setTimeout(() => { this.timer = null; this.layout(); }, 200);
      return;
    }
    this.lastLayout = Date.now();
    const box = this.node.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(200, Math.floor(box.width));
    const height = Math.max(150, Math.floor(box.height));
    this.canvas.width = Math.floor(width * ratio);
    this.canvas.height = Math.floor(height * ratio);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    const most = Math.max(1, ...this.words.map((w) => w.count));
    const least = Math.min(most, ...this.words.map((w) => w.count));
    // The biggest word about a sixth of the stage's height; the smallest still readable from the back.
    const big = Math.min(height / 5.5, width / 9) * ratio;
    const small = Math.max(22 * ratio, big / 4.5);
    const size = (count) => (most === least ? big * 0.8 : small + ((count - least) / (most - least)) * (big - small));
    this.drawn = [];
    this.canvas.dataset.state = "drawing";
    const list = this.words.slice(0, 80).map((w) => [w.text, w.count]);
    if (!list.length) {
      const context = this.canvas.getContext("2d");
      context.clearRect(0, 0, this.canvas.width, this.canvas.height);
      this.canvas.dataset.drawn = "";
      this.canvas.dataset.state = "done";
      return;
    }
    window.WordCloud(this.canvas, {
      list,
      weightFactor: size,
      fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif',
      fontWeight: "700",
      color: (word, weight, fontSize, distance, theta) => COLOURS[Math.abs(hash(word)) % COLOURS.length],
      backgroundColor: "rgba(0,0,0,0)",
      gridSize: Math.round(10 * ratio),
      rotateRatio: 0,
      shuffle: false,
      shrinkToFit: true,
      drawOutOfBound: false,
      ellipticity: Math.min(1, height / width + 0.15),
    });
  }
}

function hash(text) {
  let h = 0;
  for (const ch of text) h = (h * 31 + ch.codePointAt(0)) | 0;
  return h;
}
