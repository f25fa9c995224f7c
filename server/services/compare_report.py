"""Before and after in the wrap-up report: for each linked activity, meeting 1 beside this one
(aggregates over matched pseudonyms only; under 3 the reason instead of the figures)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from server.i18n import number, say
from server.services import trends
from server.services.trends import BeforeAfter
from server.text import C_, N_

TITLE = N_("Before and after")
BESIDE = N_("Meeting {before} beside meeting {after}")
MATCHED = N_("Over {n} matched participants: who took part in both meetings with a network pass.")
COLUMNS = (N_("Statement"), N_("Meeting {n}"), N_("Meeting {n}"), C_("before and after", "Change"), "n")
SPREAD = N_("{mean} (± {sd})")


@dataclass(frozen=True, slots=True)
class Compared:
    prompt: str
    before_after: BeforeAfter


def load(session: Session, meeting_id: int) -> tuple[Compared, ...]:
    """Every linked activity of the meeting with a first occurrence before it, in the meeting's order."""
    out = []
    for activity_id, prompt in trends.linked_prompts(session, meeting_id):
        found = trends.before_after(session, meeting_id, activity_id)
        if found is not None:
            out.append(Compared(prompt, found))
    return tuple(out)


def report(items: tuple[Compared, ...], language: str) -> dict[str, Any] | None:
    """The report's section, its numbers and words in the meeting's language; None: nothing linked."""
    if not items:
        return None

    def figure(side: dict[str, Any] | None) -> str:
        if side is None:
            return "–"
        return say(SPREAD, language).format(
            mean=number(side["mean"], language, 2), sd=number(side["sd"], language, 2)
        )

    def change(value: float | None) -> str:
        if value is None:
            return "–"
        return ("+" if value > 0 else "−" if value < 0 else "±") + number(abs(value), language, 2)

    parts = []
    for item in items:
        shown = item.before_after.public(language)
        before, after = shown["before"]["position"], shown["after"]["position"]
        parts.append(
            {
                "prompt": item.prompt,
                "heading": say(BESIDE, language).format(before=before, after=after),
                "matched": say(MATCHED, language).format(n=shown["matched"]),
                "suppressed": shown["suppressed"],
                "columns": [
                    say(COLUMNS[0], language),
                    say(COLUMNS[1], language).format(n=before),
                    say(COLUMNS[2], language).format(n=after),
                    say(COLUMNS[3], language),
                    COLUMNS[4],
                ],
                "rows": [
                    {
                        "text": s["text"],
                        "before": figure(s["before"]),
                        "after": figure(s["after"]),
                        "change": change(s["change"]),
                        "n": s["matched"],
                        "suppressed": s["suppressed"],
                    }
                    for s in shown["statements"]
                ],
            }
        )
    return {"title": say(TITLE, language), "parts": parts}
