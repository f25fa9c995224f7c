// The big screen's check-out circle, kept between updates: each new word arrives on its own (at
// least STAGGER_MS after the one before, however the words were batched), and when people step in
// on a word its counter pops up and the word grows with it. A word nobody stepped in on yet has no
// counter at all: a "+0" on every word is noise the room has to read past.
import { el, ngettext, t } from "./common.js";

const STAGGER_MS = 220;

export class StageCheckout {
  constructor() {
    this.node = el("ul", { class: "checkout-circle" });
    this.items = new Map(); // entry id -> {node, text, count, stepins}
    this.empty = el("li", { class: "empty", text: t("No words yet") });
    this.nextAt = 0; // when the next new word may appear
  }

  update(words) {
    const most = Math.max(1, ...words.map((w) => w.stepins));
    const present = new Set(words.map((w) => w.id));
    for (const [id, item] of this.items) {
      if (!present.has(id)) {
        item.node.remove();
        this.items.delete(id);
      }
    }
    for (const word of words) {
      let item = this.items.get(word.id);
      if (!item) {
        const text = el("span", { class: "checkout-text" });
        const count = el("span", { class: "stepins", "aria-hidden": "true" });
        const said = el("span", { class: "visually-hidden" });
        const node = el("li", { class: "checkout-result checkout-enter", dataset: { entry: word.id } }, text);
        const now = performance.now();
        const delay = Math.max(0, this.nextAt - now);
        this.nextAt = now + delay + STAGGER_MS;
        node.style.animationDelay = `${Math.round(delay)}ms`;
        node.addEventListener("animationend", () => node.classList.remove("checkout-enter"), { once: true });
        item = { node, text, count, said, stepins: null };
        this.items.set(word.id, item);
        this.node.append(node);
      }
      item.text.textContent = word.text;
      if (item.stepins !== word.stepins) {
        item.count.textContent = `+${word.stepins}`;
        item.said.textContent = ngettext("{n} stepped in", "{n} stepped in", word.stepins);
        if (word.stepins > 0) item.node.append(item.count, item.said);
        else {
          item.count.remove();
          item.said.remove();
        }
        if (item.stepins !== null && word.stepins > item.stepins) {
          item.count.animate([{ transform: "scale(1.9)", color: "#a85d00" }, { transform: "scale(1)" }],
            { duration: 700, easing: "cubic-bezier(.2, .9, .3, 1.2)" });
        }
        item.stepins = word.stepins;
      }
      item.node.style.fontSize = `${(1 + (word.stepins / most) * 1.3).toFixed(2)}em`;
      item.node.classList.toggle("checkout-joined", word.stepins > 0);
    }
    if (!words.length) this.node.replaceChildren(this.empty);
    else this.empty.remove();
  }
}
