"""The rows and cells of the CSV and XLSX exports: one table per activity and a summary, typed
cells made safe for spreadsheets (no formulas, no illegal characters), and the sheets' layout."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime, tzinfo

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from server.i18n import say, sayer
from server.kinds import get
from server.services.export_view import Cell, Prepared, kind_names, labels, local_time

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_MAX = 31
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
COLUMN_WIDTH_MAX = 60
COLUMN_WIDTH_MIN = 8
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
XLSX_TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
XLSX_DATE_FORMAT = "yyyy-mm-dd"


def neutralise(value: str) -> str:
    """Spreadsheets run a cell starting with = + - @ (or tab/CR) as a formula: make it text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


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


def write_row(sheet: Worksheet, row: int, values: Sequence[Cell], *, bold: bool = False) -> None:
    for column, value in enumerate(values, 1):
        cell = sheet.cell(row=row, column=column, value=xlsx_cell(value))
        if isinstance(value, datetime):
            cell.number_format = XLSX_TIME_FORMAT
        if bold:
            cell.font = Font(bold=True)


def size_columns(sheet: Worksheet) -> None:
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


def table_sheet(sheet: Worksheet, head: Sequence[str], rows: Sequence[Sequence[Cell]], first: int) -> None:
    """A header at row ``first`` (bold, frozen, with an autofilter) and the rows below it."""
    write_row(sheet, first, head, bold=True)
    for offset, row in enumerate(rows, 1):
        write_row(sheet, first + offset, row)
    sheet.freeze_panes = f"A{first + 1}"
    last = get_column_letter(max(len(head), 1))
    sheet.auto_filter.ref = f"A{first}:{last}{first + max(len(rows), 1)}"
