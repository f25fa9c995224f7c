// The join page opened from a network pass's QR code (/#pass=ABCD-EFGH-JKMN): the code is kept
// on this device (it never went to the server: a fragment is not sent), so the next meeting of the
// series joins under the same pseudonym (pass.js). The fragment is then taken off the address.
const code = new URLSearchParams(location.hash.slice(1)).get("pass");
if (code && /^[0-9A-Za-z -]{12,20}$/.test(code)) {
  let kept = null;
  try {
    kept = JSON.parse(localStorage.getItem("kring:pass") || "null");
  } catch {
    kept = null;
  }
  localStorage.setItem("kring:pass", JSON.stringify({ ...(kept || {}), code, qr: null }));
  history.replaceState(null, "", location.pathname + location.search);
  document.getElementById("pass-kept").hidden = false;
}
