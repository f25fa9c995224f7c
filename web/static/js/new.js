// A new meeting from a draaiboek template (a builtin, or your own YAML file checked on the way):
// POST /api/meetings, then the links to run it.
import { apiHeaders, el, loadStrings, t } from "./common.js";
import { errorText } from "./errors.js";

const form = document.getElementById("new-form");
const error = document.getElementById("new-error");
const own = { yaml: document.getElementById("own-yaml"), file: null, ok: false, timer: null };

// Logged in (an instance with accounts): state changes carry the session's CSRF token, which the
// server put on the form (empty without a session: single-facilitator mode).
function csrfToken() {
  return form.dataset.csrf || null;
}

function showError(text) {
  error.textContent = text;
  error.hidden = false;
}

function chosenValues() {
  const chosen = form.querySelector("input[name=template]:checked");
  return form.querySelector(`.template-values[data-template="${chosen.value}"]`);
}

function syncPlaceholders() {
  const shown = chosenValues();
  for (const group of form.querySelectorAll(".template-values")) group.hidden = group !== shown;
}

// Your own template: checked by the server (POST /api/templates/check) as you type or upload; its
// placeholders become fields, a problem shows with its line ("mijn.yaml:7: …").
async function checkOwn() {
  await stringsLoaded;
  const status = document.getElementById("own-status");
  const fields = document.getElementById("own-values");
  own.ok = false;
  if (!own.yaml.value.trim()) { status.textContent = ""; fields.replaceChildren(); return; }
  let response;
  try {
    response = await fetch("/api/templates/check", {
      method: "POST", headers: await headers(), body: JSON.stringify({ yaml: own.yaml.value, file: own.file }),
    });
  } catch {
    status.textContent = t("No connection to Kring. Try again.");
    return;
  }
  const verdict = await response.json();
  if (!response.ok || !verdict.valid) {
    status.textContent = errorText(verdict.error || { code: `http_${response.status}` });
    status.className = "notice notice-error";
    fields.replaceChildren();
    return;
  }
  const data = verdict.template;
  own.ok = true;
  status.className = "hint";
  status.textContent = t("{title}: {blocks} blocks, {activities} activities, {minutes} min", {
    title: data.title.replace(/\{\{\s*[a-z0-9_]+\s*\}\}/g, "…"), blocks: data.blocks, activities: data.activities, minutes: data.minutes,
  });
  const kept = Object.fromEntries([...fields.querySelectorAll("input")].map((i) => [i.dataset.placeholder, i.value]));
  fields.replaceChildren(...data.placeholders.flatMap((p) => [
    el("label", { for: `value-own-${p.name}`, text: p.label }),
    el("input", { id: `value-own-${p.name}`, "data-placeholder": p.name, maxlength: 200, autocomplete: "off",
      value: kept[p.name] ?? p.default ?? "" }),
  ]));
}

function ownChanged() {
  clearTimeout(own.timer);
  own.timer = setTimeout(checkOwn, 400);
}

async function readFile(event) {
  const file = event.target.files[0];
  if (!file) return;
  own.file = file.name;
  own.yaml.value = await file.text();
  checkOwn();
}

async function headers() {
  const csrf = csrfToken();
  return apiHeaders(csrf ? { "X-CSRF-Token": csrf } : {});
}

async function submit(event) {
  event.preventDefault();
  await stringsLoaded;
  error.hidden = true;
  const chosen = form.querySelector("input[name=template]:checked");
  const values = {};
  for (const input of chosenValues().querySelectorAll("input[data-placeholder]")) {
    if (input.value.trim()) values[input.dataset.placeholder] = input.value.trim();
  }
  if (!chosen.value && !own.yaml.value.trim()) {
    showError(t("Upload or paste your draaiboek first."));
    return;
  }
  const body = chosen.value ? { template: chosen.value, values } : { template_yaml: own.yaml.value, template_file: own.file, values };
  const title = document.getElementById("title").value.trim();
  if (title) body.title = title;
  let response;
  let seriesKey = null;
  try {
    const series = form.querySelector("input[name=series]:checked").value;
    if (series === "new") {
      // A new series first (its key opens it, shown once), then this meeting as its first.
      const title = document.getElementById("series-title").value.trim();
      if (!title) {
        showError(t("Give the series a title."));
        return;
      }
      const made = await fetch("/api/series", { method: "POST", headers: await headers(), body: JSON.stringify({ title, theme: values.thema || "" }) });
      const created = await made.json();
      if (!made.ok) {
        showError(errorText(created.error || { code: `http_${made.status}` }));
        return;
      }
      seriesKey = created.key;
      response = await fetch(`/api/series/${created.id}/meetings`, { method: "POST", headers: apiHeaders({ Authorization: `Bearer ${created.key}` }), body: JSON.stringify(body) });
    } else if (series) {
      response = await fetch(`/api/series/${series}/meetings`, { method: "POST", headers: await headers(), body: JSON.stringify(body) });
    } else {
      response = await fetch("/api/meetings", { method: "POST", headers: await headers(), body: JSON.stringify(body) });
    }
  } catch {
    showError(t("No connection to Kring. Try again."));
    return;
  }
  const data = await response.json();
  if (!response.ok) {
    const code = data.error && data.error.code;
    if (code === "login_required") showError(t("Log in first: this Kring has facilitator accounts."));
    else if (code === "invalid_template_values") showError(chosen.value ? t("Fill in the theme.") : t("Fill in every field of your draaiboek."));
    else showError(errorText(data.error || { code: `http_${response.status}` }));
    return;
  }
  const links = { code: data.code, remote: data.host_url, presenter: data.presenter_url, position: data.position || null, seriesKey };
  // The keys are shown only once: this tab keeps them, so Back or a reload does not lose them.
  sessionStorage.setItem(CREATED, JSON.stringify(links));
  showCreated(links);
}

const CREATED = "kring:new:created";

function showCreated(links) {
  form.hidden = true;
  document.getElementById("created-code").textContent = links.code;
  document.getElementById("created-remote").href = links.remote;
  document.getElementById("created-presenter").href = links.presenter;
  const series = document.getElementById("created-series");
  series.hidden = !links.position;
  if (links.position) {
    series.textContent = t("Meeting {n} of the series.", { n: links.position }) + (links.seriesKey ? " " + t("The series key (shown once): {key}", { key: links.seriesKey }) : "");
  }
  document.getElementById("created").hidden = false;
}

function restoreCreated() {
  try {
    const links = JSON.parse(sessionStorage.getItem(CREATED) || "null");
    if (links && links.code && links.remote && links.presenter) showCreated(links);
  } catch { /* nothing kept */ }
}

function another() {
  sessionStorage.removeItem(CREATED);
  form.reset();
  syncPlaceholders();
  document.getElementById("created").hidden = true;
  form.hidden = false;
}

// The listeners go on before the strings have loaded: a file picked in that moment is still read
// (its check waits for the strings, so its verdict is in the page's language).
const stringsLoaded = loadStrings();

// A logged-in facilitator's series: the meeting can be the next of one of them.
async function mySeries() {
  const box = document.getElementById("series-mine");
  if (!csrfToken()) return;
  const response = await fetch("/api/series", { headers: apiHeaders() });
  if (!response.ok) return;
  for (const series of await response.json()) {
    box.append(el("label", { class: "template-choice" }, el("input", { type: "radio", name: "series", value: String(series.id) }), " ",
      el("span", { text: t("The next meeting ({n}) of “{title}”", { n: series.meetings.length + 1, title: series.title }) })));
  }
  syncSeries();
}

function syncSeries() {
  const chosen = form.querySelector("input[name=series]:checked");
  document.getElementById("series-new").hidden = !chosen || chosen.value !== "new";
  for (const radio of form.querySelectorAll("input[name=series]")) radio.onchange = syncSeries;
}

async function main() {
  for (const radio of form.querySelectorAll("input[name=template]")) radio.addEventListener("change", syncPlaceholders);
  syncSeries();
  own.yaml.addEventListener("input", () => { own.file = null; ownChanged(); });
  document.getElementById("own-file").addEventListener("change", readFile);
  form.addEventListener("submit", submit);
  document.getElementById("another").addEventListener("click", another);
  // Back to this page (from the bfcache or loaded again): the meeting just made, with its links.
  restoreCreated();
  window.addEventListener("pageshow", restoreCreated);
  await stringsLoaded;
  syncPlaceholders();
  mySeries();
}

main();
