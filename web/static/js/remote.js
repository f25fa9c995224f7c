// The facilitator's remote: the agenda and its clock, the draaiboek's notes (the current block's
// goal, werkvorm, who and materials; the meeting's description and preparation), the activities,
// moderation, downloads and deleting the meeting. Needs the host key (in the #key= fragment) or the
// login of the meeting's owner or a co-facilitator.
import { LiveSocket, N_, apiHeaders, clear, downloadExport, el, facilitator, loadStrings, ngettext, setConnState, showCounts, t, takeLanguage } from "./common.js";
import { responseError } from "./errors.js";
import { adviceText, agendaClock } from "./agenda.js";
import { KIND_NAMES, loadAllKinds } from "./kinds/index.js";
import { remotePace } from "./pace-remote.js";
import { remoteBeside } from "./qa-remote.js";
import { remoteRole, setupRoles, showSignal } from "./roles-remote.js";
import { setupSeries } from "./series-remote.js";

const STATUS = { idle: N_("not started"), open: N_("open"), closed: N_("closed") };
const BLOCK_STATUS = { upcoming: N_("upcoming"), current: N_("now"), done: N_("done"), skipped: N_("skipped") };
// Every kind's module, by name (kinds/index.js): the list names each activity's kind.
let kinds = new Map();

const code = document.body.dataset.code;
let me = null; // { headers, auth } from facilitator()
const $ = (id) => document.getElementById(id);
let last = null;
let agenda = null;
let socket = null;
let role = "host"; // or "cohost", "moderator" (GET …/access): a moderator's remote only moderates

function toast(message) {
  const node = $("toast");
  node.textContent = message;
  node.hidden = !message;
  clearTimeout(toast.timer);
  if (message) toast.timer = setTimeout(() => { node.hidden = true; }, 6000);
}

async function api(method, path, body) {
  let response;
  try {
    response = await fetch(`/api/meetings/${code}${path}`, {
      method, headers: apiHeaders(me.headers),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    toast(t("No connection to the Kring server."));
    return null;
  }
  if (!response.ok) toast(await responseError(response.clone()));
  return response;
}

// The door ("deur dicht"): once the room is in, the host stops new participants (a phone that
// joined before rejoins as ever). Joins per minute say when the room is in, and show a flood.
const DOOR_EVERY_MS = 5000;
let door = null;

function renderDoor() {
  if (!door) return;
  $("door-rate").textContent = ngettext("{n} join in the last minute", "{n} joins in the last minute", door.joins_last_minute);
  $("door-state").textContent = door.closed
    ? t("Door closed: nobody new can join; who is in stays in.")
    : t("Door open: anyone with the code can join.");
  const button = $("door");
  button.textContent = door.closed ? t("Open the door") : t("Close the door");
  button.setAttribute("aria-pressed", door.closed ? "true" : "false");
  button.disabled = false;
}

async function loadDoor() {
  try {
    const response = await fetch(`/api/meetings/${code}/door`, { headers: apiHeaders(me.headers) });
    if (response.ok) door = await response.json();
  } catch { /* offline: the next round */ }
  renderDoor();
}

async function toggleDoor() {
  if (!door) return;
  $("door").disabled = true;
  const response = await api("PUT", "/door", { closed: !door.closed });
  if (response && response.ok) door = await response.json();
  renderDoor();
}

// Planned clock time of a block: its own start time, or the agenda's start plus its offset.
function blockTime(block) {
  if (block.start_time) return block.start_time;
  if (agenda && agenda.started_at) {
    const start = new Date(Date.parse(agenda.started_at) + block.planned_offset_minutes * 60000);
    return start.toLocaleTimeString(document.body.dataset.lang, { hour: "2-digit", minute: "2-digit" });
  }
  return `+${block.planned_offset_minutes}′`;
}

function renderAgenda() {
  const clockNode = clear($("agenda-clock"));
  const view = agendaClock(agenda);
  if (view) clockNode.append(view);
  const advice = clear($("advice"));
  if (agenda && agenda.advice && agenda.advice.length) {
    for (const item of agenda.advice) advice.append(el("li", { class: `advice-item advice-${item.action}`, text: adviceText(item) }));
    if (!agenda.advice_recovers) advice.append(el("li", { class: "advice-item hint", text: t("Even so you will not make up all the time.") }));
  }
  renderBlockNotes();
  $("no-agenda").hidden = Boolean(agenda);
  for (const id of ["block-prev", "block-next", "agenda-end"]) $(id).disabled = !agenda;
  $("toggle-schedule").hidden = !agenda;
  // The clock ticks every second; the list is rebuilt only when it changes (keeps focus steady).
  const signature = agenda
    ? JSON.stringify([agenda.started_at, agenda.blocks.map((b) => [b.id, b.title, b.status, b.duration_minutes, b.essential, b.start_time, Math.floor(b.elapsed_seconds / 60)])])
    : "";
  if (signature === renderAgenda.signature) return;
  renderAgenda.signature = signature;
  const list = clear($("blocks"));
  if (!agenda) return;
  for (const block of agenda.blocks) {
    const minutes = Math.floor(block.elapsed_seconds / 60);
    list.append(el("li", { class: `block block-${block.status}${block.essential ? "" : " block-optional"}${block.is_break ? " block-break" : ""}` },
      el("button", { class: "block-button", type: "button", "aria-current": block.status === "current" ? "step" : null,
        onclick: () => api("POST", `/blocks/${block.id}/enter`) },
      el("span", { class: "block-time", text: blockTime(block) }),
      el("span", { class: "block-main" },
        el("span", { class: "block-title", text: block.title }),
        el("span", { class: "block-meta" },
          el("span", { text: t("{n} min", { n: block.duration_minutes }) }),
          block.status === "done" || block.status === "current" ? el("span", { text: t("{n} min spent", { n: minutes }) }) : null,
          el("span", { class: block.essential ? "tag tag-essential" : "tag tag-optional", text: block.essential ? t("essential") : t("optional") }))),
      el("span", { class: `badge badge-block-${block.status}`, text: t(BLOCK_STATUS[block.status] || block.status) }))));
  }
}

// The current block's notes from the draaiboek, rebuilt only when they change (the agenda ticks every
// second): the facilitator's open or closed choice stays.
function renderBlockNotes() {
  const block = agenda && agenda.current ? agenda.blocks.find((b) => b.id === agenda.current.id) : null;
  const facts = block
    ? [[t("Goal"), block.goal], [t("Method"), block.description], [t("Who"), block.who], [t("Materials"), block.materials]]
      .filter(([, value]) => value && value.trim())
    : [];
  const signature = JSON.stringify([block && block.title, facts]);
  if (signature === renderBlockNotes.signature) return;
  renderBlockNotes.signature = signature;
  $("block-notes").hidden = !facts.length;
  if (!facts.length) return;
  $("block-notes-title").textContent = t("Run sheet: {title}", { title: block.title });
  $("block-notes-facts").replaceChildren(...facts.flatMap(([label, value]) => [
    el("dt", { text: label }), el("dd", { class: "note-text", text: value.trim() })]));
}

// The meeting's own notes: what it is about and how to prepare (host only, from the API).
async function loadMeetingNotes() {
  const response = await api("GET", "");
  if (!response || !response.ok) return;
  const meeting = await response.json();
  for (const [id, text] of [["about", meeting.description], ["preparation", meeting.preparation]]) {
    $(`${id}-text`).textContent = (text || "").trim();
    $(id).hidden = !(text || "").trim();
  }
  $("meeting-notes").hidden = $("about").hidden && $("preparation").hidden;
}

function activityItem(activity, current) {
  const isCurrent = current && current.id === activity.id;
  return el("li", { class: isCurrent ? "activity activity-current" : "activity" },
    el("span", { class: "activity-main" },
      el("span", { class: "activity-kind", text: kinds.has(activity.kind) ? t(kinds.get(activity.kind).title) : activity.kind }),
      el("span", { class: "activity-prompt", text: activity.prompt })),
    el("span", { class: `badge badge-${activity.status}`, text: t(STATUS[activity.status] || activity.status) }),
    activity.status === "open"
      ? el("button", { class: "button button-small", type: "button", "aria-label": t("Close “{prompt}”", { prompt: activity.prompt }), onclick: () => api("POST", `/activities/${activity.id}/close`) }, t("Close"))
      : el("button", { class: "button button-small button-primary", type: "button", "aria-label": t("Open “{prompt}”", { prompt: activity.prompt }), onclick: () => api("POST", `/activities/${activity.id}/open`) }, t("Open")));
}

// The bar at the top: the current activity, its status, open or close, and what the room sees,
// each toggle saying its state in words ("aan"/"uit") as well as aria-pressed.
function renderBar(current) {
  $("bar-prompt").textContent = current ? current.prompt : t("The phones show the waiting screen.");
  $("bar-status").hidden = !current;
  if (current) {
    $("bar-status").className = `badge badge-${current.status}`;
    $("bar-status").textContent = t(STATUS[current.status] || current.status);
  }
  const open = Boolean(current) && current.status === "open";
  $("close").hidden = Boolean(current) && !open;
  $("open").hidden = !$("close").hidden;
  $("close").disabled = !current;
  for (const [id, on] of [["toggle-presenter", current && current.show_results_presenter], ["toggle-phones", current && current.show_results_phones]]) {
    $(id).setAttribute("aria-pressed", on ? "true" : "false");
    $(id).disabled = !current;
    $(`${id}-state`).textContent = on ? t("on") : t("off");
  }
}

function render(snapshot) {
  if (!last) {
    // The first snapshot proves the key: only now does the page show the meeting's title.
    if (takeLanguage(snapshot.meeting.language)) return;
    document.title = `${t("Remote")} — ${snapshot.meeting.title}`;
    $("remote-heading").textContent = `${t("Remote")}: ${snapshot.meeting.title}`;
    // A moderator may not see the door: asking anyway would count as refusals against its address.
    if (role !== "moderator") {
      loadDoor();
      setInterval(loadDoor, DOOR_EVERY_MS);
    }
  }
  last = snapshot;
  showCounts(snapshot);
  const current = snapshot.activity;
  const block = agenda && agenda.current ? agenda.blocks.find((b) => b.id === agenda.current.id) : null;
  const inBlock = block ? snapshot.activities.filter((a) => a.block_id === block.id) : [];
  $("block-activities-heading").textContent = block ? t("In this block: {title}", { title: block.title }) : t("Activities");
  const list = clear($("activities"));
  for (const activity of block ? inBlock : snapshot.activities) list.append(activityItem(activity, current));
  if (block && !inBlock.length) list.append(el("li", { class: "hint", text: t("No polls in this block.") }));
  const all = clear($("all-activities"));
  for (const activity of snapshot.activities) all.append(activityItem(activity, current));
  renderBar(current);
  for (const id of ["reset"]) $(id).disabled = !current;
  // Ahead of / behind the plan: always here; on the big screen only when the host says so.
  const schedule = Boolean(snapshot.meeting.show_schedule);
  $("toggle-schedule").setAttribute("aria-pressed", String(schedule));
  $("toggle-schedule-state").textContent = schedule ? t("on") : t("off");
  const moderation = clear($("moderation"));
  $("current-prompt").textContent = current ? current.prompt : t("Moderation");
  if (current && snapshot.results && kinds.has(current.kind)) {
    const responses = ngettext("{n} response", "{n} responses", snapshot.responses);
    const people = ngettext("{n} person", "{n} people", snapshot.respondents);
    moderation.append(el("p", { class: "hint", text: t("{responses} from {people}", { responses, people }) }));
    moderation.append(kinds.get(current.kind).results(snapshot.results, current, {
      host: true,
      onModerate: (action, extra) => api("POST", `/activities/${current.id}/moderation`, { action, ...extra }),
    }));
  } else if (!current) {
    moderation.append(el("p", { class: "hint", text: t("The phones show the waiting screen.") }));
  }
}

async function download(name, button) {
  const result = await downloadExport(code, me.headers, name, button);
  if (result !== true) toast(result ? await responseError(result) : t("The download failed. Try again."));
}

function wire() {
  const withCurrent = (fn) => () => last && last.activity && fn(last.activity);
  $("next").addEventListener("click", () => api("POST", "/next"));
  $("door").addEventListener("click", toggleDoor);
  $("prev").addEventListener("click", () => api("POST", "/previous"));
  $("block-next").addEventListener("click", () => api("POST", "/agenda/next"));
  $("block-prev").addEventListener("click", () => api("POST", "/agenda/previous"));
  $("agenda-end").addEventListener("click", () => api("POST", "/agenda/end"));
  $("close").addEventListener("click", withCurrent((a) => api("POST", `/activities/${a.id}/close`)));
  $("open").addEventListener("click", withCurrent((a) => api("POST", `/activities/${a.id}/open`)));
  // The moderation card's heading lands just under the sticky bar, not hidden behind it.
  $("to-moderation").addEventListener("click", (event) => {
    event.preventDefault();
    const card = $("moderation-card");
    const bar = $("control-bar").getBoundingClientRect();
    const top = window.scrollY + card.getBoundingClientRect().top - (getComputedStyle($("control-bar")).position === "sticky" ? bar.height : 0) - 8;
    window.scrollTo({ top: Math.max(0, top), behavior: "smooth" });
  });
  $("lobby").addEventListener("click", () => api("POST", "/current", { activity_id: null }));
  $("toggle-presenter").addEventListener("click", withCurrent((a) => api("POST", `/activities/${a.id}/visibility`, { presenter: !a.show_results_presenter })));
  $("toggle-phones").addEventListener("click", withCurrent((a) => api("POST", `/activities/${a.id}/visibility`, { phones: !a.show_results_phones })));
  $("toggle-schedule").addEventListener("click", () => last && api("PATCH", "", { show_schedule: !last.meeting.show_schedule }));
  $("reset").addEventListener("click", () => { $("reset-confirm").hidden = false; });
  $("reset-no").addEventListener("click", () => { $("reset-confirm").hidden = true; });
  $("reset-yes").addEventListener("click", withCurrent((a) => {
    $("reset-confirm").hidden = true;
    api("POST", `/activities/${a.id}/reset`, { confirm: true });
  }));
  for (const button of document.querySelectorAll("[data-download]")) {
    button.addEventListener("click", () => download(button.dataset.download, button));
  }
  $("delete").addEventListener("click", () => { $("delete-confirm").hidden = false; $("delete-yes").focus(); });
  $("delete-no").addEventListener("click", () => { $("delete-confirm").hidden = true; });
  $("delete-yes").addEventListener("click", async () => {
    const response = await api("DELETE", "");
    if (response && response.ok) {
      if (socket) socket.stopped = true;
      $("delete-confirm").hidden = true;
      $("delete").hidden = true;
      $("deleted").hidden = false;
      sessionStorage.removeItem(`kring:key:${location.pathname}`);
    }
  });
}

async function main() {
  await loadStrings();
  me = await facilitator();
  if (!me) {
    $("auth-error").hidden = false;
    return;
  }
  wire();
  const modules = await loadAllKinds();
  kinds = new Map(KIND_NAMES.map((name, i) => [name, modules[i]]));
  role = (await remoteRole(code, apiHeaders(me.headers))) || "host";
  setupRoles(api, role);
  setupSeries(api, role, code, me.headers);
  // The big screen, opened from here with this remote's key (it then also takes → ← and D), or
  // with the facilitator's login when the remote has no key.
  if (me.auth.key) $("big-screen").href = `/m/${code}/present#key=${encodeURIComponent(me.auth.key)}`;
  socket = new LiveSocket(`/ws/${code}/host`, {
    firstMessage: () => me.auth,
    onState: (state) => setConnState($("conn"), state),
    onMessage: (message) => {
      if (message.type === "snapshot") {
        remoteBeside(message.beside, api);
        agenda = message.agenda || null;
        renderAgenda();
        render(message);
        remotePace(message, agenda, api, (kind) => !(kinds.get(kind) || {}).together);
      } else if (message.type === "agenda") {
        agenda = message.agenda;
        renderAgenda();
      } else if (message.type === "signal") {
        showSignal(message);
      } else if (message.type === "error" && message.code === "forbidden") {
        $("auth-error").hidden = false;
      }
    },
  });
  socket.connect();
  if (role !== "moderator") loadMeetingNotes();
}

main();
