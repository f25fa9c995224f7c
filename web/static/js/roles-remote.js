// The roles on the remote: what this remote may do (GET …/access: a moderator's remote has no
// agenda or activity controls), the host's card to make and revoke the keys of a co-facilitator,
// a timekeeper and a moderator (each link shown once, with its QR code), and the timekeeper's
// "nog 5 minuten" signal arriving.
import { N_, clear, el, t } from "./common.js";

const ROLES = [
  ["cohost", N_("Co-facilitator"), N_("A second host on their own device: everything but the keys and deleting the meeting.")],
  ["timekeeper", N_("Timekeeper"), N_("Sees only the agenda clock, plan against actual and the advice; can signal you “5 more minutes”.")],
  ["moderator", N_("Moderator"), N_("Can hide, highlight and merge answers and moderate questions; cannot move the agenda or open activities.")],
];
const $ = (id) => document.getElementById(id);

// "host", "cohost", "moderator" (or "" when the remote cannot tell): only the host's key or a
// facilitator's session may make keys.
export async function remoteRole(code, headers) {
  try {
    const response = await fetch(`/api/meetings/${code}/access`, { headers });
    if (response.ok) return (await response.json()).role;
  } catch { /* offline: the host's controls stay */ }
  return "";
}

export async function setupRoles(api, role) {
  if (role) document.body.dataset.role = role;
  if (role !== "host") return;
  const response = await api("GET", "/roles");
  if (!response || !response.ok) return;
  const active = (await response.json()).roles;
  const list = clear($("roles"));
  for (const [name, label, about] of ROLES) {
    const shown = el("div", { class: "role-shown" });
    const revoke = el("button", { class: "button button-small button-danger", type: "button", hidden: !active[name] }, t("Revoke"));
    const make = el("button", { class: "button button-small", type: "button" }, active[name] ? t("New link") : t("Make a link"));
    make.addEventListener("click", async () => {
      const made = await api("POST", `/roles/${name}`);
      if (!made || !made.ok) return;
      const key = await made.json();
      // The key is shown this once (only its hash is kept): scan the code or copy the link.
      shown.replaceChildren(
        el("img", { class: "role-qr", src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(key.qr_svg)}`, alt: t("QR code of the link for the {role}", { role: t(label) }) }),
        el("input", { class: "role-link", type: "text", readonly: "", value: key.url, "aria-label": t("Link for the {role}", { role: t(label) }) }));
      revoke.hidden = false;
      make.textContent = t("New link");
    });
    revoke.addEventListener("click", async () => {
      const done = await api("DELETE", `/roles/${name}`);
      if (!done || !done.ok) return;
      shown.replaceChildren(el("p", { class: "hint", role: "status", text: t("Revoked: the link no longer works.") }));
      revoke.hidden = true;
      make.textContent = t("Make a link");
    });
    list.append(el("li", { class: "role-item", "data-role-name": name },
      el("b", { text: t(label) }), el("p", { class: "hint", text: t(about) }),
      el("div", { class: "button-row" }, make, revoke), shown));
  }
  $("roles-card").hidden = false;
}

export function showSignal(message) {
  const node = $("signal");
  const at = new Date(message.at).toLocaleTimeString(document.body.dataset.lang, { hour: "2-digit", minute: "2-digit" });
  node.textContent = t("Timekeeper ({time}): {n} more minutes.", { time: at, n: message.minutes });
  node.hidden = false;
  clearTimeout(showSignal.timer);
  showSignal.timer = setTimeout(() => { node.hidden = true; }, 120000);
}
