// The big screen: join strip, live counts, the agenda clock and the current activity's results.
// Keys: Q or a click on the QR code shows it full screen, F full screen, H hides the results on this
// screen (only the count stays). With the host key in the link, → / Space / PageDown and ← / PageUp
// (what a presentation clicker sends) move the activities and D opens the downloads (exports and
// the wrap-up report); with the presenter key the arrows only say that the remote moves them.
import { LiveSocket, apiHeaders, clear, downloadExport, el, facilitator, loadStrings, ngettext, showCounts, t, takeLanguage } from "./common.js";
import { responseError } from "./errors.js";
import { adviceText, agendaClock } from "./agenda.js";
import { kindNow } from "./kinds/index.js";
import { stagePace } from "./pace-stage.js";
import { stageBeside } from "./qa-stage.js";
import { compareView, loadCompare } from "./compare.js";

const code = document.body.dataset.code;
let me = null; // { headers, auth } from facilitator(): the key in the link, or a facilitator's login
const resultsNode = document.getElementById("results");
const promptNode = document.getElementById("prompt");
const agendaNode = document.getElementById("agenda");
const lobbyNode = document.getElementById("lobby");
const qrFull = document.getElementById("qr-full");
let last = null;
let agenda = null;
let hiddenHere = false;
let hostKey = false;
// What a kind's big-screen view keeps while its activity stays on (words keep their place).
let kept = { id: null, redraw: () => {} };
let hintTimer = null;
// Meeting 1 beside this one, for a linked activity: fetched again as its answers come in.
const COMPARE_EVERY_MS = 2000;
let compared = { id: null, responses: -1, at: 0, data: null, busy: false };

function renderAgenda() {
  const view = agendaClock(agenda);
  clear(agendaNode);
  if (view) agendaNode.append(view);
  // Running late: which optional blocks to shorten or skip, small, for the facilitator's eye.
  if (view && agenda.advice && agenda.advice.length) {
    agendaNode.append(el("p", { class: "agenda-advice", text: t("Tip:") + " " + agenda.advice.map(adviceText).join(" · ") }));
  }
}

function showCompare(activity, responses) {
  if (compared.id !== activity.id) compared = { id: activity.id, responses: -1, at: 0, data: null, busy: false };
  // Meeting 1 beside this one is what a repeated scan is for: it comes first, the live spread after.
  if (compared.data) resultsNode.prepend(compareView(compared.data));
  const stale = compared.responses !== responses && Date.now() - compared.at > COMPARE_EVERY_MS;
  if (!stale || compared.busy) return;
  compared.busy = true;
  loadCompare(code, activity.id, me.headers).then((data) => {
    if (compared.id !== activity.id) return;
    Object.assign(compared, { data, responses, at: Date.now(), busy: false });
    if (last) render(last);
  });
}

function render(snapshot) {
  last = snapshot;
  showCounts(snapshot);
  const activity = snapshot.activity;
  promptNode.textContent = activity ? activity.prompt : snapshot.meeting.title;
  document.body.dataset.kind = activity ? activity.kind : "none";
  showLobby(!activity && lobbyTime(snapshot), snapshot.meeting);
  if (!activity) {
    renderBetween(snapshot);
    return;
  }
  if (hiddenHere || snapshot.results_hidden || !snapshot.results) {
    clear(resultsNode).append(el("div", { class: "stage-hidden" },
      el("p", { class: "big-count", text: String(snapshot.responses) }),
      el("p", { text: activity.status === "open"
        ? ngettext("response so far", "responses so far", snapshot.responses)
        : ngettext("response", "responses", snapshot.responses) })));
    return;
  }
  const kind = kindNow(activity.kind, () => last && render(last));
  if (!kind) return; // loading (drawn when it has), or a kind this page does not know
  if (kept.id !== activity.id) kept = { id: activity.id, redraw: () => last && render(last) };
  kind.stage(resultsNode, snapshot.results, activity, kept);
  if (activity.series_link) showCompare(activity, snapshot.responses);
  if (activity.status === "closed") resultsNode.append(el("p", { class: "stage-closed", text: t("Closed") }));
}

// Before the first activity the room is still coming in (the kick-off's Inloop): the QR code large
// in the middle. Once an activity was opened, or the agenda moved past its first block, the join
// strip at the bottom does.
function lobbyTime(snapshot) {
  if (snapshot.activities.some((a) => a.status !== "idle")) return false;
  if (!agenda || !agenda.current) return true;
  return agenda.blocks.length > 0 && agenda.blocks[0].id === agenda.current.id;
}

function showLobby(show, meeting) {
  lobbyNode.hidden = !show;
  resultsNode.hidden = show;
  document.getElementById("join-strip").hidden = show;
  const theme = document.getElementById("lobby-theme");
  theme.textContent = meeting.theme || "";
  theme.hidden = !meeting.theme;
}

// No activity on screen after the meeting began: a block without questions (a break, a talk) by
// its title and what comes next, or else the waiting screen.
function renderBetween(snapshot) {
  const block = agenda && agenda.current ? agenda.blocks.find((b) => b.id === agenda.current.id) : null;
  if (!block) {
    clear(resultsNode).append(el("div", { class: "stage-waiting" },
      snapshot.meeting.theme ? el("p", { class: "stage-theme", text: snapshot.meeting.theme }) : null,
      el("p", { text: t("Scan the code to join") })));
    return;
  }
  promptNode.textContent = block.title;
  clear(resultsNode).append(el("div", { class: block.is_break ? "stage-waiting stage-break" : "stage-waiting stage-block" },
    el("p", { class: "stage-break-line", text: block.is_break ? t("See you in a moment") : t("The next question will appear here by itself.") }),
    agenda.next ? el("p", { class: "stage-break-next", text: t("Next: {title}", { title: agenda.next.title }) }) : null));
}

// A short line at the top of the screen: what a key did, or why it did nothing.
function hint(text) {
  const node = document.getElementById("stage-hint");
  node.textContent = text;
  node.hidden = false;
  clearTimeout(hintTimer);
  hintTimer = setTimeout(() => { node.hidden = true; }, 4000);
}

function toggleQr(show) {
  qrFull.hidden = show === undefined ? !qrFull.hidden : !show;
}

// → and ← with the host key: the API answers with the new current activity, or why not.
async function step(direction) {
  if (!hostKey) {
    hint(t("The remote moves the questions; this link only shows them."));
    return;
  }
  try {
    const response = await fetch(`/api/meetings/${code}/${direction}`, {
      method: "POST", headers: apiHeaders(me.headers), body: "{}",
    });
    if (!response.ok) hint(await responseError(response));
  } catch {
    hint(t("No connection to the Kring server."));
  }
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
  } else if (event.key === "ArrowRight" || event.key === " " || event.key === "PageDown") {
    event.preventDefault();
    step("next");
  } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
    event.preventDefault();
    step("previous");
  } else if (name === "d" && hostKey) {
    const panel = document.getElementById("downloads");
    panel.hidden = !panel.hidden;
  }
});
for (const button of document.querySelectorAll("#downloads [data-download]")) {
  button.addEventListener("click", () => downloadExport(code, me.headers, button.dataset.download, button));
}
document.getElementById("qr-button").addEventListener("click", () => toggleQr(true));
// The wall measures what fits: a new window size is a new fit.
window.addEventListener("resize", () => { if (last) render(last); });
qrFull.addEventListener("click", () => toggleQr(false));

// The QR code holds the join link with the meeting's join secret, so only an opened screen gets
// it (fetched with this screen's key or login, shown from memory: no URL carries the secret).
let qrLoaded = false;
async function loadQr() {
  qrLoaded = true;
  try {
    const response = await fetch(`/api/meetings/${code}/qr.svg`, { headers: me.headers });
    if (!response.ok) throw new Error(String(response.status));
    const url = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(await response.text())}`;
    for (const image of document.querySelectorAll(".qr-image")) image.src = url;
  } catch {
    qrLoaded = false; // tried again with the next snapshot
  }
}

// The first snapshot proves the key: only now does the page show the meeting's title.
function opened(meeting) {
  if (takeLanguage(meeting.language)) return;
  document.title = `${meeting.title} — Kring`;
  if (!qrLoaded) {
    loadQr();
    learnRole();
  }
}

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
        stageBeside(message.beside);
        stagePace(message);
        opened(message.meeting);
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
}

// The host key may drive the activities from the keyboard; a presenter key only shows. Asked once
// the key opened the socket: a key that opens nothing is answered as an unknown code would be.
async function learnRole() {
  try {
    const response = await fetch(`/api/meetings/${code}/access`, { headers: me.headers });
    // A co-facilitator is a second host: its key moves the activities too.
    hostKey = response.ok && ["host", "cohost"].includes((await response.json()).role);
  } catch {
    hostKey = false;
  }
}

main();
