// Actions carried forward, on the phone: the action cards this participant (with a network pass)
// wrote in the series' previous meeting, each with "gedaan / deels / nog niet" and a short
// follow-up (GET and PUT /api/join/{code}/actions). Only the owner sees them; the report shows
// the group's totals, and only from three people on.
import { N_, apiHeaders, clear, el, t } from "./common.js";
import { responseError } from "./errors.js";

const STATUSES = [["done", N_("Done")], ["partly", N_("Partly")], ["not_yet", N_("Not yet")]];

function actionItem(code, card, noteMax) {
  let chosen = card.status;
  const said = el("p", { class: "hint", role: "status" });
  const note = el("textarea", { class: "carried-note", rows: "2", maxlength: String(noteMax), "aria-label": t("A short follow-up (optional)"), placeholder: t("A short follow-up (optional)") });
  note.value = card.note || "";
  const buttons = STATUSES.map(([value, label]) => {
    const button = el("button", { class: "button button-small carried-status", type: "button", "data-status": value, "aria-pressed": String(chosen === value) }, t(label));
    button.addEventListener("click", () => {
      chosen = value;
      for (const other of buttons) other.setAttribute("aria-pressed", String(other === button));
      save.disabled = false;
    });
    return button;
  });
  const save = el("button", { class: "button button-primary", type: "button", disabled: chosen === null }, t("Save"));
  save.addEventListener("click", async () => {
    save.disabled = true;
    try {
      const response = await fetch(`/api/join/${code}/actions/${card.id}`, {
        method: "PUT", headers: apiHeaders(), body: JSON.stringify({ status: chosen, note: note.value }),
      });
      said.textContent = response.ok ? t("Saved. Only you see this.") : await responseError(response);
      if (response.ok) note.value = (await response.json()).note;
    } catch {
      said.textContent = t("No connection to the Kring server.");
    }
    save.disabled = false;
  });
  return el("li", { class: "carried-item stack", "data-action": String(card.id) },
    el("p", { class: "carried-action" }, el("b", { text: card.action })),
    el("p", { class: "hint", text: card.insight }),
    el("div", { class: "button-row", role: "group", "aria-label": t("What became of it?") }, ...buttons),
    note, save, said);
}

export async function showCarried(code) {
  const box = document.getElementById("carried");
  if (!box) return;
  let mine;
  try {
    const response = await fetch(`/api/join/${code}/actions`, { headers: apiHeaders() });
    if (!response.ok) return;
    mine = await response.json();
  } catch {
    return;
  }
  if (!mine.actions.length) return;
  const open = mine.actions.some((card) => card.status === null);
  clear(box).append(el("details", { class: "card carried", open: open ? "" : null },
    el("summary", { text: t("Your actions from last time") }),
    el("p", { class: "hint", text: t("In “{title}” you wrote these. What became of them? Only you see your answer; the report shows the group's totals, from 3 people on.", { title: mine.previous }) }),
    el("ul", { class: "carried-list" }, ...mine.actions.map((card) => actionItem(code, card, mine.note_max)))));
  box.hidden = false;
}
