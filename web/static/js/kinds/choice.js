// Multiple choice: one option, or up to the activity's limit; bars on the big screen.
import { N_, el, t } from "../common.js";
import { plainStage, sentMark } from "./parts.js";

export const title = N_("Multiple choice");

export function phone(card, ctx) {
  const { activity, closed, current, draft } = ctx;
  const s = activity.settings;
  const entry = current("0");
  const chosen = new Set(draft.options ?? (entry ? entry.value.options : []));
  const most = activity.limits.choices;
  const multi = most > 1;
  const group = el("div", { class: "options", role: "group", "aria-label": activity.prompt });
  s.options.forEach((text, index) => {
    const on = chosen.has(index);
    group.append(el("button", {
      type: "button", class: on ? "option option-on" : "option", "aria-pressed": on ? "true" : "false", disabled: closed,
      onclick: () => {
        if (!multi) { delete draft.options; ctx.answer("0", { options: [index] }); return; }
        const next = new Set(chosen);
        if (next.has(index)) next.delete(index);
        else if (next.size < most) next.add(index);
        draft.options = [...next];
        ctx.render();
      },
    }, text));
  });
  card.append(group);
  if (multi) {
    card.append(el("p", { class: "pick-counter", role: "status", text: t("Choose up to {k}", { k: most }) }));
    if (!closed) {
      card.append(el("button", { class: "button button-primary button-wide", type: "button", disabled: chosen.size === 0, onclick: () => {
        ctx.answer("0", { options: [...chosen].sort((a, b) => a - b) });
        delete draft.options;
      } }, t("Send")));
    }
  }
  if (entry) card.append(sentMark(entry));
}

export function results(results) {
  const list = el("ul", { class: "bars" });
  const most = Math.max(1, ...results.options.map((o) => o.count));
  for (const option of results.options) {
    const fill = el("div", { class: option.count === most && option.count > 0 ? "bar-fill bar-top" : "bar-fill" });
    fill.style.width = `${option.percent}%`;
    list.append(el("li", { class: "bar-row" },
      el("div", { class: "bar-label" }, el("span", { text: option.text }),
        el("span", { class: "bar-figure", text: `${option.count} · ${Math.round(option.percent)}%` })),
      el("div", { class: "bar-track" }, fill)));
  }
  return list;
}

export const stage = plainStage(results);
