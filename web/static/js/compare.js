// Before and after across a series (docs/series.md): meeting 1 beside this meeting for a linked
// activity, as the big screen and the remote show it. Aggregates only, over the matched
// participants; a figure over fewer than 3 of them comes as null with the reason, shown as such.
import { apiHeaders, el, lang, ngettext, t } from "./common.js";

export async function loadCompare(code, activityId, headers) {
  try {
    const response = await fetch(`/api/meetings/${code}/activities/${activityId}/compare`, { headers: apiHeaders(headers) });
    return response.ok ? (await response.json()).compare : null;
  } catch {
    return null;
  }
}

const number = (value) => value.toLocaleString(lang, { maximumFractionDigits: 2 });
const signed = (value) => (value > 0 ? "+" : value < 0 ? "−" : "±") + number(Math.abs(value));

function spread(side) {
  return side ? `${number(side.mean)} (± ${number(side.sd)})` : "–";
}

export function compareView(data) {
  const before = t("meeting {n}", { n: data.before.position });
  const after = t("meeting {n}", { n: data.after.position });
  const rows = data.statements.map((s) => el("tr", { class: s.suppressed ? "compare-suppressed" : "" },
    el("th", { scope: "row", text: s.text }),
    ...(s.suppressed
      ? [el("td", { colspan: "3", class: "compare-reason", text: s.suppressed })]
      : [el("td", { text: spread(s.before) }), el("td", { text: spread(s.after) }),
        el("td", { class: s.change > 0 ? "compare-up" : s.change < 0 ? "compare-down" : "", text: signed(s.change) })]),
    el("td", { class: "compare-n", text: String(s.matched) })));
  return el("section", { class: "compare", "aria-label": t("Before and after") },
    el("h2", { class: "compare-title", text: t("{before} beside {after}", { before, after }) }),
    el("p", { class: "compare-matched", text: ngettext("{n} matched participant (with a network pass in both meetings)", "{n} matched participants (with a network pass in both meetings)", data.matched) }),
    data.suppressed ? el("p", { class: "compare-reason", text: data.suppressed }) : null,
    el("table", { class: "compare-table" },
      el("thead", {}, el("tr", {},
        el("th", { scope: "col", text: t("Statement") }),
        el("th", { scope: "col", text: `${before}: ${t("mean (± spread)")}` }),
        el("th", { scope: "col", text: `${after}: ${t("mean (± spread)")}` }),
        el("th", { scope: "col", text: t("change") }),
        el("th", { scope: "col", text: "n" }))),
      el("tbody", {}, rows)));
}
