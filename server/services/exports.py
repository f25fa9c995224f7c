"""Host-only raw data exports of one meeting: versioned JSON (archive), a zip of CSVs, and XLSX.

Everything here is pure: it works on a loaded ``MeetingData`` (``export_data.load``) and returns text or
bytes. Participants appear by export-local numbers (1..n in join order) and answers by entry numbers
(1..n per activity), never by database id; no tokens, keys, IP addresses or join code are written.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from datetime import tzinfo
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from server.i18n import say
from server.services import followup_export, pace_export, qa_export
from server.services.export_cells import (
    SHEET_NAME_MAX,
    XLSX_DATE_FORMAT,
    csv_bytes,
    csv_name,
    header,
    sheet_name,
    size_columns,
    slug,
    summary_header,
    summary_rows,
    table,
    table_sheet,
    xlsx_cell,
)
from server.services.export_data import MeetingData
from server.services.export_view import Cell, labels, local_time, participant_numbers, prepare, utc_text
from server.text import N_, Text

FORMAT = "kring-export/1"


def to_document(data: MeetingData) -> dict[str, Any]:
    """The export as plain JSON values (see docs/export-format.md and server/services/export_schema.json)."""
    block_numbers = {b.id: number for number, b in enumerate(data.blocks, 1)}
    numbers = participant_numbers(data)
    participants = sorted(data.participants, key=lambda p: numbers[p.id])
    return {
        "format": FORMAT,
        "meeting": {
            "title": data.title,
            "theme": data.theme,
            "language": data.language,
            "created_at": utc_text(data.created_at),
            "retention_days": data.retention_days,
            "description": data.description,
            "preparation": data.preparation,
        },
        "agenda": {
            "current_block": block_numbers.get(data.current_block_id)
            if data.current_block_id is not None
            else None,
            "started_at": utc_text(data.agenda_started_at),
            "ended_at": utc_text(data.agenda_ended_at),
        },
        "blocks": [
            {
                "number": number,
                "title": b.title,
                "goal": b.goal,
                "description": b.description,
                "who": b.who,
                "materials": b.materials,
                "essential": b.essential,
                "is_break": b.is_break,
                "start_time": b.start_time,
                "duration_minutes": b.duration_minutes,
                "started_at": utc_text(b.started_at),
                "entered_at": utc_text(b.entered_at),
                "spent_seconds": b.spent_seconds,
                **({"self_paced": True} if b.self_paced else {}),  # absent: older exports keep their bytes
            }
            for number, b in enumerate(data.blocks, 1)
        ],
        "participants": [
            {
                "number": numbers[p.id],
                "nickname": p.nickname,
                "joined_at": utc_text(p.joined_at),
                # In a series, the pseudonym's number there (never its code or secret); absent
                # without a pass, so exports of meetings outside a series keep their bytes.
                **({"series_number": p.series_number} if p.series_number is not None else {}),
            }
            for p in participants
        ],
        "activities": [
            {
                "number": p.number,
                "kind": p.activity.kind,
                "prompt": p.activity.prompt,
                "settings": p.settings,
                "status": p.activity.status,
                "visibility": {
                    "presenter": p.activity.show_results_presenter,
                    "phones": p.activity.show_results_phones,
                },
                "moderation": p.moderation.to_json(),
                "block": block_numbers.get(p.activity.block_id) if p.activity.block_id is not None else None,
                "answers": [
                    {
                        "entry": e.number,
                        "participant": e.participant,
                        "slot": e.slot,
                        "payload": e.payload,
                        "created_at": utc_text(e.created_at),
                        "updated_at": utc_text(e.updated_at),
                    }
                    for e in p.entries
                ],
                "results": p.results,
            }
            for p in prepare(data)
        ],
        **_beside(data, numbers),
        **followup_export.document(data.follow_ups, numbers),
        **pace_export.document(
            data.questionnaires, {a.id: n for n, a in enumerate(data.activities, 1)}, utc_text
        ),
    }


def _beside(data: MeetingData, numbers: Mapping[int, int]) -> dict[str, Any]:
    """Q&A and reactions, only for a meeting that used them: older exports keep their bytes."""
    if data.beside is None or data.beside.empty:
        return {}
    activities = {a.id: number for number, a in enumerate(data.activities, 1)}
    return {"beside": qa_export.document(data.beside, numbers, activities, utc_text)}


def _questions(data: MeetingData, zone: tzinfo) -> tuple[list[str], list[list[Cell]]] | None:
    """The Q&A's table (questions.csv, the XLSX's questions sheet), or None without questions."""
    if data.beside is None or not data.beside.questions:
        return None
    return qa_export.table(data.beside, data.language, lambda moment: local_time(moment, zone))


def _series(data: MeetingData, zone: tzinfo) -> tuple[list[str], list[list[Cell]]] | None:
    """In a meeting of a series, the participants with their series number (participants.csv, the
    XLSX's participants sheet), never the pass's code or secret; None outside a series, so those
    exports keep their files."""
    if all(p.series_number is None for p in data.participants):
        return None
    numbers = participant_numbers(data)
    words = labels(data.language)
    head = [words["participant"], say(N_("Series number"), data.language), words["nickname"]]
    rows: list[list[Cell]] = [
        [numbers[p.id], p.series_number, p.nickname, local_time(p.joined_at, zone)]
        for p in sorted(data.participants, key=lambda p: numbers[p.id])
    ]
    return [*head, say(N_("Joined at"), data.language)], rows


def _follow_ups(data: MeetingData) -> tuple[list[str], list[list[Cell]]] | None:
    """The follow-ups on the previous meeting's action cards (follow-ups.csv, the XLSX sheet)."""
    people = {p.id: (p.series_number, p.nickname) for p in data.participants}
    return followup_export.table(data.follow_ups, participant_numbers(data), people, data.language)


def _sections(data: MeetingData, zone: tzinfo) -> list[tuple[str, Text, tuple[list[str], list[list[Cell]]]]]:
    """The meeting's tables beside the activities, each as (CSV name, sheet name, table), in order;
    only those the meeting has."""
    language = data.language
    sections: list[tuple[str, Text, tuple[list[str], list[list[Cell]]] | None]] = [
        ("participants.csv", N_("Participants"), _series(data, zone)),
        ("follow-ups.csv", N_("Follow-ups"), _follow_ups(data)),
        ("questions.csv", N_("Questions from the floor"), _questions(data, zone)),
        (
            "questionnaires.csv",
            N_("Questionnaires"),
            pace_export.table(data.questionnaires, {a.id: a.prompt for a in data.activities}, language)
            if data.questionnaires
            else None,
        ),
    ]
    return [(name, sheet, part) for name, sheet, part in sections if part is not None]


def dumps(document: Mapping[str, Any]) -> str:
    """The one spelling of an export: sorted keys, two-space indent, UTF-8 text, final newline."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def to_json(data: MeetingData) -> str:
    return dumps(to_document(data))


def download_name(data: MeetingData, extension: str) -> str:
    """Every download's file name, in the browser as from the CLI: kring-<title>-<date>.<extension>."""
    return f"kring-{slug(data.title) or 'meeting'}-{data.held_on:%Y-%m-%d}.{extension}"


def to_csv_zip(data: MeetingData, zone: tzinfo) -> bytes:
    """A zip: meeting.csv (one row per activity) and one CSV per activity (NN-kind-slug.csv)."""
    language = data.language
    prepared = prepare(data)
    stamp = local_time(data.held_on, zone).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, content: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)

        add("meeting.csv", csv_bytes([summary_header(language), *summary_rows(prepared, language)], language))
        for p in prepared:
            add(
                csv_name(p),
                csv_bytes([header(p.activity.kind, language), *table(p, language, zone)], language),
            )
        for name, _sheet, (head, rows) in _sections(data, zone):
            add(name, csv_bytes([head, *rows], language))
    return buffer.getvalue()


def to_xlsx(data: MeetingData, zone: tzinfo) -> bytes:
    """A workbook: the summary sheet, then one sheet per activity with its acknowledged answers."""
    language = data.language
    words = labels(language)
    prepared = prepare(data)
    book = Workbook()
    book.properties.creator = "Kring"
    summary = cast(Worksheet, book.active)
    summary.title = words["summary"]
    summary.cell(row=1, column=1, value=words["title"]).font = Font(bold=True)
    summary.cell(row=1, column=2, value=xlsx_cell(data.title))
    summary.cell(row=2, column=1, value=words["theme"]).font = Font(bold=True)
    summary.cell(row=2, column=2, value=xlsx_cell(data.theme))
    summary.cell(row=3, column=1, value=words["date"]).font = Font(bold=True)
    held = summary.cell(row=3, column=2, value=local_time(data.held_on, zone))
    held.number_format = XLSX_DATE_FORMAT
    summary.cell(row=4, column=1, value=words["participants"]).font = Font(bold=True)
    summary.cell(row=4, column=2, value=len(data.participants))
    rows = [[*row, p.mean()] for row, p in zip(summary_rows(prepared, language), prepared, strict=True)]
    table_sheet(summary, [*summary_header(language), words["mean"]], rows, first=6)
    size_columns(summary)

    taken = {summary.title.casefold()}
    for p in prepared:
        sheet = book.create_sheet(sheet_name(p, taken))
        table_sheet(sheet, header(p.activity.kind, language), table(p, language, zone), first=1)
        size_columns(sheet)
    for _name, title, (head, rows) in _sections(data, zone):
        sheet = book.create_sheet(say(title, language)[:SHEET_NAME_MAX])
        table_sheet(sheet, head, rows, first=1)
        size_columns(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
