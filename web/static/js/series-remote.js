// The remote's series panel (docs/series.md): a meeting on its own can start a series; a meeting of
// a series shows its meetings (who joined, how many with a network pass), adds the next meeting
// from the follow-up template (its links and keys shown once), and shows meeting 1 beside this
// one for each linked activity.
import { clear, el, ngettext, t } from "./common.js";
import { compareView, loadCompare } from "./compare.js";

const $ = (id) => document.getElementById(id);

function keyNotice(text, value) {
  return el("div", { class: "series-key" }, el("p", { class: "hint", text }),
    el("input", { class: "role-link", type: "text", readonly: "", value, "aria-label": text }));
}

export async function setupSeries(api, role, code, headers) {
  if (role !== "host") return;
  const card = $("series-card");
  const body = clear($("series"));
  const response = await api("GET", "/series");
  if (!response || !response.ok) return;
  const { series, position, value_max: valueMax } = await response.json();
  card.hidden = false;
  if (!series) {
    const start = el("button", { id: "series-start", class: "button button-small", type: "button" }, t("Make it a series"));
    start.addEventListener("click", async () => {
      const made = await api("POST", "/series", {});
      if (!made || !made.ok) return;
      const created = await made.json();
      await setupSeries(api, role, code, headers);
      $("series").append(keyNotice(t("The series key (shown once; it opens the series for whoever holds it):"), created.key));
    });
    body.append(el("p", { class: "hint", text: t("Is this the first meeting of a lerend netwerk? Make it a series: later meetings follow on from it, participants can take a network pass, and repeated self-scans show meeting 1 beside meeting N.") }), start);
    return;
  }
  body.append(
    el("p", { id: "series-title", text: t("Meeting {n} of the series “{title}”", { n: position, title: series.title }) }),
    el("p", { class: "hint", text: ngettext("{n} network pass taken", "{n} network passes taken", series.pseudonyms) }),
    el("ol", { class: "series-meetings" }, series.meetings.map((m) => el("li", { "aria-current": m.position === position ? "true" : null },
      el("b", { text: m.title }), " ", el("span", { class: "hint", text: `${m.code} · ${ngettext("{n} joined", "{n} joined", m.participants)} · ${ngettext("{n} with a pass", "{n} with a pass", m.pseudonyms)}` })))));
  const topic = el("input", { id: "series-topic", maxlength: String(valueMax), placeholder: t("e.g. inspiratietafel") });
  const add = el("button", { id: "series-next", class: "button button-small", type: "button" }, t("Add the next meeting"));
  const made = el("div", { class: "series-made" });
  add.addEventListener("click", async () => {
    const values = topic.value.trim() && series.next_template === "followup" ? { onderwerp: topic.value.trim() } : {};
    const next = await api("POST", "/series/next", { values });
    if (!next || !next.ok) return;
    const meeting = await next.json();
    clear(made).append(el("p", { role: "status", text: t("Meeting {n} is ready: {title}", { n: meeting.position, title: meeting.title }) }),
      keyNotice(t("Its remote (the link holds its key; shown once):"), meeting.host_url),
      keyNotice(t("Its big screen:"), meeting.presenter_url));
  });
  body.append(el("div", { class: "series-add" }, el("label", { for: "series-topic", text: t("Theme of the day (optional)") }), topic, add), made);
  const meeting = await api("GET", "");
  if (!meeting || !meeting.ok) return;
  const linked = (await meeting.json()).activities.filter((a) => a.series_link);
  if (!linked.length || position === 1) return;
  const compare = el("div", { class: "stack" });
  body.append(el("h3", { text: t("Before and after") }), compare);
  for (const activity of linked) {
    const data = await loadCompare(code, activity.id, headers);
    if (data) compare.append(el("h4", { text: activity.prompt }), compareView(data));
  }
}
