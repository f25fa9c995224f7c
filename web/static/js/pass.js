// The network pass on the phone, for a meeting of a series (docs/series.md): join as the same
// pseudonym (the pass's cookie, or the personal code typed here), take the pass (its code and QR),
// and "jouw ontwikkeling", this phone's own answers to a linked activity across the series.
// Loaded only in a meeting of a series: a phone elsewhere never fetches it.
import { apiHeaders, clear, el, loadMoreStrings, loadStyle, t } from "./common.js";
import { responseError } from "./errors.js";

await loadStyle("/static/css/pass.css");

await loadMoreStrings("pass"); // not in the phone's own catalogue: a phone outside a series skips them

const STORED = "kring:pass"; // {code, qr, number, series}: the person's own code, on their device
const state = { code: null, status: null, trend: null, trendFor: null, shown: false, busy: false };

function stored() {
  try {
    return JSON.parse(localStorage.getItem(STORED) || "null");
  } catch {
    return null;
  }
}

function remember(pass) {
  localStorage.setItem(STORED, JSON.stringify(pass));
}

// A code scanned from another device's QR (the join page's #pass=…) waits here for the next join.
export function pendingCode() {
  const own = stored();
  return own ? own.code : null;
}

// Join as the pseudonym: the pass's cookie (body {}), else the code this device keeps, else the
// typed one. Returns the join's body, or null when this device has no pass for this series.
export async function joinWithPass(code, { typed = null, nickname, secret } = {}) {
  const attempts = typed ? [typed] : [null, pendingCode()].filter((c, i) => i === 0 || c);
  for (const passCode of attempts) {
    const body = { nickname, secret };
    if (passCode) body.code = passCode;
    const response = await fetch(`/api/join/${code}/pass/join`, { method: "POST", headers: apiHeaders(), body: JSON.stringify(body) });
    if (response.ok) {
      const joined = await response.json();
      if (passCode) {
        const own = stored();
        remember({ ...(own || {}), code: passCode, number: joined.number });
      }
      return joined;
    }
    if (typed) throw new Error(await responseError(response));
  }
  return null;
}

// The welcome form's field for a code from another device; its maxlength is the server's
// (pass_input_max from GET /api/join/{code}).
export function codeField(form, maxLength) {
  if (document.getElementById("pass-code")) return;
  const field = el("input", { id: "pass-code", maxlength: String(maxLength), autocomplete: "off", autocapitalize: "characters", spellcheck: "false", placeholder: "ABCD-EFGH-JKMN" });
  const note = el("p", { class: "hint", text: t("Took a network pass at an earlier meeting? Type its code to take part as the same pseudonym.") });
  form.querySelector("button").before(el("label", { for: "pass-code" }, t("Your network pass code (optional)")), field, note);
}

async function loadStatus(code) {
  const response = await fetch(`/api/join/${code}/pass`, { headers: apiHeaders() });
  state.status = response.ok ? await response.json() : null;
}

async function take(code, box, onChange) {
  state.busy = true;
  const response = await fetch(`/api/join/${code}/pass`, { method: "POST", headers: apiHeaders() });
  state.busy = false;
  if (!response.ok) {
    box.append(el("p", { class: "notice notice-error", role: "alert", text: await responseError(response) }));
    return;
  }
  const pass = await response.json();
  remember({ code: pass.code, qr: `data:image/svg+xml;base64,${btoa(pass.qr_svg)}`, number: pass.number, series: pass.series_title });
  state.status = { ...(state.status || {}), number: pass.number };
  state.shown = true;
  onChange();
}

function showCode(box) {
  const own = stored();
  if (!own || !own.code) return;
  box.append(
    el("p", { text: t("Your personal code: take it along to another device, or scan the QR code with it.") }),
    el("p", { id: "pass-code-shown", class: "pass-code", text: own.code }),
    own.qr ? el("img", { class: "pass-qr", src: own.qr, alt: t("QR code of your network pass"), width: "160", height: "160" }) : null,
    el("p", { class: "hint", text: t("Nobody else sees this code; Kring keeps only a scrambled form of it.") }),
  );
}

// The pass's card under the activity: the offer, or this phone's pseudonym with its code.
export async function setupPass(code, box) {
  await loadStatus(code);
  const render = () => {
    clear(box);
    const status = state.status;
    if (!status) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    const head = el("h2", { text: t("Network pass") });
    if (status.number === null || status.number === undefined) {
      if (localStorage.getItem(`kring:nopass:${code}`)) {
        box.append(el("button", { class: "button button-small button-quiet", type: "button", onclick: () => { localStorage.removeItem(`kring:nopass:${code}`); render(); } }, t("Network pass")));
        return;
      }
      box.append(head,
        el("p", { text: t("This meeting is part of the series “{title}”. With a network pass Kring recognises you at the next meetings under a pseudonym, and you see your own development. Nothing personal is asked.", { title: status.series_title }) }),
        el("div", { class: "pass-actions" },
          el("button", { id: "take-pass", class: "button button-primary", type: "button", disabled: state.busy, onclick: () => take(code, box, render) }, t("Take a network pass")),
          el("button", { class: "button button-quiet", type: "button", onclick: () => { localStorage.setItem(`kring:nopass:${code}`, "1"); render(); } }, t("No thanks, stay anonymous"))));
      return;
    }
    box.append(head, el("p", { id: "pass-number", text: t("You take part as participant {n} of the series.", { n: status.number }) }));
    if (state.shown) showCode(box);
    else if (stored()) box.append(el("button", { class: "button button-small", type: "button", onclick: () => { state.shown = true; render(); } }, t("Show my code")));
  };
  render();
}

export function hasPass() {
  return Boolean(state.status && state.status.number);
}

// Jouw ontwikkeling: fetched when a linked activity comes up and after each of this phone's acks.
export async function refreshTrend(code, activity, onChange) {
  if (!activity || !activity.series_link || !state.status || !state.status.number) {
    state.trend = null;
    return;
  }
  const response = await fetch(`/api/join/${code}/trend/${activity.id}`, { headers: apiHeaders() });
  if (!response.ok) return;
  state.trend = (await response.json()).trend;
  state.trendFor = activity.id;
  onChange();
}

export function trendCard(activity) {
  const trend = state.trend;
  if (!activity || state.trendFor !== activity.id || !trend || trend.meetings.length === 0) return null;
  const rows = trend.statements.map((text, index) => {
    const points = trend.meetings.filter((m) => m.values[index] !== undefined);
    if (!points.length) return null;
    return el("li", {},
      el("span", { class: "trend-text", text }),
      el("span", { class: "trend-values" },
        points.map((m) => el("span", { class: "trend-point", title: m.title }, t("meeting {n}", { n: m.position }), ": ", el("b", { text: String(m.values[index]) })))));
  }).filter(Boolean);
  if (!rows.length) return null;
  return el("section", { id: "trend", class: "card trend" },
    el("h2", { text: t("Your development") }),
    el("p", { class: "hint", text: t("Your own answers in each meeting of the series ({low} to {high}). Only you see this.", { low: trend.low, high: trend.high }) }),
    el("ul", { class: "trend-list" }, rows));
}
