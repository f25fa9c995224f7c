"""Golden exports: one fixed meeting with every kind, its JSON, CSV, XLSX and report text, held
against tests/golden/. Written before the kinds move into server/kinds/, so that move (and any
refactor after it) shows it changed no export and no report word. A change that is meant goes in
with `KRING_GOLDEN_UPDATE=1 pytest tests/services/test_golden.py` and a reviewed diff."""

from __future__ import annotations

import csv
import html.parser
import io
import json
import os
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from sqlmodel import Session, SQLModel

from server.db.engine import make_engine
from server.db.tables import Meeting
from server.services import exports, sheet
from server.services.export_data import load
from server.services.report import ReportOptions, render_html
from tests.services.test_exports import build

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "every_kind.json"
ZONE = ZoneInfo("Europe/Amsterdam")
# Every moment the database stamps by itself (joins, answers, creation) is set to this one, so the
# golden files hold no clock; the agenda's own moments are build()'s fixed ones.
STAMP = datetime(2024, 5, 1, 8, 0, 0, tzinfo=UTC)
STAMPED = {"created_at", "updated_at", "joined_at", "imported_at", "last_seen_at", "expires_at"}


class _Text(html.parser.HTMLParser):
    """The words a reader sees: text outside <style> and <script>, SVG text included."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"style", "script"}:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"style", "script"}:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.words.append(" ".join(data.split()))


def _text(page: str) -> list[str]:
    parser = _Text()
    parser.feed(page)
    return parser.words


def _cell(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _stamp(session: Session, meeting_id: int) -> None:
    for table in SQLModel.metadata.sorted_tables:
        columns = [c for c in table.columns if c.name in STAMPED]
        if columns:
            session.execute(update(table).values({c.name: STAMP for c in columns}))
    session.execute(update(Meeting).where(Meeting.id == meeting_id).values(code="GOLDEN"))  # type: ignore[arg-type]
    session.commit()


def snapshot(session: Session) -> dict[str, Any]:
    built = build(session)
    _stamp(session, built.meeting_id)
    data = load(session, built.meeting_id)
    document = json.loads(exports.to_json(data))
    with zipfile.ZipFile(io.BytesIO(exports.to_csv_zip(data, ZONE))) as archive:
        csv_files = {
            name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            for name in sorted(archive.namelist())
        }
    workbook = load_workbook(io.BytesIO(exports.to_xlsx(data, ZONE)))
    xlsx = {
        sheet_.title: [[_cell(v) for v in row] for row in sheet_.iter_rows(values_only=True)]
        for sheet_ in workbook.worksheets
    }
    return {
        "json": document,
        "csv": csv_files,
        "xlsx": xlsx,
        "report": _text(render_html(data, ReportOptions(), ZONE)),
        "report_private_no_nicknames": _text(
            render_html(data, ReportOptions(nicknames=False, private=True), ZONE)
        ),
        "draaiboek": _text(sheet.render_html(data, ZONE)),
        **_in_english(session, built.meeting_id),
    }


def _in_english(session: Session, meeting_id: int) -> dict[str, Any]:
    session.execute(update(Meeting).where(Meeting.id == meeting_id).values(language="en"))  # type: ignore[arg-type]
    session.commit()
    data = load(session, meeting_id)
    workbook = load_workbook(io.BytesIO(exports.to_xlsx(data, ZONE)))
    return {
        "report_en": _text(render_html(data, ReportOptions(), ZONE)),
        "xlsx_en_headers": {
            sheet_.title: [_cell(v) for v in next(sheet_.iter_rows(values_only=True))] for sheet_ in workbook
        },
    }


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def test_golden_every_kind_exports_and_report_unchanged(session: Session) -> None:
    got = json.loads(json.dumps(snapshot(session), ensure_ascii=False, default=str))
    if os.environ.get("KRING_GOLDEN_UPDATE") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        text = json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        GOLDEN.write_text(text, encoding="utf-8")
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for part in sorted(want):
        assert got[part] == want[part], f"{part} differs from {GOLDEN.name} (KRING_GOLDEN_UPDATE=1 to accept)"
    assert set(got) == set(want)
