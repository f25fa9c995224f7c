// The big screen: join strip, live counts and the current activity's results.
import { LiveSocket, clear, el, hashKey, loadStrings, t } from "./common.js";
import { renderResults } from "./results.js";

const code = document.body.dataset.code;
const key = hashKey();
const resultsNode = document.getElementById("results");
const promptNode = document.getElementById("prompt");
let last = null;
let socket = null;

function render(snapshot) {
  last = snapshot;
  document.getElementById("participants").textContent = snapshot.participants;
  document.getElementById("responses").textContent = snapshot.responses;
  const activity = snapshot.activity;
  promptNode.textContent = activity ? activity.prompt : snapshot.meeting.title;
  clear(resultsNode);
  if (!activity) {
    resultsNode.append(el("div", { class: "stage-waiting" }, el("p", { class: "stage-theme", text: snapshot.meeting.theme }), el("p", { text: t("Scan the code to join") })));
    return;
  }
  if (snapshot.results_hidden || !snapshot.results) {
    resultsNode.append(el("div", { class: "stage-hidden" }, el("p", { class: "big-count", text: String(snapshot.responses) }), el("p", { text: t("responses") })));
    return;
  }
  resultsNode.append(renderResults(snapshot.results, activity, { stage: true }));
  if (activity.status === "closed") resultsNode.append(el("p", { class: "stage-closed", text: t("Closed") }));
}

async function control(path, body) {
  await fetch(`/api/meetings/${code}${path}`, {
    method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
    body: JSON.stringify(body || {}),
  });
}

document.addEventListener("keydown", (event) => {
  if (event.target instanceof HTMLInputElement) return;
  const activity = last && last.activity;
  if (event.key === "ArrowRight") control("/next");
  else if (event.key === "ArrowLeft") control("/previous");
  else if ((event.key === "h" || event.key === "H") && activity) control(`/activities/${activity.id}/visibility`, { presenter: !activity.show_results_presenter });
  else if (event.key === "q" || event.key === "Q") document.getElementById("qr-full").hidden = !document.getElementById("qr-full").hidden;
  else if (event.key === "f" || event.key === "F") {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  }
});
document.getElementById("qr").addEventListener("click", () => { document.getElementById("qr-full").hidden = false; });
document.getElementById("qr-full").addEventListener("click", (event) => { event.currentTarget.hidden = true; });

async function main() {
  await loadStrings();
  if (!key) {
    document.getElementById("auth-error").hidden = false;
    return;
  }
  socket = new LiveSocket(`/ws/${code}/presenter`, {
    firstMessage: () => ({ type: "auth", key }),
    onMessage: (message) => {
      if (message.type === "snapshot") render(message);
      else if (message.type === "error" && message.code === "forbidden") document.getElementById("auth-error").hidden = false;
    },
  });
  socket.connect();
}

main();
