// The big screen: join strip, live counts, the agenda clock and the current activity's results.
// Keys: Q or a click on the QR code shows it full screen, F full screen, H hides the results on this
// screen (only the count stays). With the host key in the link, → / Space and ← move the activities
// and D opens the downloads (exports and the wrap-up report).
import { LiveSocket, clear, downloadExport, el, facilitator, loadStrings, t } from "./common.js";
import { adviceText, agendaClock } from "./agenda.js";
import { renderResults } from "./results.js";
import { StageCloud } from "./stage-cloud.js";

const code = document.body.dataset.code;
let me = null; // { headers, auth } from facilitator(): the key in the link, or a facilitator's login
const resultsNode = document.getElementById("results");
const promptNode = document.getElementById("prompt");
const agendaNode = document.getElementById("agenda");
const qrFull = document.getElementById("qr-full");
let last = null;
let agenda = null;
let hiddenHere = false;
let hostKey = false;
let cloud = null;
let cloudFor = null;

function renderAgenda() {
  const view = agendaClock(agenda);
  clear(agendaNode);
  if (view) agendaNode.append(view);
  // Running late: which optional blocks to shorten or skip, small, for the facilitator's eye.
  if (view && agenda.advice && agenda.advice.length) {
    agendaNode.append(el("p", { class: "agenda-advice", text: t("Tip:") + " " + agenda.advice.map(adviceText).join(" · ") }));
  }
}

function render(snapshot) {
  last = snapshot;
  document.getElementById("participants").textContent = snapshot.participants;
  document.getElementById("responses").textContent = snapshot.responses;
  const activity = snapshot.activity;
  promptNode.textContent = activity ? activity.prompt : snapshot.meeting.title;
  document.body.dataset.kind = activity ? activity.kind : "none";
  if (!activity) {
    clear(resultsNode).append(el("div", { class: "stage-waiting" },
      snapshot.meeting.theme ? el("p", { class: "stage-theme", text: snapshot.meeting.theme }) : null,
      el("p", { text: t("Scan the code to join") })));
    return;
  }
  if (hiddenHere || snapshot.results_hidden || !snapshot.results) {
    clear(resultsNode).append(el("div", { class: "stage-hidden" },
      el("p", { class: "big-count", text: String(snapshot.responses) }),
      el("p", { text: activity.status === "open" ? t("responses so far") : t("responses") })));
    return;
  }
  if (activity.kind === "wordcloud") {
    renderCloud(snapshot.results.words, activity);
  } else {
    clear(resultsNode).append(renderResults(snapshot.results, activity, { stage: true }));
  }
  if (activity.status === "closed") resultsNode.append(el("p", { class: "stage-closed", text: t("Closed") }));
}

function renderCloud(words, activity) {
  if (!cloud || cloudFor !== activity.id) {
    cloud = new StageCloud();
    cloudFor = activity.id;
  }
  if (!words.length) {
    clear(resultsNode).append(el("p", { class: "stage-empty", text: t("No words yet") }));
    cloud.signature = "";
    return;
  }
  if (!cloud.node.isConnected) clear(resultsNode).append(cloud.node);
  else for (const node of [...resultsNode.children]) if (node !== cloud.node) node.remove();
  cloud.update(words);
}

function toggleQr(show) {
  qrFull.hidden = show === undefined ? !qrFull.hidden : !show;
}

async function control(path, body) {
  if (!hostKey) return;
  await fetch(`/api/meetings/${code}${path}`, {
    method: "POST", headers: { "Content-Type": "application/json", ...me.headers },
    body: JSON.stringify(body || {}),
  });
}

document.addEventListener("keydown", (event) => {
  if (event.target instanceof HTMLInputElement || event.ctrlKey || event.metaKey || event.altKey) return;
  const name = event.key.toLowerCase();
  if (name === "q") toggleQr();
  else if (name === "escape") toggleQr(false);
  else if (name === "f") {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  } else if (name === "h") {
    hiddenHere = !hiddenHere;
    if (last) render(last);
  } else if ((event.key === "ArrowRight" || event.key === " ") && hostKey) {
    event.preventDefault();
    control("/next");
  } else if (event.key === "ArrowLeft" && hostKey) control("/previous");
  else if (name === "d" && hostKey) {
    const panel = document.getElementById("downloads");
    panel.hidden = !panel.hidden;
  }
});
for (const button of document.querySelectorAll("#downloads [data-download]")) {
  button.addEventListener("click", () => downloadExport(code, me.headers, button.dataset.download, button));
}
document.getElementById("qr-button").addEventListener("click", () => toggleQr(true));
qrFull.addEventListener("click", () => toggleQr(false));

async function main() {
  await loadStrings();
  me = await facilitator();
  if (!me) {
    document.getElementById("auth-error").hidden = false;
    return;
  }
  const socket = new LiveSocket(`/ws/${code}/presenter`, {
    firstMessage: () => me.auth,
    onState: (state) => { document.getElementById("stage-conn").hidden = state !== "offline"; },
    onMessage: (message) => {
      if (message.type === "snapshot") {
        agenda = message.agenda || null;
        renderAgenda();
        render(message);
      } else if (message.type === "agenda") {
        agenda = message.agenda;
        renderAgenda();
      } else if (message.type === "error" && message.code === "forbidden") {
        document.getElementById("auth-error").hidden = false;
      }
    },
  });
  socket.connect();
  // The host key may drive the activities from the keyboard; a presenter key only shows.
  try {
    const probe = await fetch(`/api/meetings/${code}`, { headers: me.headers });
    hostKey = probe.ok;
  } catch {
    hostKey = false;
  }
}

main();
