// Pieces the kinds' views share: the phone's sent mark, text fields with a counter, the remote's
// moderation buttons.
import { el, loadStyle, ngettext, t } from "../common.js";

export const range = (n) => [...Array(n).keys()].map(String);

export function sentMark(entry) {
  if (!entry) return null;
  return el("span", { class: entry.pending ? "sent sent-pending" : "sent sent-ok", role: "status",
    text: entry.pending ? t("Sending…") : t("Sent") });
}

// A text field that keeps what is typed in the draft, so that a re-render never loses it. Its
// maxlength is the server's limit from the payload (activity.limits), never a number of our own.
export function field(ctx, id, tag, attrs) {
  const node = el(tag, { id, ...attrs });
  node.value = ctx.draft[id] ?? attrs.value ?? "";
  node.addEventListener("input", () => { ctx.draft[id] = node.value; });
  return node;
}

const LOW = 20; // characters left when the counter turns to a warning (a look, not a limit)

export function counter(node, max) {
  const out = el("span", { class: "counter", "aria-live": "polite" });
  const update = () => {
    const left = max - node.value.length;
    out.textContent = ngettext("{n} character left", "{n} characters left", left);
    out.classList.toggle("counter-low", left < LOW);
  };
  node.addEventListener("input", update);
  update();
  return out;
}

export function moderationButtons(item, onModerate) {
  return el("div", { class: "button-row" },
    el("button", { class: "button button-small", type: "button", "aria-pressed": item.highlighted ? "true" : "false",
      onclick: () => onModerate(item.highlighted ? "unhighlight" : "highlight", { entry_id: item.id }) }, t("Highlight")),
    el("button", { class: "button button-small", type: "button", "aria-pressed": item.hidden ? "true" : "false",
      onclick: () => onModerate(item.hidden ? "unhide" : "hide", { entry_id: item.id }) }, item.hidden ? t("Hidden") : t("Hide")));
}

// The results as the big screen shows them, when a kind has nothing of its own for it.
export function plainStage(results) {
  return (node, data, activity) => { node.replaceChildren(results(data, activity, { stage: true })); };
}

// A big-screen view that lives on between snapshots (words keep their place and animate): made
// once per activity in `kept`, fed the new data each time. `load` imports the view's module, so a
// phone never loads what only the big screen draws; once it has, kept.redraw() draws again.
export function keptStage(node, kept, load, data, empty) {
  if (empty) {
    node.replaceChildren(el("p", { class: "stage-empty", text: t("No words yet") }));
    return;
  }
  if (!kept.view) {
    kept.loading = kept.loading || load().then((view) => {
      kept.view = view;
      kept.redraw();
    });
    node.replaceChildren(); // not the activity before's results meanwhile
    return;
  }
  if (!kept.view.node.isConnected) node.replaceChildren(kept.view.node);
  else for (const child of [...node.children]) if (child !== kept.view.node) child.remove();
  kept.view.update(data);
}

// A kind's own stylesheet (web/static/css/kinds/<name>.css), loaded with its module: a phone carries
// no rules for kinds it never meets. The module waits for it (top-level await), so its first view is
// drawn styled.
export function kindStyle(name) {
  return loadStyle(`/static/css/kinds/${name}.css`);
}
