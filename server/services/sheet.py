"""The draaiboek as one printable page for the facilitator: the notes, and every block in full.

What the remote keeps for the host: the meeting's description and preparation notes (preparation,
set-up, follow-up) and, per block, the planned time, goal, werkvorm, who, materials and the polls.
No answers are in it. Like the report it is one self-contained HTML file (the CSS inlined, no scripts).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from server.i18n import DEFAULT_LANGUAGE, LANGUAGES, words
from server.services import export_view, report
from server.services.export_data import MeetingData
from server.text import N_, Text

LABELS: dict[str, Text] = {
    "kicker": N_("Run sheet"),
    "about": N_("About this meeting"),
    "preparation": N_("Preparation and notes"),
    "program": N_("Programme"),
    "goal": N_("Goal"),
    "who": N_("Who"),
    "materials": N_("Materials"),
    "polls": N_("In Kring"),
    "facilitator_only": N_("facilitator only"),
}


def render_html(data: MeetingData, zone: ZoneInfo) -> str:
    """The page, in the meeting's language; planned times as the report's program computes them."""
    language = data.language if data.language in LANGUAGES else DEFAULT_LANGUAGE
    program = report.program(data, zone)
    blocks: list[dict[str, Any]] = []
    kinds = export_view.kind_names(language)
    rows = program["rows"] if program else []
    for block, row in zip(data.blocks, rows, strict=True):
        blocks.append(
            {
                **row,
                "description": block.description,
                "who": block.who,
                "materials": block.materials,
                "polls": [
                    {
                        "kind": kinds.get(a.kind, a.kind),
                        "prompt": a.prompt,
                        "private": a.private,
                    }
                    for a in data.activities
                    if a.block_id == block.id
                ],
            }
        )
    template = report.environment().get_template("draaiboek.html")
    return template.render(
        lang=language,
        t={**report.labels(language), **words(LABELS, language)},
        title=data.title,
        theme=data.theme,
        date=report.long_date(data.held_on, zone, language),
        description=data.description,
        preparation=data.preparation,
        blocks=blocks,
        planned_minutes=program["planned_minutes"] if program else 0,
        css=Markup(report.STYLESHEET.read_text(encoding="utf-8")),
    )
