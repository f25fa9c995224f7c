// "Vergeet mij" on the phone: a participant erases themselves (DELETE /api/join/{code}: their
// pseudonym, answers, cards, questions and votes), after a second tap that says what goes. The
// page then forgets it joined, so its socket does not join again behind the person's back.
import { apiHeaders, clear, el, t } from "./common.js";
import { responseError } from "./errors.js";

export const forgetting = { now: false };

export function setupForget(code, onForgotten) {
  const box = document.getElementById("forget");
  if (!box) return;
  const open = el("button", { class: "button button-small button-quiet", type: "button", "aria-expanded": "false" }, t("Forget me"));
  const panel = el("div", { class: "forget-panel stack", hidden: true });
  open.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    open.setAttribute("aria-expanded", String(!panel.hidden));
  });
  const confirm = el("button", { class: "button button-danger", type: "button" }, t("Yes, erase everything of mine"));
  const said = el("p", { class: "hint", role: "status" });
  confirm.addEventListener("click", async () => {
    confirm.disabled = true;
    forgetting.now = true;
    try {
      const response = await fetch(`/api/join/${code}`, { method: "DELETE", headers: apiHeaders() });
      if (!response.ok) {
        forgetting.now = false;
        said.textContent = await responseError(response);
        confirm.disabled = false;
        return;
      }
      const erased = await response.json();
      localStorage.removeItem(`kring:joined:${code}`);
      localStorage.removeItem(`kring:pending:${code}`);
      if (erased.pass) localStorage.removeItem("kring:pass"); // its code opens nothing any more
      const said = erased.pass
        ? t("You have been forgotten: nothing of yours is kept in any meeting of this series any more.")
        : t("You have been forgotten: nothing of yours is kept in this meeting any more.");
      clear(box).append(el("p", { class: "notice", role: "status", id: "forgotten", text: said }),
        el("a", { href: `/m/${code}`, text: t("Join again, anonymously") }));
      onForgotten();
    } catch {
      forgetting.now = false;
      said.textContent = t("No connection to the Kring server.");
      confirm.disabled = false;
    }
  });
  panel.append(el("p", { text: t("This erases your name, your answers, your cards, your questions and your votes in this meeting, for good; with a network pass, in every meeting of the series, and the pass itself. The results on the big screen leave you out at once.") }), confirm, said);
  clear(box).append(open, panel);
  box.hidden = false;
}
