"""Host-only raw data exports of one meeting: versioned JSON (archive), a zip of CSVs, and XLSX.

Everything here is pure: it works on a loaded ``MeetingData`` (``export_data.load``) and returns text or
bytes. Participants appear by export-local numbers (1..n in join order) and answers by entry numbers
(1..n per activity), never by database id; no tokens, keys, IP addresses or join code are written.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from server.domain.errors import DomainError
from server.i18n import say, sayer, words
from server.kinds import REGISTRY, Change, Moderation, get, settings_for, tally_from_rows
from server.services import followup_export, qa_export
from server.services.export_data import ActivityData, AnswerData, MeetingData
from server.text import C_, N_, Text

FORMAT = "kring-export/1"
STEP_IN_PREFIX = "in:"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_MAX = 31
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
COLUMN_WIDTH_MAX = 60
COLUMN_WIDTH_MIN = 8
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
XLSX_TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
XLSX_DATE_FORMAT = "yyyy-mm-dd"

Cell = str | int | float | bool | datetime | None

# The exports' words, said in the meeting's language through the catalogue (server/i18n.py).
LABELS: dict[str, Text] = {
    "number": C_("export column", "No"),
    "participant": N_("Participant"),
    "nickname": N_("Nickname"),
    "answer": N_("Answer"),
    "word": N_("Word"),
    "statement": N_("Statement"),
    "value": N_("Value"),
    "choice": N_("Choice"),
    "group": N_("Group"),
    "insight": N_("Insight"),
    "action": N_("Action"),
    "name": N_("Name"),
    "hidden": N_("Hidden"),
    "time": N_("Time"),
    "yes": N_("yes"),
    "no": N_("no"),
    "summary": N_("Summary"),
    "activity": N_("Activity"),
    "kind": N_("Kind"),
    "answers": N_("Answers"),
    "participants": N_("Participants"),
    "mean": N_("Mean"),
    "title": N_("Title"),
    "theme": N_("Theme"),
    "date": N_("Date"),
}


def labels(language: str) -> dict[str, str]:
    return words(LABELS, language)


def kind_names(language: str) -> dict[str, str]:
    return {name: say(kind.label, language) for name, kind in REGISTRY.items()}


# -- the export-local view of a meeting ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One acknowledged answer, by export-local numbers."""

    number: int  # 1..n within its activity, in the order the answers were first stored
    participant: int  # the participant's export number
    nickname: str | None
    slot: str  # a step-in's slot names the entry number of the word: "in:<number>"
    payload: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    hidden: bool


@dataclass(frozen=True, slots=True)
class Prepared:
    """An activity ready to be written: numbered entries, moderation by entry number, results."""

    number: int
    activity: ActivityData
    settings: dict[str, Any]
    entries: tuple[Entry, ...]
    moderation: Moderation
    results: dict[str, Any]

    @property
    def respondents(self) -> int:
        return len({e.participant for e in self.entries})

    def mean(self) -> float | None:
        """The summary's mean over every answer, where the kind has one."""
        return get(self.activity.kind).mean(self.settings, self.entries)


def participant_numbers(data: MeetingData) -> dict[int, int]:
    """Database id -> export number, 1..n in join order."""
    ordered = sorted(data.participants, key=lambda p: (p.joined_at, p.id))
    return {p.id: number for number, p in enumerate(ordered, 1)}


def prepare(data: MeetingData) -> list[Prepared]:
    numbers = participant_numbers(data)
    nicknames = {numbers[p.id]: p.nickname for p in data.participants}
    return [_prepare(index, a, numbers, nicknames) for index, a in enumerate(data.activities, 1)]


def _prepare(
    number: int, activity: ActivityData, numbers: Mapping[int, int], nicknames: Mapping[int, str | None]
) -> Prepared:
    kind = get(activity.kind)
    try:
        settings = settings_for(kind.name, activity.settings).model_dump(mode="json")
    except DomainError:  # pragma: no cover - stored settings were checked when they were written
        settings = dict(activity.settings)
    kept: list[AnswerData] = []
    local: dict[int, int] = {}
    for answer in activity.answers:
        if answer.participant_id not in numbers:  # pragma: no cover - the foreign key cascades
            continue
        if answer.slot.startswith(STEP_IN_PREFIX) and _step_in_target(answer.slot) not in local:
            continue  # a step-in on a word that is gone (the withdrawal normally takes it along)
        kept.append(answer)
        local[answer.entry_id] = len(kept)
    stored = Moderation.from_json(activity.moderation)
    moderation = Moderation(
        highlighted={local[e] for e in stored.highlighted if e in local},
        hidden_entries={local[e] for e in stored.hidden_entries if e in local},
        hidden_words=set(stored.hidden_words),
        merges=dict(stored.merges),
        profanity_filter_off=stored.profanity_filter_off,
    )
    entries: list[Entry] = []
    for answer in kept:
        slot = answer.slot
        if slot.startswith(STEP_IN_PREFIX):
            slot = f"{STEP_IN_PREFIX}{local[_step_in_target(slot)]}"
        entry_number = local[answer.entry_id]
        participant = numbers[answer.participant_id]
        entry = Entry(
            number=entry_number,
            participant=participant,
            nickname=nicknames.get(participant),
            slot=slot,
            payload=dict(answer.payload),
            created_at=answer.created_at,
            updated_at=answer.updated_at,
            hidden=False,
        )
        entries.append(replace(entry, hidden=kind.hidden(entry, moderation)))
    rows = [Change(e.participant, e.slot, e.number, None, e.payload, e.nickname) for e in entries]
    results = tally_from_rows(kind.name, rows).snapshot(
        settings_for(kind.name, settings), moderation, audience="host"
    )
    return Prepared(number, activity, settings, tuple(entries), moderation, dict(results))


def _step_in_target(slot: str) -> int:
    number = slot.removeprefix(STEP_IN_PREFIX)
    return int(number) if number.isascii() and number.isdigit() else -1


# -- JSON ------------------------------------------------------------------------------------


def utc_text(moment: datetime | None) -> str | None:
    """UTC ISO 8601 with Z; microseconds only when there are any."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


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
            }
            for number, b in enumerate(data.blocks, 1)
        ],
        "participants": [
            {"number": numbers[p.id], "nickname": p.nickname, "joined_at": utc_text(p.joined_at)}
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


def dumps(document: Mapping[str, Any]) -> str:
    """The one spelling of an export: sorted keys, two-space indent, UTF-8 text, final newline."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def to_json(data: MeetingData) -> str:
    return dumps(to_document(data))


# -- tables (CSV and XLSX) -------------------------------------------------------------------


def neutralise(value: str) -> str:
    """Spreadsheets run a cell starting with = + - @ (or tab/CR) as a formula: make it text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def local_time(moment: datetime, zone: tzinfo) -> datetime:
    """A naive datetime on the wall clock of ``zone`` (spreadsheets know no time zones)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).replace(tzinfo=None)


def header(kind: str, language: str) -> list[str]:
    words = labels(language)
    return [
        words["participant"],
        words["nickname"],
        *(say(column, language) for column in get(kind).export_columns),
        words["hidden"],
        words["time"],
    ]


def table(prepared: Prepared, language: str, zone: tzinfo) -> list[list[Cell]]:
    """One row per acknowledged answer, typed: numbers, text, booleans, naive local datetimes."""
    by_number = {e.number: e for e in prepared.entries}
    kind, say_it = get(prepared.activity.kind), sayer(language)
    return [
        [
            e.participant,
            e.nickname,
            *kind.export_row(e, prepared.settings, by_number.get, say_it),
            e.hidden,
            local_time(e.created_at, zone),
        ]
        for e in prepared.entries
    ]


def summary_header(language: str) -> list[str]:
    words = labels(language)
    return [words["number"], words["activity"], words["kind"], words["answers"], words["participants"]]


def summary_rows(prepared: Sequence[Prepared], language: str) -> list[list[Cell]]:
    kinds = kind_names(language)
    return [
        [
            p.number,
            p.activity.prompt,
            kinds.get(p.activity.kind, p.activity.kind),
            len(p.entries),
            p.respondents,
        ]
        for p in prepared
    ]


# -- CSV -------------------------------------------------------------------------------------


def slug(text: str, max_length: int = 40) -> str:
    """ASCII-safe file name part: 'Waar denk jij aan bij Inclusie?' -> 'waar-denk-jij-aan-bij-inclusie'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return words[:max_length].rstrip("-")


def download_name(data: MeetingData, extension: str) -> str:
    """Every download's file name, in the browser as from the CLI: kring-<title>-<date>.<extension>."""
    return f"kring-{slug(data.title) or 'meeting'}-{data.held_on:%Y-%m-%d}.{extension}"


def csv_name(prepared: Prepared) -> str:
    base = f"{prepared.number:02d}-{prepared.activity.kind}"
    part = slug(prepared.activity.prompt)
    return f"{base}-{part}.csv" if part else f"{base}.csv"


def csv_cell(value: Cell, language: str) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return labels(language)["yes" if value else "no"]
    if isinstance(value, int | float):
        return value  # a real number stays a number, minus sign and all
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    return neutralise(value)


def csv_bytes(rows: Sequence[Sequence[Cell]], language: str) -> bytes:
    """UTF-8 with a byte order mark (Excel reads UTF-8 only then), CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(cell, language) for cell in row])
    return out.getvalue().encode("utf-8-sig")


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
        questions = _questions(data, zone)
        if questions is not None:
            add("questions.csv", csv_bytes([questions[0], *questions[1]], language))
    return buffer.getvalue()


# -- XLSX ------------------------------------------------------------------------------------


def sheet_name(prepared: Prepared, taken: set[str]) -> str:
    """Unique (case-insensitively, as Excel compares), at most 31 characters, none of []:*?/\\."""
    text = " ".join(SHEET_FORBIDDEN.sub(" ", prepared.activity.prompt).split()).strip("'")
    base = f"{prepared.number:02d} {text}".strip()[:SHEET_NAME_MAX].rstrip(" '")
    name, suffix = base, 2
    while name.casefold() in taken:
        tail = f" ({suffix})"
        name = base[: SHEET_NAME_MAX - len(tail)].rstrip(" '") + tail
        suffix += 1
    taken.add(name.casefold())
    return name


def xlsx_cell(value: Cell) -> Cell:
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _write(sheet: Worksheet, row: int, values: Sequence[Cell], *, bold: bool = False) -> None:
    for column, value in enumerate(values, 1):
        cell = sheet.cell(row=row, column=column, value=xlsx_cell(value))
        if isinstance(value, datetime):
            cell.number_format = XLSX_TIME_FORMAT
        if bold:
            cell.font = Font(bold=True)


def _size_columns(sheet: Worksheet) -> None:
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            value = cell.value
            if value is None:
                continue
            if isinstance(value, datetime):
                width = 19
            else:
                width = max((len(line) for line in str(value).splitlines()), default=0)
            column = cell.column if isinstance(cell.column, int) else 1
            widths[column] = max(widths.get(column, 0), width)
    for column, width in widths.items():
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = min(max(width + 2, COLUMN_WIDTH_MIN), COLUMN_WIDTH_MAX)


def _table_sheet(sheet: Worksheet, head: Sequence[str], rows: Sequence[Sequence[Cell]], first: int) -> None:
    """A header at row ``first`` (bold, frozen, with an autofilter) and the rows below it."""
    _write(sheet, first, head, bold=True)
    for offset, row in enumerate(rows, 1):
        _write(sheet, first + offset, row)
    sheet.freeze_panes = f"A{first + 1}"
    last = get_column_letter(max(len(head), 1))
    sheet.auto_filter.ref = f"A{first}:{last}{first + max(len(rows), 1)}"


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
    _table_sheet(summary, [*summary_header(language), words["mean"]], rows, first=6)
    _size_columns(summary)

    taken = {summary.title.casefold()}
    for p in prepared:
        sheet = book.create_sheet(sheet_name(p, taken))
        _table_sheet(sheet, header(p.activity.kind, language), table(p, language, zone), first=1)
        _size_columns(sheet)
    questions = _questions(data, zone)
    if questions is not None:
        sheet = book.create_sheet(say(N_("Questions from the floor"), language)[:SHEET_NAME_MAX])
        _table_sheet(sheet, questions[0], questions[1], first=1)
        _size_columns(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
