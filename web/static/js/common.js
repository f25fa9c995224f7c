// Shared helpers: translations, safe DOM building, a reconnecting websocket.

export const lang = document.body.dataset.lang || "nl";
let strings = {};

// Headers of the pages' API calls: JSON, and the page's language, in which the server writes the
// messages whose details matter (see errors.js).
export function apiHeaders(extra = {}) {
  return { "Content-Type": "application/json", "Accept-Language": lang, ...extra };
}

// Only the strings of this page's script and the modules it loads (the server follows the imports).
const entry = document.querySelector('script[type="module"][src^="/static/js/"]');
const script = entry ? entry.getAttribute("src").slice("/static/js/".length, -".js".length) : "";

// A module loaded only on some pages of a kind (the network pass) brings its own strings.
export async function loadMoreStrings(module) {
  try {
    const response = await fetch(`/i18n/${lang}.json?script=${module}&own=true`);
    if (response.ok) strings = { ...strings, ...(await response.json()) };
  } catch { /* offline: its English msgids stand in */ }
}

export async function loadStrings() {
  try {
    const response = await fetch(`/i18n/${lang}.json${/^[a-z][a-z0-9-]*$/.test(script) ? `?script=${script}` : ""}`);
    if (response.ok) strings = await response.json();
  } catch {
    strings = {};
  }
}

function fill(text, params) {
  for (const [key, value] of Object.entries(params)) {
    text = text.replaceAll(`{${key}}`, String(value));
  }
  return text;
}

// The page scripts use the English msgids of the shared .po catalogue.
export function t(msgid, params = {}) {
  const text = strings[msgid];
  return fill(typeof text === "string" ? text : msgid, params);
}

// Both of Kring's languages have two plural forms, [one, other] in gettext's order; the CSP allows
// no eval of the catalogue's Plural-Forms, and Intl's CLDR rules say the same for nl and en.
const plurals = new Intl.PluralRules(lang);

// "1 antwoord", "2 antwoorden": the catalogue's forms for n, with {n} filled in.
export function ngettext(singular, plural, n, params = {}) {
  const forms = strings[singular];
  const index = plurals.select(n) === "one" ? 0 : 1;
  const text = Array.isArray(forms) ? forms[index] || forms[forms.length - 1] : index === 0 ? singular : plural;
  return fill(text, { n, ...params });
}

// Marks a string for extraction where it is translated later (t(variable)).
export const N_ = (msgid) => msgid;

// Builds elements from text only: user input never becomes HTML.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    // CSSOM, not a style attribute: the CSP allows no inline style attributes.
    else if (key === "style") node.style.cssText = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

export function newId() {
  // crypto.randomUUID needs a secure context; venue LANs are plain http.
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function wsUrl(path) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}${path}`;
}

// A websocket that reconnects with capped exponential backoff and jitter.
// Venue wifi drops without closing sockets (Chromium keeps a socket "open" through an offline spell),
// so the browser's offline event and a silent heartbeat both count as a lost connection.
const HEARTBEAT_MS = 15000;
const SILENT_MS = 40000; // no frame at all (not even the pong) for this long: the socket is dead

export class LiveSocket {
  constructor(path, { onOpen, onMessage, onState, firstMessage } = {}) {
    this.path = path;
    this.onOpen = onOpen || (() => {});
    this.onMessage = onMessage || (() => {});
    this.onState = onState || (() => {});
    this.firstMessage = firstMessage;
    this.attempt = 0;
    this.ws = null;
    this.stopped = false;
    this.timer = null;
    this.heard = 0;
    window.addEventListener("online", () => this.reconnectNow());
    window.addEventListener("offline", () => this.drop());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.reconnectNow();
    });
    setInterval(() => this.heartbeat(), HEARTBEAT_MS);
  }

  get open() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  connect() {
    if (this.stopped) return;
    if (navigator.onLine === false) {
      // The device says it has no network: wait for "online" (or the next backoff step).
      this.onState("offline");
      this.schedule();
      return;
    }
    this.onState("connecting");
    const ws = new WebSocket(wsUrl(this.path));
    this.ws = ws;
    ws.addEventListener("open", () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.heard = Date.now();
      if (this.firstMessage) ws.send(JSON.stringify(this.firstMessage()));
      this.onState("online");
      this.onOpen();
    });
    ws.addEventListener("message", (event) => {
      if (this.ws !== ws) return;
      this.heard = Date.now();
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type !== "pong") this.onMessage(message);
    });
    ws.addEventListener("close", (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (event.code >= 4400 && event.code < 4500) { // refused (a join: 4000 + its HTTP status)
        this.onState("refused", event.code);
        if (event.code !== 4401) return;
      }
      this.onState("offline");
      this.schedule();
    });
  }

  // For good (the participant erased themselves): close, and never reconnect.
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, "stopped");
  }

  // Give up on the current socket at once (it may look open but carry nothing) and retry later.
  drop() {
    const ws = this.ws;
    if (this.stopped || !ws) return;
    this.ws = null;
    try {
      ws.close(4000, "connection lost");
    } catch {
      /* already closing */
    }
    this.onState("offline");
    this.schedule();
  }

  heartbeat() {
    if (!this.open) return;
    if (Date.now() - this.heard > SILENT_MS) this.drop();
    else this.ws.send(JSON.stringify({ type: "ping" }));
  }

  schedule() {
    if (this.stopped || this.timer) return;
    const base = Math.min(15000, 500 * 2 ** this.attempt);
    const delay = base / 2 + Math.random() * (base / 2);
    this.attempt += 1;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  reconnectNow() {
    if (this.stopped || this.open || (this.ws && this.ws.readyState === WebSocket.CONNECTING)) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.attempt = 0;
    this.connect();
  }

  send(message) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }
}

// "12:05", "-0:42" → "+0:42" for overtime: the agenda's countdowns.
export function clock(seconds) {
  const over = seconds < 0;
  const total = Math.abs(Math.trunc(seconds));
  const text = `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
  return over ? `+${text}` : text;
}

// Plan versus actual in the page's language: "5 min achter", "op schema", "3 min voor".
export function deltaLabel(minutes) {
  if (minutes === null || minutes === undefined) return "";
  if (minutes === 0) return t("on schedule");
  return minutes > 0 ? t("{n} min behind", { n: minutes }) : t("{n} min ahead", { n: -minutes });
}

// The live counts with their words: "1 deelnemer · 12 reacties".
export function showCounts(snapshot) {
  document.getElementById("participants").textContent = snapshot.participants;
  document.getElementById("participants-label").textContent = ngettext("participant", "participants", snapshot.participants);
  document.getElementById("responses").textContent = snapshot.responses;
  document.getElementById("responses-label").textContent = ngettext("response", "responses", snapshot.responses);
}

export function setConnState(node, state) {
  if (!node) return;
  node.dataset.state = state;
  node.textContent =
    state === "online" ? t("Connected")
      : state === "offline" ? t("Offline — reconnecting…")
        : state === "refused" ? t("Not connected") : t("Connecting…");
}

// The pages are the same for every code (the server tells a guesser nothing); once the meeting
// is opened, they take its language unless the link chose one (?lang=). true: the page reloads.
export function takeLanguage(language) {
  if (document.body.dataset.langFixed !== undefined || !language || language === lang) return false;
  location.replace(`${location.pathname}?lang=${language}${location.hash}`);
  return true;
}

export function hashKey() {
  const params = new URLSearchParams(location.hash.slice(1));
  const key = params.get("key");
  if (key) sessionStorage.setItem(`kring:key:${location.pathname}`, key);
  return key || sessionStorage.getItem(`kring:key:${location.pathname}`);
}

// Who a facilitator page acts as: the key in its link (#key=…), or else the logged-in owner or
// co-facilitator (the session cookie, with the CSRF token from /api/me). null: neither.
export async function facilitator() {
  const key = hashKey();
  if (key) return { headers: { Authorization: `Bearer ${key}` }, auth: { type: "auth", key } };
  try {
    const response = await fetch("/api/me");
    if (response.ok) {
      const me = await response.json();
      return { headers: { "X-CSRF-Token": me.csrf_token }, auth: { type: "auth" } };
    }
  } catch { /* no connection: no login either */ }
  return null;
}

// The file name the server gives a download (Content-Disposition), as docs/api.md says and the CLI
// writes: kring-<title>-<date>.<ext>. The fallback only if a proxy dropped the header.
function savedName(response, fallback) {
  const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  return match ? match[1] : fallback;
}

// A host-only download (export or report): fetched with the facilitator's headers, saved as a file.
// true when saved; the refusing response (say why with errors.js), or null without a connection.
export async function downloadExport(code, headers, name, button) {
  button.disabled = true;
  try {
    const response = await fetch(`/api/meetings/${code}/${name}`, { headers: { "Accept-Language": lang, ...headers } });
    if (!response.ok) return response;
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: savedName(response, `kring-${code}-${name}`) });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    return true;
  } catch {
    return null;
  } finally {
    button.disabled = false;
  }
}

// A stylesheet that comes with a module (a kind's, the network pass's), so a page carries no rules
// it never uses. Resolves once it loaded; one that fails to load leaves the view plain, not missing.
export function loadStyle(href) {
  if (document.querySelector(`link[href="${href}"]`)) return Promise.resolve();
  return new Promise((resolve) => {
    document.head.append(el("link", { rel: "stylesheet", href, onload: resolve, onerror: resolve }));
  });
}
