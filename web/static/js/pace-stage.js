// The big screen's questionnaire (vragenlijst): while phones go through it at their own pace, a
// band under the question with every step and how many got past it, and how many finished.
import { clear, el, t } from "./common.js";

let band = null;

export function stagePace(snapshot) {
  const stage = document.querySelector("main.stage");
  if (!band) {
    band = el("section", { id: "pace-stage", class: "pace-stage", "aria-label": t("Questionnaire"), hidden: true });
    stage.querySelector(".stage-header").after(band);
  }
  const questionnaire = snapshot.questionnaire;
  if (stage.classList.contains("with-pace") !== Boolean(questionnaire)) {
    stage.classList.toggle("with-pace", Boolean(questionnaire));
    requestAnimationFrame(() => window.dispatchEvent(new Event("resize"))); // the results got shorter
  }
  band.hidden = !questionnaire;
  clear(band);
  if (!questionnaire) return;
  const total = Math.max(snapshot.participants, questionnaire.started);
  const shown = snapshot.activity ? snapshot.activity.id : null;
  const steps = el("ol", { class: "pace-stage-steps" });
  questionnaire.steps.forEach((step, i) => {
    const share = total ? Math.round((100 * Math.min(step.done, total)) / total) : 0;
    steps.append(el("li", { class: step.activity_id === shown ? "pace-stage-step pace-step-shown" : "pace-stage-step" },
      el("span", { class: "pace-stage-label", text: t("Question {n}", { n: i + 1 }) }),
      el("div", { class: "pace-bar" }, el("span", { style: `width: ${share}%` })),
      el("span", { class: "pace-stage-count", text: t("{n} of {total} done", { n: step.done, total }) })));
  });
  band.append(steps,
    el("p", { class: "pace-stage-finished" },
      el("b", { text: String(questionnaire.completed) }), " ",
      el("span", { text: t("finished at their own pace") })));
}
