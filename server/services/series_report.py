"""The series report (HTML, and PDF through the meeting report's Chromium): attendance per meeting,
the trends (meeting 1 beside meeting N for every linked activity) and the actions carried forward
with their follow-through. Aggregates only; every one over fewer than MIN_GROUP people is left out
with the reason (server/domain/series.py)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from sqlmodel import Session

from server import i18n
from server.i18n import say
from server.services import compare_report, followup
from server.services import series as series_service
from server.services.followup_export import counts_view, summary
from server.services.report import STYLESHEET, environment
from server.text import N_, Text

LABELS: dict[str, Text] = {
    "kicker": N_("Series report"),
    "attendance": N_("Attendance per meeting"),
    "meeting": N_("Meeting"),
    "participants": N_("Participants"),
    "with_pass": N_("With a network pass"),
    "no_trends": N_("No activity of this series is linked to an earlier meeting yet."),
    "actions": N_("Actions carried forward"),
    "no_actions": N_("No action cards came back in a later meeting yet."),
    "privacy": N_(
        "Only figures about the group: nobody's own answers, and no figure over fewer than 3 people."
    ),
    "made_with": N_("Made with Kring"),
}


def build(session: Session, series_id: int) -> dict[str, Any]:
    """Everything the report shows, said in the series' language."""
    info = series_service.load(session, series_id)
    language = info.language if info.language in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
    meetings = sorted(info.meetings, key=lambda m: m.position)
    compared: list[compare_report.Compared] = []
    actions: list[dict[str, Any]] = []
    for meeting in meetings:
        compared.extend(compare_report.load(session, meeting.id))
        through = followup.follow_through(session, meeting.id)
        if through is not None and (through.carried or through.answered):
            actions.append(
                {
                    "title": meeting.title,
                    "position": meeting.position,
                    "previous": through.previous_title,
                    "carried": through.carried,
                    "answered": through.answered,
                    "people": through.people,
                    "summary": summary(through, language),
                    **counts_view(through, language),
                }
            )
    return {
        "lang": language,
        "t": {key: say(text, language) for key, text in LABELS.items()},
        "title": info.title,
        "theme": info.theme,
        "attendance": [
            {
                "position": m.position,
                "title": m.title,
                "participants": m.participants,
                "with_pass": m.pseudonyms,
            }
            for m in meetings
        ],
        "pseudonyms": info.pseudonyms,
        # Meeting 1 beside each later meeting, as the meeting reports show it (report_compare.html).
        "comparisons": compare_report.report(tuple(compared), language),
        "actions": actions,
    }


def render_html(data: dict[str, Any]) -> str:
    """One self-contained HTML document (CSS inlined, no JS, no URLs), as the meeting report."""
    template = environment().get_template("series_report.html")
    return template.render(**data, css=Markup(STYLESHEET.read_text(encoding="utf-8")))
