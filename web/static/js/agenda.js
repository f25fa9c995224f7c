// The agenda's live clock, as the big screen and the remote show it: the current block with a
// countdown of its planned time ("+m:ss" once it runs over), plan versus actual, and what is next.
import { clock, deltaLabel, el, t } from "./common.js";

export function agendaClock(agenda) {
  if (!agenda || (!agenda.current && !agenda.next)) return null;
  const current = agenda.current;
  const delta = agenda.delta_minutes;
  const status = delta === null || delta === undefined ? "none" : delta > 0 ? "behind" : delta < 0 ? "ahead" : "on";
  return el("div", { class: "agenda-clock" },
    current
      ? el("span", { class: "agenda-now" }, el("span", { class: "agenda-label", text: t("Now:") }), " ",
        el("b", { class: "agenda-title", text: current.title }))
      : null,
    current
      ? el("span", { class: current.overtime ? "agenda-countdown agenda-overtime" : "agenda-countdown", role: "timer",
        "aria-label": current.overtime ? t("over time") : t("time left"), text: clock(current.remaining_seconds) })
      : null,
    status !== "none" ? el("span", { class: `agenda-delta agenda-${status}`, text: deltaLabel(delta) }) : null,
    agenda.next
      ? el("span", { class: "agenda-next" }, el("span", { class: "agenda-label", text: t("Next:") }), " ",
        el("span", { text: agenda.next.title }))
      : null);
}

// "Kennissnack inkorten tot 35 min", "Pauze overslaan".
export function adviceText(advice) {
  return advice.action === "skip"
    ? t("Skip {title}", { title: advice.title })
    : t("Shorten {title} to {n} min", { title: advice.title, n: advice.to_minutes });
}
