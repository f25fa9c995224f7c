// Open question: one or more free-text answers per phone; a wall of them on the big screen, with
// highlight and hide on the remote.
import { N_, el, t } from "../common.js";
import { fitWall, stageWall } from "../stage-wall.js";
import { counter, field, moderationButtons, range, sentMark } from "./parts.js";

export const title = N_("Open question");

export function phone(card, ctx) {
  const { activity, closed, current, draft } = ctx;
  const limits = activity.limits;
  const slots = range(limits.answers);
  const mine = slots.map((slot) => [slot, current(slot)]).filter(([, entry]) => entry);
  if (mine.length) {
    const list = el("ul", { class: "my-answers", "aria-label": t("Your answers") });
    for (const [slot, entry] of mine) {
      list.append(el("li", { class: "my-answer" },
        el("p", { text: entry.value.text }), sentMark(entry),
        closed ? null : el("div", { class: "button-row" },
          el("button", { class: "button button-small", type: "button", onclick: () => {
            draft.editing = slot; draft["answer-text"] = entry.value.text; ctx.render();
          } }, t("Edit")),
          el("button", { class: "button button-small button-quiet", type: "button", onclick: () => ctx.withdraw(slot) }, t("Withdraw")))));
    }
    card.append(list);
  }
  const free = slots.find((slot) => !current(slot));
  const target = draft.editing ?? free;
  if (closed) return;
  if (target === undefined) {
    card.append(el("p", { class: "hint", text: t("Thank you! You can still edit or withdraw your answer.") }));
    return;
  }
  const area = field(ctx, "answer-text", "textarea", { maxlength: limits.text, rows: 4 });
  const form = el("form", { class: "stack", onsubmit: (event) => {
    event.preventDefault();
    const text = area.value.trim();
    if (!text) return;
    delete draft["answer-text"];
    delete draft.editing;
    ctx.answer(target, { text });
  } },
  el("label", { for: "answer-text", text: draft.editing !== undefined ? t("Edit your answer") : t("Your answer") }),
  area, counter(area, limits.text),
  el("div", { class: "button-row" },
    el("button", { class: "button button-primary button-wide", type: "submit" }, draft.editing !== undefined ? t("Save") : t("Send")),
    draft.editing !== undefined ? el("button", { class: "button button-quiet", type: "button", onclick: () => {
      delete draft.editing; delete draft["answer-text"]; ctx.render();
    } }, t("Cancel")) : null));
  card.append(form);
}

export function results(data, _activity, { host, onModerate } = {}) {
  const wall = el("ul", { class: "wall" });
  for (const answer of data.answers) {
    const item = el("li", { class: `wall-card${answer.highlighted ? " wall-card-highlight" : ""}${answer.hidden ? " wall-card-hidden" : ""}`, dataset: { entry: answer.id } },
      el("p", { text: answer.text }));
    if (host && onModerate) item.append(moderationButtons(answer, onModerate));
    wall.append(item);
  }
  if (!data.answers.length) wall.append(el("li", { class: "empty", text: t("No answers yet") }));
  return wall;
}

// The wall: the highlighted answers on top, the rest in columns, as large as fits (stage-wall.js).
export function stage(node, data, activity) {
  const wall = stageWall(results(data, activity, { stage: true }));
  node.replaceChildren(wall);
  fitWall(wall);
}
