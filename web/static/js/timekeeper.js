// The timekeeper's page: only the agenda's clock, plan against actual and the advice (as the
// remote shows them, from GET /api/meetings/{code}/clock), and a "nog 5 minuten" button that
// signals the facilitator's remote. Needs the timekeeper key in the #key= fragment.
import { apiHeaders, clear, el, hashKey, loadStrings, t, takeLanguage } from "./common.js";
import { responseError } from "./errors.js";
import { adviceText, agendaClock } from "./agenda.js";

const code = document.body.dataset.code;
const $ = (id) => document.getElementById(id);
const EVERY_MS = 1000;
let headers = null;
let opened = false;

function render(view) {
  const agenda = view.agenda;
  const clockNode = clear($("agenda-clock"));
  const shown = agendaClock(agenda);
  if (shown) clockNode.append(shown);
  $("no-agenda").hidden = Boolean(agenda);
  const advice = clear($("advice"));
  if (agenda && agenda.advice && agenda.advice.length) {
    for (const item of agenda.advice) advice.append(el("li", { class: `advice-item advice-${item.action}`, text: adviceText(item) }));
    if (!agenda.advice_recovers) advice.append(el("li", { class: "advice-item hint", text: t("Even so you will not make up all the time.") }));
  }
  const plan = clear($("plan"));
  for (const block of agenda ? agenda.blocks : []) {
    const spent = block.status === "done" || block.status === "current" ? t("{n} min", { n: Math.floor(block.elapsed_seconds / 60) }) : "–";
    plan.append(el("tr", { class: `plan-${block.status}`, "aria-current": block.status === "current" ? "step" : null },
      el("th", { scope: "row", text: block.title }),
      el("td", { text: t("{n} min", { n: block.duration_minutes }) }),
      el("td", { text: spent })));
  }
}

async function poll() {
  try {
    const response = await fetch(`/api/meetings/${code}/clock`, { headers: apiHeaders(headers) });
    if (!response.ok) {
      if (response.status === 404) $("auth-error").hidden = false;
      return;
    }
    const view = await response.json();
    if (!opened) {
      if (takeLanguage(view.language)) return;
      opened = true;
      document.title = `${t("Timekeeper")} — ${view.title}`;
      $("timekeeper-heading").textContent = `${t("Timekeeper")}: ${view.title}`;
      $("signal").disabled = false;
    }
    $("auth-error").hidden = true;
    render(view);
  } catch { /* offline: the next round */ }
}

async function signal() {
  const button = $("signal");
  button.disabled = true;
  try {
    const response = await fetch(`/api/meetings/${code}/signal`, {
      method: "POST", headers: apiHeaders(headers), body: JSON.stringify({ minutes: 5 }),
    });
    const at = new Date().toLocaleTimeString(document.body.dataset.lang, { hour: "2-digit", minute: "2-digit" });
    $("signal-sent").textContent = response.ok ? t("Sent at {time}: 5 more minutes.", { time: at }) : await responseError(response);
  } catch {
    $("signal-sent").textContent = t("No connection to the Kring server.");
  }
  button.disabled = false;
}

async function main() {
  await loadStrings();
  const key = hashKey();
  if (!key) {
    $("auth-error").hidden = false;
    return;
  }
  headers = { Authorization: `Bearer ${key}` };
  $("signal").addEventListener("click", signal);
  await poll();
  setInterval(poll, EVERY_MS);
}

main();
