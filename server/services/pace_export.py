"""Self-paced questionnaires in a meeting's exports and report: their steps are the activities
they are (exported as ever); here, each questionnaire's completion counts, in the JSON export, in
questionnaires.csv and the XLSX's sheet, and in the wrap-up report."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from server.db.tables import maybe_aware
from server.i18n import say
from server.services import questionnaires
from server.text import N_


@dataclass(frozen=True, slots=True)
class Run:
    """One questionnaire as run: its steps (activity ids) and how far the phones got."""

    steps: tuple[int, ...]
    started: int
    completed: int
    done: tuple[int, ...]  # per step: the phones that went past it
    opened_at: datetime
    closed_at: datetime | None


def load(session: Session, meeting_id: int) -> tuple[Run, ...]:
    return tuple(
        Run(
            tuple(found["steps"]),
            found["started"],
            found["completed"],
            tuple(found["done"]),
            maybe_aware(found["opened_at"]) or found["opened_at"],
            maybe_aware(found["closed_at"]),
        )
        for found in questionnaires.completions(session, meeting_id)
    )


def document(
    runs: tuple[Run, ...], activities: Mapping[int, int], utc_text: Callable[[datetime | None], str | None]
) -> dict[str, Any]:
    """The export's ``questionnaires`` (absent without any: older exports keep their bytes). Steps
    are activity numbers, as everywhere in the export."""
    if not runs:
        return {}
    return {
        "questionnaires": [
            {
                "steps": [activities[a] for a in run.steps if a in activities],
                "started": run.started,
                "completed": run.completed,
                "done": list(run.done),
                "opened_at": utc_text(run.opened_at),
                "closed_at": utc_text(run.closed_at),
            }
            for run in runs
        ]
    }


def header() -> list[str]:
    return [
        N_("Questionnaire"),
        N_("Step"),
        N_("Question"),
        N_("Went past this step"),
        N_("Started"),
        N_("Finished"),
    ]


def table(
    runs: tuple[Run, ...], prompts: Mapping[int, str], language: str
) -> tuple[list[str], list[list[Any]]]:
    """One row per step of every questionnaire (questionnaires.csv, the XLSX sheet)."""
    rows: list[list[Any]] = []
    for number, run in enumerate(runs, 1):
        for step, (activity_id, done) in enumerate(zip(run.steps, run.done, strict=True), 1):
            rows.append([number, step, prompts.get(activity_id, ""), done, run.started, run.completed])
    return [say(text, language) for text in header()], rows


def report(runs: tuple[Run, ...], prompts: Mapping[int, str], language: str) -> dict[str, Any] | None:
    """The report's part: per questionnaire, how many started and finished, and per step how many
    went past it."""
    if not runs:
        return None
    return {
        "title": say(N_("Questionnaires at their own pace"), language),
        "runs": [
            {
                "summary": say(
                    N_(
                        "{started} started, {completed} finished all {n} questions",
                        started=run.started,
                        completed=run.completed,
                        n=len(run.steps),
                    ),
                    language,
                ),
                "steps": [
                    {
                        "prompt": prompts.get(activity_id, ""),
                        "done": done,
                        "share": round(100 * done / run.started) if run.started else 0,
                    }
                    for activity_id, done in zip(run.steps, run.done, strict=True)
                ],
            }
            for run in runs
        ],
        "past": say(N_("went past it"), language),
    }
