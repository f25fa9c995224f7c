// A new meeting from a draaiboek template: POST /api/meetings, then the links to run it.
import { loadStrings, t } from "./common.js";

const form = document.getElementById("new-form");
const error = document.getElementById("new-error");

async function csrfToken() {
  // Logged in (an instance with accounts): state changes carry the session's CSRF token.
  try {
    const response = await fetch("/api/me");
    if (response.ok) return (await response.json()).csrf_token;
  } catch { /* single-facilitator mode: no session */ }
  return null;
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

async function submit(event) {
  event.preventDefault();
  error.hidden = true;
  const chosen = form.querySelector("input[name=template]:checked");
  const values = {};
  for (const input of chosenValues().querySelectorAll("input[data-placeholder]")) {
    if (input.value.trim()) values[input.dataset.placeholder] = input.value.trim();
  }
  const body = { template: chosen.value, values };
  const title = document.getElementById("title").value.trim();
  if (title) body.title = title;
  const headers = { "Content-Type": "application/json" };
  const csrf = await csrfToken();
  if (csrf) headers["X-CSRF-Token"] = csrf;
  let response;
  try {
    response = await fetch("/api/meetings", { method: "POST", headers, body: JSON.stringify(body) });
  } catch {
    showError(t("No connection to Kring. Try again."));
    return;
  }
  const data = await response.json();
  if (!response.ok) {
    const code = data.error && data.error.code;
    if (code === "login_required") showError(t("Log in first: this Kring has facilitator accounts."));
    else if (code === "invalid_template_values") showError(t("Fill in the theme."));
    else showError((data.error && data.error.message) || t("Something went wrong."));
    return;
  }
  form.hidden = true;
  document.getElementById("created-code").textContent = data.code;
  document.getElementById("created-remote").href = data.host_url;
  document.getElementById("created-presenter").href = data.presenter_url;
  document.getElementById("created").hidden = false;
}

async function main() {
  await loadStrings();
  for (const radio of form.querySelectorAll("input[name=template]")) radio.addEventListener("change", syncPlaceholders);
  syncPlaceholders();
  form.addEventListener("submit", submit);
}

main();
