// The facilitator's account page: invite a co-facilitator to a meeting by the email address of
// their Kring account; they then run it with their own login, no password or key shared.
import { apiHeaders, loadStrings, t } from "./common.js";
import { errorText } from "./errors.js";

const csrf = document.body.dataset.csrf;
// The one field here is the email address: an invalid request is an invalid address.
const MESSAGES = {
  invalid_request: () => t("That is not an email address."),
};

async function invite(form) {
  const meeting = form.closest("[data-code]");
  const result = form.querySelector(".invite-result");
  const button = form.querySelector("button");
  const email = form.elements.email.value.trim();
  button.disabled = true;
  try {
    const response = await fetch(`/api/meetings/${meeting.dataset.code}/cohosts`, {
      method: "POST",
      headers: apiHeaders({ "X-CSRF-Token": csrf }),
      body: JSON.stringify({ email }),
    });
    const body = await response.json().catch(() => ({}));
    result.classList.toggle("notice-error", !response.ok);
    if (response.ok) {
      const list = meeting.querySelector(".cohost-list");
      const emails = new Set(list.textContent.split(",").map((e) => e.trim()).filter(Boolean));
      emails.add(body.email);
      list.textContent = [...emails].sort().join(", ");
      meeting.querySelector(".cohosts").hidden = false;
      result.textContent = t("{email} can now run this meeting with their own login.", { email: body.email });
      form.elements.email.value = "";
    } else {
      const code = body.error && body.error.code;
      result.textContent = MESSAGES[code] ? MESSAGES[code]() : errorText(body.error || { code: `http_${response.status}` });
    }
  } catch {
    result.classList.add("notice-error");
    result.textContent = t("No connection to the Kring server.");
  } finally {
    result.hidden = false;
    button.disabled = false;
  }
}

for (const form of document.querySelectorAll(".invite-form")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    invite(form);
  });
}
loadStrings();
