// A self-paced questionnaire (vragenlijst) on the phone: its steps one by one at the phone's own
// pace, next and back, a progress bar, and the answers to every step kept. The server stores the
// step this phone is on (a reload comes back to it); answers go the same acknowledged way as ever.
import { el, newId, t } from "./common.js";

export class Pace {
  constructor() {
    this.questionnaire = null; // {id, steps: [activity, …]} from the state frame
    this.step = 0;
    this.furthest = 0;
    this.answers = {}; // activity id -> slot -> {entry_id, value}
    this.drafts = {}; // activity id -> the kind's draft (a text being typed survives next and back)
    this.waiting = null; // the step message not yet acknowledged
    this.early = null; // a pace frame that came before its questionnaire
  }

  get on() {
    return this.questionnaire !== null;
  }

  get length() {
    return this.questionnaire ? this.questionnaire.steps.length : 0;
  }

  // The state frame's questionnaire (null: none open, the phone follows the screen again).
  fromState(questionnaire) {
    if (!questionnaire) {
      this.questionnaire = null;
      return;
    }
    if (!this.questionnaire || this.questionnaire.id !== questionnaire.id) {
      this.step = 0;
      this.furthest = 0;
      this.answers = {};
      this.drafts = {};
      this.waiting = null;
    }
    this.questionnaire = questionnaire;
    if (this.early && this.early.questionnaire_id === questionnaire.id) this.fromPace(this.early);
    this.early = null;
  }

  // Where the server has this phone, and its answers to every step. A move not yet acknowledged
  // wins: the frame may have been built before it arrived.
  fromPace(message) {
    if (!this.questionnaire || this.questionnaire.id !== message.questionnaire_id) {
      this.early = message;
      return;
    }
    for (const [id, slots] of Object.entries(message.answers)) this.answers[id] = slots;
    this.furthest = Math.max(this.furthest, message.furthest);
    if (!this.waiting) this.step = message.step;
  }

  // The activity of the step the phone is on (null: at the end).
  activity() {
    return this.step < this.length ? this.questionnaire.steps[this.step] : null;
  }

  mine(activityId) {
    const key = String(activityId);
    if (!this.answers[key]) this.answers[key] = {};
    return this.answers[key];
  }

  draft(activityId) {
    if (!this.drafts[activityId]) this.drafts[activityId] = {};
    return this.drafts[activityId];
  }

  acked(message) {
    const slots = this.answers[String(message.activity_id)];
    if (!slots) return;
    if (message.withdrawn) delete slots[message.slot];
    else slots[message.slot] = { entry_id: message.entry_id, value: message.value };
  }

  go(step, socket) {
    this.step = Math.max(0, Math.min(step, this.length));
    this.furthest = Math.max(this.furthest, this.step);
    this.waiting = { type: "step", client_id: newId(), questionnaire_id: this.questionnaire.id, step: this.step };
    this.resend(socket);
  }

  resend(socket) {
    if (this.waiting && socket) socket.send(this.waiting);
  }

  stepAcked(message) {
    if (this.waiting && this.waiting.client_id === message.client_id) this.waiting = null;
  }

  // A refused move (the questionnaire closed meanwhile): nothing left to send.
  refused(message) {
    if (this.waiting && this.waiting.client_id === message.client_id) this.waiting = null;
  }

  progress() {
    const n = this.length;
    const done = Math.min(this.step, n);
    return el("div", { class: "pace-progress" },
      el("p", { class: "pace-count", text: this.step < n ? t("Question {n} of {total}", { n: this.step + 1, total: n }) : t("All {total} done", { total: n }) }),
      el("div", { class: "pace-bar", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": String(n), "aria-valuenow": String(done), "aria-label": t("Progress") },
        el("span", { style: `width: ${Math.round((100 * done) / Math.max(n, 1))}%` })));
  }

  nav(socket, render) {
    const move = (to) => () => {
      this.go(to, socket);
      render();
      window.scrollTo(0, 0);
    };
    const last = this.step === this.length - 1;
    return el("nav", { class: "pace-nav", "aria-label": t("Questionnaire") },
      el("button", { class: "button", type: "button", disabled: this.step === 0, onclick: move(this.step - 1), text: t("Back") }),
      el("button", { class: "button button-primary", type: "button", onclick: move(this.step + 1), text: last ? t("Finish") : t("Next") }));
  }

  end(socket, render) {
    return el("section", { class: "card pace-end" },
      el("div", { class: "pace-done", "aria-hidden": "true", text: "✓" }),
      el("h1", { text: t("Thank you, you are done!") }),
      el("p", { text: t("Your answers are in. You can still go back and change them while the questionnaire is open.") }),
      el("button", { class: "button", type: "button", onclick: () => { this.go(this.length - 1, socket); render(); }, text: t("Back to the questions") }));
  }
}
