// Quiz: a timed question; the answer is locked once sent. Closing the question is the reveal: the
// right answer with the distribution, the top 10, and on each phone its own score and rank.
import { N_, el, ngettext, t } from "../common.js";
import { kindStyle, sentMark } from "./parts.js";

await kindStyle("quiz");

export const title = N_("Quiz");
export const ownResults = true;
export const together = true; // not in a self-paced questionnaire (results_on_phones_always)

const LETTERS = "ABCDEF";
// When each opening of a question ends on this device's clock: from the server's left_ms on the
// first frame that brought it (the server's clock decides; this only draws the countdown).
const ends = new Map();

function endOf(activity, results) {
  const key = `${activity.id}:${activity.opened_at}`;
  if (!ends.has(key) && results && typeof results.left_ms === "number") ends.set(key, Date.now() + results.left_ms);
  return ends.get(key);
}

function secondsLeft(end) {
  return end === undefined ? null : Math.max(0, Math.ceil((end - Date.now()) / 1000));
}

// A countdown that keeps itself up to date while it is on the page; `done` runs once at zero.
function countdown(end, className, done) {
  const node = el("p", { class: className, role: "timer", "aria-live": "off" });
  const draw = () => {
    const left = secondsLeft(end);
    node.textContent = left === null ? "" : left > 0 ? ngettext("{n} second", "{n} seconds", left) : t("Time is up");
    node.classList.toggle("quiz-timer-low", left !== null && left <= 5);
    return left;
  };
  draw();
  const timer = setInterval(() => {
    const left = draw();
    if (!node.isConnected || left === 0) {
      clearInterval(timer);
      if (left === 0 && node.isConnected && done) done();
    }
  }, 250);
  return node;
}

function optionLabel(index, text) {
  return [el("span", { class: "quiz-letter", "aria-hidden": "true", text: LETTERS[index] }), el("span", { text })];
}

export function phone(card, ctx) {
  const { activity, current, draft, results, own } = ctx;
  const s = activity.settings;
  const entry = current("0");
  const name = ctx.nickname || (own && own.alias);
  if (name) card.append(el("p", { class: "quiz-me" }, t("You play as"), " ", el("b", { text: name })));
  if (activity.status === "closed" && results && results.phase === "reveal") {
    reveal(card, ctx, entry);
    return;
  }
  if (activity.status !== "open") return;
  const end = endOf(activity, results);
  const over = secondsLeft(end) === 0;
  card.append(countdown(end, "quiz-timer", () => ctx.render()));
  if (entry) {
    const chosen = entry.value.options.map((i) => s.options[i]).join(", ");
    card.append(el("p", { class: "quiz-locked" }, t("Your answer is locked:"), " ", el("b", { text: chosen }), " ", sentMark(entry)),
      el("p", { class: "hint", text: t("Watch the screen for the right answer.") }));
    return;
  }
  if (over) {
    card.append(el("p", { class: "notice", role: "status", text: t("Time is up: you did not answer this one.") }));
    return;
  }
  const most = activity.limits.choices;
  const picked = new Set(draft.quiz ?? []);
  const group = el("div", { class: "options quiz-options", role: "group", "aria-label": activity.prompt });
  s.options.forEach((text, index) => {
    const on = picked.has(index);
    group.append(el("button", {
      type: "button", class: on ? "option quiz-option option-on" : "option quiz-option", "aria-pressed": on ? "true" : "false",
      onclick: () => {
        if (most === 1) { ctx.answer("0", { options: [index] }); return; }
        if (on) picked.delete(index);
        else if (picked.size < most) picked.add(index);
        draft.quiz = [...picked];
        ctx.render();
      },
    }, ...optionLabel(index, text)));
  });
  card.append(group);
  if (most > 1) {
    card.append(el("p", { class: "pick-counter", role: "status", text: t("Choose {k} answers", { k: most }) }),
      el("button", { class: "button button-primary button-wide", type: "button", disabled: picked.size === 0, onclick: () => {
        ctx.answer("0", { options: [...picked].sort((a, b) => a - b) });
        delete draft.quiz;
      } }, t("Lock in")));
  }
  card.append(el("p", { class: "hint", text: t("An answer is locked once sent.") }));
}

function reveal(card, ctx, entry) {
  const { results, own } = ctx;
  const mine = new Set(entry ? entry.value.options : []);
  const list = el("ul", { class: "quiz-reveal" });
  for (const option of results.options) {
    const marks = [option.correct ? t("right answer") : null, mine.has(option.index) ? t("your answer") : null].filter(Boolean);
    list.append(el("li", { class: option.correct ? "quiz-answer quiz-right" : "quiz-answer" },
      ...optionLabel(option.index, option.text), marks.length ? el("span", { class: "quiz-mark", text: marks.join(" · ") }) : null));
  }
  card.append(list);
  if (own) {
    const verdict = !own.answered ? t("You did not answer.") : own.correct ? t("Right! +{points} points", { points: own.points }) : t("Not right this time.");
    card.append(el("p", { class: own.correct ? "quiz-verdict quiz-verdict-right" : "quiz-verdict", role: "status", text: verdict }));
    if (own.rank) {
      card.append(el("p", { class: "quiz-own" }, t("Your place: {rank} of {players}", { rank: own.rank, players: own.players }), " · ",
        el("b", { text: ngettext("{n} point", "{n} points", own.total) })));
    }
    if (own.streak > 1) card.append(el("p", { class: "hint", text: t("{n} right in a row", { n: own.streak }) }));
  }
  card.append(board(results.standings, { compact: true }));
}

// The running total's top 10 (a podium after the last quiz question).
function board(standings, { compact = false } = {}) {
  const box = el("section", { class: compact ? "quiz-board quiz-board-compact" : "quiz-board" });
  if (!standings || !standings.top.length) return box;
  box.append(el("h2", { class: "subhead", text: standings.final ? t("Final standings") : t("Top 10") }));
  if (standings.final && !compact) {
    const podium = el("ol", { class: "quiz-podium" });
    for (const entry of standings.top.slice(0, 3)) {
      podium.append(el("li", { class: `quiz-step quiz-step-${entry.rank}` },
        el("span", { class: "quiz-step-name", text: entry.name }), el("span", { class: "quiz-step-total", text: String(entry.total) }),
        el("span", { class: "quiz-step-rank", text: String(entry.rank) })));
    }
    box.append(podium);
  }
  const rows = el("ol", { class: "quiz-top" });
  for (const entry of standings.final && !compact ? standings.top.slice(3) : standings.top) {
    rows.append(el("li", { class: "quiz-row" },
      el("span", { class: "quiz-rank", text: `${entry.rank}.` }), el("span", { class: "quiz-name", text: entry.name }),
      el("span", { class: "quiz-gain", text: entry.points ? `+${entry.points}` : "" }),
      el("span", { class: "quiz-total", text: String(entry.total) })));
  }
  box.append(rows);
  box.append(el("p", { class: "hint", text: t("Question {question} of {questions} · {players} players", standings) }));
  return box;
}

// The remote (host: the right answer at once) and a phone's results card.
export function results(results, activity, { host = false } = {}) {
  const out = el("div", { class: "quiz-results" });
  if (host && results.phase === "open") {
    out.append(countdown(endOf(activity, results), "quiz-timer quiz-timer-small"),
      el("p", { class: "hint", text: t("Close the question to reveal the answer and the top 10.") }));
  }
  out.append(bars(results));
  if (results.right !== null) out.append(el("p", { class: "hint", text: t("{n} of {people} answered right", { n: results.right, people: results.respondents }) }));
  out.append(board(results.standings, { compact: true }));
  return out;
}

function bars(results) {
  const list = el("ul", { class: "bars quiz-bars" });
  for (const option of results.options) {
    const row = el("li", { class: option.correct ? "bar-row quiz-right" : "bar-row" },
      el("div", { class: "bar-label" }, el("span", {}, ...optionLabel(option.index, option.text), option.correct ? el("span", { class: "quiz-tick", text: ` ✓ ${t("right answer")}` }) : null),
        option.count === null ? null : el("span", { class: "bar-figure", text: `${option.count} · ${Math.round(option.percent)}%` })));
    if (option.count !== null) {
      const fill = el("div", { class: option.correct ? "bar-fill bar-top" : "bar-fill" });
      fill.style.width = `${option.percent}%`;
      row.append(el("div", { class: "bar-track" }, fill));
    }
    list.append(row);
  }
  return list;
}

// The big screen: the question with its countdown, then the reveal with the top 10 (or the podium).
export function stage(node, data, activity) {
  if (data.phase === "reveal") {
    node.replaceChildren(el("div", { class: "quiz-stage quiz-stage-reveal" },
      el("div", { class: "quiz-stage-answers" }, bars(data),
        el("p", { class: "hint", text: t("{n} of {people} answered right", { n: data.right, people: data.respondents }) })),
      board(data.standings)));
    return;
  }
  const list = el("ol", { class: "quiz-stage-options" });
  activity.settings.options.forEach((text, index) => list.append(el("li", {}, ...optionLabel(index, text))));
  const parts = [list];
  if (data.phase === "open") parts.unshift(countdown(endOf(activity, data), "quiz-timer quiz-timer-stage"));
  else parts.unshift(el("p", { class: "quiz-timer quiz-timer-stage", text: ngettext("{n} second", "{n} seconds", data.seconds) }));
  node.replaceChildren(el("div", { class: "quiz-stage" }, ...parts));
}
