"""Actions carried forward in a meeting's exports and report: each follow-up by participant
number in the JSON, CSV and XLSX exports (the facilitator's files, as every answer is), and in the
report only the group's totals, suppressed under MIN_GROUP people with the reason
(server/domain/series.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from server.db.tables import ActionFollowUp
from server.i18n import say
from server.services import followup
from server.services.followup import STATUSES, FollowThrough
from server.text import N_, Text

STATUS_LABELS = {"done": N_("Done"), "partly": N_("Partly"), "not_yet": N_("Not yet")}


@dataclass(frozen=True, slots=True)
class FollowUpData:
    """The follow-ups given in a meeting on the actions of the series' previous one."""

    through: FollowThrough
    rows: tuple[tuple[int, str, str], ...]  # (participant id, status, note), oldest first


def load(session: Session, meeting_id: int) -> FollowUpData | None:
    """None outside a series, in its first meeting, or when no card came back to anyone here."""
    through = followup.follow_through(session, meeting_id)
    if through is None or (through.carried == 0 and through.answered == 0):
        return None
    rows = session.execute(
        select(col(ActionFollowUp.participant_id), col(ActionFollowUp.status), col(ActionFollowUp.note))
        .where(col(ActionFollowUp.meeting_id) == meeting_id)
        .order_by(col(ActionFollowUp.updated_at), col(ActionFollowUp.id))
    ).all()
    return FollowUpData(through, tuple((int(p), str(s), str(n)) for p, s, n in rows))


def document(data: FollowUpData | None, numbers: Mapping[int, int]) -> dict[str, Any]:
    """The export's ``follow_ups`` (absent when there are none: older exports keep their bytes)."""
    if data is None:
        return {}
    return {
        "follow_ups": {
            "previous_meeting": data.through.previous_title,
            "carried": data.through.carried,
            "answers": [
                {"participant": numbers[p], "status": status, "note": note}
                for p, status, note in data.rows
                if p in numbers
            ],
        }
    }


def header() -> list[Text]:
    return [N_("Participant"), N_("Series number"), N_("Nickname"), N_("Status"), N_("Note")]


def table(
    data: FollowUpData | None,
    numbers: Mapping[int, int],
    people: Mapping[int, tuple[int | None, str | None]],
    language: str,
) -> tuple[list[str], list[list[Any]]] | None:
    """The header and one row per follow-up, by participant number (follow-ups.csv, the XLSX
    sheet); ``people`` gives each participant's series number and nickname. None without any."""
    if data is None:
        return None
    rows: list[list[Any]] = [
        [numbers[p], *people.get(p, (None, None)), say(STATUS_LABELS[status], language), note]
        for p, status, note in sorted(data.rows, key=lambda row: numbers.get(row[0], 0))
        if p in numbers
    ]
    return [say(text, language) for text in header()], rows


def report(data: FollowUpData | None, language: str) -> dict[str, Any] | None:
    """The report's "follow-through": how many actions came back and the totals per status, or
    why the totals are not shown."""
    if data is None:
        return None
    through = data.through
    return {
        "title": say(N_("Actions of last time: the follow-through"), language),
        "summary": summary(through, language),
        **counts_view(through, language),
    }


def summary(through: FollowThrough, language: str) -> str:
    return say(
        N_(
            "{answered} of {carried} actions from “{previous}” got a follow-up ({people} people).",
            answered=through.answered,
            carried=through.carried,
            previous=through.previous_title,
            people=through.people,
        ),
        language,
    )


def counts_view(through: FollowThrough, language: str) -> dict[str, Any]:
    """The totals per status (``rows``), or the reason they are left out (``suppressed``)."""
    if through.suppressed is not None:
        return {"rows": [], "suppressed": say(through.suppressed.reason, language)}
    counts = through.counts or {}
    rows = [{"label": say(STATUS_LABELS[s], language), "count": counts.get(s, 0)} for s in STATUSES]
    return {"rows": rows, "suppressed": None}
