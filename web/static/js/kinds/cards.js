// Insights & actions: a small card per phone (an insight, an action, a name if asked); a wall of
// cards on the big screen, with highlight and hide on the remote.
import { N_, el, t } from "../common.js";
import { fitWall, stageWall } from "../stage-wall.js";
import { counter, field, moderationButtons, sentMark } from "./parts.js";

export const title = N_("Insights & actions");

export function phone(card, ctx) {
  const { activity, closed, current, draft } = ctx;
  const s = activity.settings;
  const limits = activity.limits;
  const entry = current("0");
  if (entry && !draft.editing) {
    card.append(el("div", { class: "my-card" },
      el("p", { class: "card-label", text: s.insight_label }), el("p", { class: "card-text", text: entry.value.insight }),
      el("p", { class: "card-label", text: s.action_label }), el("p", { class: "card-text", text: entry.value.action }),
      entry.value.name ? el("p", { class: "card-name", text: `— ${entry.value.name}` }) : null,
      sentMark(entry)));
    if (!closed) {
      card.append(el("div", { class: "button-row" },
        el("button", { class: "button button-small", type: "button", onclick: () => {
          draft.editing = true;
          draft["card-insight"] = entry.value.insight;
          draft["card-action"] = entry.value.action;
          draft["card-name"] = entry.value.name || "";
          ctx.render();
        } }, t("Edit")),
        el("button", { class: "button button-small button-quiet", type: "button", onclick: () => ctx.withdraw("0") }, t("Withdraw"))));
    }
    return;
  }
  if (closed) return;
  const insight = field(ctx, "card-insight", "textarea", { maxlength: limits.text, rows: 3, required: true });
  const action = field(ctx, "card-action", "textarea", { maxlength: limits.text, rows: 3, required: true });
  const name = s.ask_name ? field(ctx, "card-name", "input", { maxlength: limits.name, autocomplete: "name", value: ctx.nickname || "" }) : null;
  card.append(el("form", { class: "stack", onsubmit: (event) => {
    event.preventDefault();
    const value = { insight: insight.value.trim(), action: action.value.trim() };
    if (!value.insight || !value.action) return;
    if (name && name.value.trim()) value.name = name.value.trim();
    for (const key of ["card-insight", "card-action", "card-name", "editing"]) delete draft[key];
    ctx.answer("0", value);
  } },
  el("label", { for: "card-insight", text: s.insight_label }), insight, counter(insight, limits.text),
  el("label", { for: "card-action", text: s.action_label }), action, counter(action, limits.text),
  name ? el("label", { for: "card-name", text: t("Your name (optional)") }) : null, name,
  el("button", { class: "button button-primary button-wide", type: "submit" }, t("Send"))));
}

// Cards: the wall of insights and actions.
export function results(results, _activity, { host, onModerate } = {}) {
  const wall = el("ul", { class: "wall wall-cards" });
  for (const card of results.cards) {
    const item = el("li", { class: `wall-card idea-card${card.highlighted ? " wall-card-highlight" : ""}${card.hidden ? " wall-card-hidden" : ""}`, dataset: { entry: card.id } },
      el("p", { class: "card-label", text: results.insight_label }), el("p", { class: "card-text", text: card.insight }),
      el("p", { class: "card-label", text: results.action_label }), el("p", { class: "card-text", text: card.action }),
      card.name ? el("p", { class: "card-name", text: `— ${card.name}` }) : null);
    if (host && onModerate) item.append(moderationButtons(card, onModerate));
    wall.append(item);
  }
  if (!results.cards.length) wall.append(el("li", { class: "empty", text: t("No cards yet") }));
  return wall;
}

// The wall, as the open question's (stage-wall.js).
export function stage(node, data, activity) {
  const wall = stageWall(results(data, activity, { stage: true }));
  node.replaceChildren(wall);
  fitWall(wall);
}
