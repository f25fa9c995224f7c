// Where a word can go in the big screen's cloud, decided by wordcloud2.js (npm `wordcloud`, vendored
// under /static/vendor/wordcloud2/) on an offscreen canvas. wordcloud2 with clearCanvas: false takes
// every pixel already painted as occupied, so Kring paints the words that keep their place (their
// letters, with a halo as wide as the gap between words) and asks wordcloud2 to place one word at a
// time: a new word from the middle, a word that no longer fits from where it was. wordcloud2 packs
// by the letters' own pixels; the same test decides whether a word still fits where it is, so a
// word it placed stays put until something grows into it. Its placement comes back from the <span>
// it draws into a detached element next to the canvas (its DOM output: left/top/width/height).

const PLACE_PX = 1000; // the canvas is at most this wide: wordcloud2 reads all of it for every word
const GRID = 3; // wordcloud2's gridSize, in canvas pixels
const PAINT = "#000";
const CLEAR = "#fff";
const INK = 128; // alpha above this is a letter; a red channel below it is taken
const SPREAD = 0.6; // the spiral is flatter than the stage: a wide cloud, words side by side more often

export class Placer {
  constructor({ width, height, pad, font, weight }) {
    const WordCloud = window.WordCloud;
    if (typeof WordCloud !== "function" || !WordCloud.isSupported) {
      throw new Error("wordcloud2.js (/static/vendor/wordcloud2/wordcloud2.js) is not loaded or not supported");
    }
    this.WordCloud = WordCloud;
    this.scale = Math.min(1, PLACE_PX / width);
    this.width = width;
    this.height = height;
    this.pad = pad;
    this.font = font;
    this.weight = weight;
    this.canvas = document.createElement("canvas");
    this.canvas.width = Math.ceil(width * this.scale);
    this.canvas.height = Math.ceil(height * this.scale);
    this.ctx = this.canvas.getContext("2d", { willReadFrequently: true });
    this.scratch = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
    this.sink = document.createElement("div");
    // At 100 px: how far the alphabetic baseline lies below the middle of the em (where wordcloud2
    // aligns text) and below the middle of a line box (where the stage centres a word).
    this.ctx.font = this.fontAt(100);
    this.ctx.textBaseline = "middle";
    const middle = this.ctx.measureText("Hg").fontBoundingBoxAscent;
    this.ctx.textBaseline = "alphabetic";
    const metrics = this.ctx.measureText("Hg");
    this.belowMiddle = (metrics.fontBoundingBoxAscent - middle) / 100;
    this.belowCentre = (metrics.fontBoundingBoxAscent - metrics.fontBoundingBoxDescent) / 200;
  }

  fontAt(px) {
    return `${this.weight} ${px}px ${this.font}`;
  }

  // An empty frame: everything free but a band of `pad` along the edges.
  reset() {
    const { ctx, canvas } = this;
    const band = Math.max(1, Math.round(this.pad * this.scale));
    ctx.fillStyle = PAINT;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = CLEAR;
    ctx.fillRect(band, band, canvas.width - 2 * band, canvas.height - 2 * band);
  }

  // Draws a word (x, y: the centre of its line box in stage pixels) on a context in canvas pixels.
  letters(ctx, word, dx = 0, dy = 0) {
    ctx.font = this.fontAt(word.size * this.scale);
    ctx.textAlign = "center";
    ctx.textBaseline = "alphabetic";
    return [word.x * this.scale - dx, (word.y + this.belowCentre * word.size) * this.scale - dy];
  }

  // Where the word's letters reach, in stage pixels.
  inkBox(word) {
    const [x, y] = this.letters(this.scratch, word);
    const m = this.scratch.measureText(word.text);
    const s = this.scale;
    return {
      left: (x - m.actualBoundingBoxLeft) / s, right: (x + m.actualBoundingBoxRight) / s,
      top: (y - m.actualBoundingBoxAscent) / s, bottom: (y + m.actualBoundingBoxDescent) / s,
    };
  }

  // The word is taken from now on, with a halo of `gap` stage pixels around its letters.
  paint(word, gap) {
    const { ctx } = this;
    const [x, y] = this.letters(ctx, word);
    ctx.fillStyle = ctx.strokeStyle = PAINT;
    ctx.lineJoin = "round";
    ctx.lineWidth = 2 * gap * this.scale;
    ctx.strokeText(word.text, x, y);
    ctx.fillText(word.text, x, y);
  }

  // Whether the word's letters, where it stands, touch nothing taken and stay inside the canvas.
  fits(word) {
    const { scratch, canvas } = this;
    let [x, y] = this.letters(scratch, word);
    const m = scratch.measureText(word.text);
    const x0 = Math.floor(x - m.actualBoundingBoxLeft);
    const y0 = Math.floor(y - m.actualBoundingBoxAscent);
    const x1 = Math.ceil(x + m.actualBoundingBoxRight);
    const y1 = Math.ceil(y + m.actualBoundingBoxDescent);
    if (x0 < 0 || y0 < 0 || x1 > canvas.width || y1 > canvas.height) return false;
    if (x1 <= x0 || y1 <= y0) return true; // nothing visible
    scratch.canvas.width = x1 - x0; // this also clears it and resets its font
    scratch.canvas.height = y1 - y0;
    [x, y] = this.letters(scratch, word, x0, y0);
    scratch.fillStyle = PAINT;
    scratch.fillText(word.text, x, y);
    const ink = scratch.getImageData(0, 0, x1 - x0, y1 - y0).data;
    const taken = this.ctx.getImageData(x0, y0, x1 - x0, y1 - y0).data;
    for (let i = 0; i < ink.length; i += 4) {
      if (ink[i + 3] > INK && taken[i] < INK) return false;
    }
    return true;
  }

  // wordcloud2's spot for the word nearest `origin` (stage pixels), or null when there is none.
  place(word, origin) {
    const s = this.scale;
    return new Promise((resolve) => {
      let drawn = false;
      const onDrawn = (event) => { drawn = event.detail.drawn; };
      this.canvas.addEventListener("wordclouddrawn", onDrawn);
      this.canvas.addEventListener("wordcloudstop", () => {
        this.canvas.removeEventListener("wordclouddrawn", onDrawn);
        const span = this.sink.lastElementChild;
        this.sink.replaceChildren();
        if (!drawn || !span) { resolve(null); return; }
        const size = word.size * s;
        const left = parseFloat(span.style.left);
        const top = parseFloat(span.style.top);
        // wordcloud2 draws with textBaseline "middle" half a font size under the span's top.
        const baseline = top + size / 2 + this.belowMiddle * size;
        resolve({ x: (left + parseFloat(span.style.width) / 2) / s, y: baseline / s - this.belowCentre * word.size });
      }, { once: true });
      this.WordCloud([this.canvas, this.sink], {
        list: [[word.text, word.size * s]],
        clearCanvas: false,
        backgroundColor: CLEAR,
        color: PAINT,
        fontFamily: this.font,
        fontWeight: String(this.weight),
        gridSize: GRID,
        origin: [origin.x * s, origin.y * s],
        shape: "circle",
        ellipticity: SPREAD * this.height / this.width,
        rotateRatio: 0,
        shuffle: false,
        drawOutOfBound: false,
        shrinkToFit: false,
        wait: 0,
      });
    });
  }
}
