// Groups (the Category Cruncher): everyone picks a group; phones and the big screen show who is in
// which, so people find each other in the room.
import { N_, el, ngettext, t } from "../common.js";
import { plainStage, sentMark } from "./parts.js";

export const title = N_("Groups");
export const ownResults = true;
export const together = true; // not in a self-paced questionnaire (results_on_phones_always)

export function phone(card, ctx) {
  const { activity, closed, current } = ctx;
  const s = activity.settings;
  const entry = current("0");
  const mineIndex = entry ? entry.value.option : null;
  if (entry) {
    const group = ctx.results && ctx.results.groups ? ctx.results.groups[mineIndex] : null;
    const box = el("div", { class: "my-group" },
      el("p", { class: "my-group-title" }, t("Your group:"), " ", el("b", { text: s.options[mineIndex] }), " ", sentMark(entry)));
    if (group) {
      const others = namedFirst(group.members);
      const me = others.indexOf(ctx.nickname ?? null);
      if (me >= 0) others.splice(me, 1);
      box.append(el("p", { class: "hint", text: others.length ? t("With:") : t("Nobody else yet.") }));
      if (others.length) box.append(el("ul", { class: "members" }, others.map((name) => el("li", { text: name || t("anonymous") }))));
      const unnamed = group.count - group.members.length; // a phone gets a bounded list of names
      if (unnamed > 0) box.append(el("p", { class: "hint", text: ngettext("and {n} more", "and {n} more", unnamed) }));
    } else {
      box.append(el("p", { class: "hint", text: t("Look at the screen to see who else is in your group.") }));
    }
    card.append(box);
    if (s.questions && s.questions.length) {
      card.append(el("h2", { class: "subhead", text: t("Talk about") }), el("ul", { class: "questions" }, s.questions.map((q) => el("li", { text: q }))));
    }
  }
  const list = el("div", { class: "options", role: "group", "aria-label": activity.prompt });
  s.options.forEach((text, index) => {
    const on = index === mineIndex;
    list.append(el("button", { type: "button", class: on ? "option option-on" : "option", "aria-pressed": on ? "true" : "false",
      disabled: closed, onclick: () => ctx.answer("0", { option: index }) }, text));
  });
  if (entry) card.append(el("h2", { class: "subhead", text: t("Another group?") }));
  card.append(list);
}

// Groups: a column per group with its members' nicknames, so people find each other in the room.
export function results(results, _activity, { stage } = {}) {
  const grid = el("ul", { class: stage ? "group-columns group-columns-stage" : "group-columns" });
  results.groups.forEach((group, index) => {
    const members = el("ul", { class: "members" });
    for (const name of namedFirst(group.members)) members.append(el("li", { class: name ? "member" : "member member-anonymous", text: name || t("anonymous") }));
    grid.append(el("li", { class: `group-column group-${index % 8}` },
      el("h3", { class: "group-title" }, el("span", { text: group.text }), el("span", { class: "group-count", text: String(group.count) })),
      members));
  });
  const out = el("div", { class: "groups-result" }, grid);
  if (results.questions && results.questions.length) {
    out.append(el("ol", { class: "group-questions" }, results.questions.map((q) => el("li", { text: q }))));
  }
  return out;
}

// People with a nickname first (in the server's order), then the anonymous ones.
function namedFirst(names) {
  return [...names].sort((a, b) => Number(!a) - Number(!b));
}

export const stage = plainStage(results);
