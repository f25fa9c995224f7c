// The facilitator's remote: run the meeting, moderate, see the counts. Needs the host key.
import { LiveSocket, N_, clear, el, hashKey, loadStrings, setConnState, t } from "./common.js";

const STATUS = { idle: N_("not started"), open: N_("open"), closed: N_("closed") };
import { renderResults } from "./results.js";

const code = document.body.dataset.code;
const key = hashKey();
let last = null;

async function api(method, path, body) {
  const response = await fetch(`/api/meetings/${code}${path}`, {
    method, headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    let message = `${response.status}`;
    try { message = (await response.json()).error.message; } catch { /* keep the status */ }
    window.alert(message);
  }
  return response;
}

function render(snapshot) {
  last = snapshot;
  document.getElementById("participants").textContent = snapshot.participants;
  document.getElementById("responses").textContent = snapshot.responses;
  const current = snapshot.activity;
  const list = clear(document.getElementById("activities"));
  for (const activity of snapshot.activities) {
    const isCurrent = current && current.id === activity.id;
    list.append(el("li", { class: isCurrent ? "activity activity-current" : "activity" },
      el("span", { class: "activity-prompt", text: activity.prompt }),
      el("span", { class: `badge badge-${activity.status}`, text: t(STATUS[activity.status] || activity.status) }),
      el("button", { class: "button button-small", type: "button", onclick: () => api("POST", `/activities/${activity.id}/open`) }, t("Open"))));
  }
  document.getElementById("toggle-presenter").setAttribute("aria-pressed", current && current.show_results_presenter ? "true" : "false");
  document.getElementById("toggle-phones").setAttribute("aria-pressed", current && current.show_results_phones ? "true" : "false");
  const moderation = clear(document.getElementById("moderation"));
  document.getElementById("current-prompt").textContent = current ? current.prompt : t("Moderation");
  if (current && snapshot.results) {
    moderation.append(renderResults(snapshot.results, current, {
      host: true,
      onModerate: (action, extra) => api("POST", `/activities/${current.id}/moderation`, { action, ...extra }),
    }));
  }
}

function wire() {
  const withCurrent = (fn) => () => last && last.activity && fn(last.activity);
  document.getElementById("next").addEventListener("click", () => api("POST", "/next"));
  document.getElementById("prev").addEventListener("click", () => api("POST", "/previous"));
  document.getElementById("close").addEventListener("click", withCurrent((a) => api("POST", `/activities/${a.id}/close`)));
  document.getElementById("lobby").addEventListener("click", () => api("POST", "/current", { activity_id: null }));
  document.getElementById("toggle-presenter").addEventListener("click", withCurrent((a) => api("POST", `/activities/${a.id}/visibility`, { presenter: !a.show_results_presenter })));
  document.getElementById("toggle-phones").addEventListener("click", withCurrent((a) => api("POST", `/activities/${a.id}/visibility`, { phones: !a.show_results_phones })));
  document.getElementById("reset").addEventListener("click", withCurrent((a) => {
    if (window.confirm(t("Delete every answer of this activity?"))) api("POST", `/activities/${a.id}/reset`, { confirm: true });
  }));
}

async function main() {
  await loadStrings();
  if (!key) {
    document.getElementById("auth-error").hidden = false;
    return;
  }
  wire();
  const socket = new LiveSocket(`/ws/${code}/host`, {
    firstMessage: () => ({ type: "auth", key }),
    onState: (state) => setConnState(document.getElementById("conn"), state),
    onMessage: (message) => {
      if (message.type === "snapshot") render(message);
      else if (message.type === "error" && message.code === "forbidden") document.getElementById("auth-error").hidden = false;
    },
  });
  socket.connect();
}

main();
