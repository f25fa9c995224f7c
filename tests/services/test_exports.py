"""Exports (JSON, CSV zip, XLSX) and JSON import, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from jsonschema import Draft202012Validator
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select, update
from sqlmodel import Session, col

from server.db.engine import make_engine
from server.db.tables import Activity, AgendaBlock, Answer, Meeting, Participant, Submission
from server.domain.errors import DomainError
from server.realtime.messages import AnswerIn
from server.realtime.room import Room
from server.services import archive, export_cells, exports, meetings, participants
from server.services.answers import commit_batch
from server.services.export_data import load
from tests.factories import AnswerWriter

ROOT = Path(__file__).resolve().parent.parent.parent
SCHEMA = json.loads((ROOT / "server" / "services" / "export_schema.json").read_text(encoding="utf-8"))
ZONE = ZoneInfo("Europe/Amsterdam")
FORMULA = '=HYPERLINK("http://x","y")'
NO, YES = "nee", "ja"


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


@dataclass
class Built:
    meeting_id: int
    activities: dict[str, int]
    # Per activity, the acknowledged answers as the exports spell them (without the time column):
    # participant number, nickname, the kind's fields, hidden.
    expected: dict[str, list[tuple[Any, ...]]]


def build(session: Session, *, close_all: bool = True) -> Built:
    created = meetings.create_meeting(session, "Terugkomdag", "Inclusie", "nl")
    m = created.meeting.id
    spec: list[tuple[str, str, str, dict[str, Any] | None]] = [
        ("open", "open", "Wat is je =vraag?", {"max_answers": 2, "private": True}),
        ("wordcloud", "wordcloud", "Waar denk jij aan bij Inclusie?", None),
        ("stars", "scales", "Klaar voor actieleren?", None),
        (
            "numeric",
            "scales",
            "Hoe voel je je: van -5 tot 5?",
            {"mode": "numeric", "min": -5, "max": 5, "statements": ["Mijn energie"]},
        ),
        ("checkout", "checkout", "Check-out: welk woord neem je mee?", None),
        ("choice", "choice", "Welke waarden?", {"options": ["Ja", "Nee", "Misschien"], "max_choices": 2}),
        ("groups", "groups", "Favoriete ontbijt?", None),
        ("cards", "cards", "Inzichten & acties", None),
        (
            "grid",
            "grid",
            "Waar steken we op in?",
            {"items": ["Inspiratietafel", "=Werkbezoek"], "spread": "cross"},
        ),
        (
            "ranking",
            "ranking",
            "Welk thema eerst?",
            {"items": ["Leren", "Vragen", "Netwerk"], "partial": True},
        ),
        ("points", "points", "Verdeel 100 punten", {"options": ["Tijd", "Expert", "Bezoek"]}),
        ("quiz", "quiz", "Welke V hoort erbij?", {"options": ["Vertrouwen", "Snelheid"], "correct": [0]}),
        (
            "quiz2",
            "quiz",
            "Wat is actieleren?",
            {
                "options": ["Samen zoeken", "Experimenteren", "Een doel op zich"],
                "correct": [0, 1],
                "seconds": 30,
            },
        ),
    ]
    ids: dict[str, int] = {}
    for name, kind, prompt, settings in spec:
        info, _ = meetings.add_activity(session, m, kind, prompt=prompt, settings=settings)
        ids[name] = info.id
    blocks = [
        AgendaBlock(
            meeting_id=m,
            position=0,
            title="Inchecken",
            goal="Aankomen",
            duration_minutes=15,
            start_time="09:30",
            started_at=datetime(2024, 5, 1, 7, 30, 5, tzinfo=UTC),
            spent_seconds=912,
        ),
        AgendaBlock(
            meeting_id=m,
            position=1,
            title="Pauze",
            is_break=True,
            duration_minutes=10,
            essential=False,
            description="Koffie\nen thee",
        ),
    ]
    session.add_all(blocks)
    session.flush()
    session.execute(update(Activity).where(col(Activity.id) == ids["open"]).values(block_id=blocks[0].id))
    session.execute(update(Activity).where(col(Activity.id) == ids["cards"]).values(block_id=blocks[1].id))
    session.execute(
        update(Meeting)
        .where(col(Meeting.id) == m)
        .values(
            current_block_id=blocks[1].id,
            agenda_started_at=datetime(2024, 5, 1, 7, 30, 5, 120000, tzinfo=UTC),
        )
    )
    people = [participants.join(session, m, None, nick).participant_id for nick in ("Anna", None, "@bob")]
    session.commit()
    p1, p2, p3 = people
    w = AnswerWriter(session, m)

    a = ids["open"]
    w.answer(a, p1, "0", {"text": FORMULA})
    hidden = w.answer(a, p2, "0", {"text": "+1"})
    w.answer(a, p3, "0", {"text": "eerst"})
    w.answer(a, p3, "0", {"text": "-2+3"})  # replaced: only the new text counts
    w.answer(a, p1, "1", {"text": "tweede"})
    w.withdraw(a, p1, "1")  # withdrawn: gone from every export
    meetings.moderate(session, m, a, "hide", entry_id=hidden)

    a = ids["wordcloud"]
    w.answer(a, p1, "0", {"word": "@SUM(A1)"})
    w.answer(a, p1, "1", {"word": "groei"})
    w.answer(a, p2, "0", {"word": "Groei"})
    w.answer(a, p3, "0", {"word": "leren"})
    w.withdraw(a, p3, "0")
    meetings.moderate(session, m, a, "hide_word", key="groei")

    a = ids["stars"]
    w.answer(a, p1, "0", {"value": 4})
    w.answer(a, p1, "1", {"value": 5})
    w.answer(a, p2, "0", {"value": 2})

    a = ids["numeric"]
    w.answer(a, p1, "0", {"value": -3})
    w.answer(a, p2, "0", {"value": 5})
    w.answer(a, p3, "0", {"value": 0})

    a = ids["checkout"]
    word = w.answer(a, p1, "word", {"word": "verbinding"})
    w.answer(a, p2, f"in:{word}", {})
    w.answer(a, p3, "word", {"word": "rust"})
    w.withdraw(a, p3, "word")

    w.answer(ids["choice"], p1, "0", {"options": [0, 2]})
    w.answer(ids["choice"], p2, "0", {"options": [1]})

    for person, option in ((p1, 0), (p2, 2), (p3, 1)):
        w.answer(ids["groups"], person, "0", {"option": option})

    w.answer(ids["cards"], p1, "0", {"insight": "Luisteren", "action": "-actie", "name": "Anna"})
    w.answer(ids["cards"], p2, "0", {"insight": "Vragen", "action": "Doen", "name": None})

    w.answer(ids["grid"], p1, "0", {"x": 2, "y": 9})
    w.answer(ids["grid"], p2, "0", {"x": 4, "y": 7})
    w.answer(ids["grid"], p3, "1", {"x": 8, "y": 3})
    w.answer(ids["grid"], p3, "1", {"x": 9, "y": 2})  # moved: only the new place counts
    w.answer(ids["grid"], p1, "1", {"x": 5, "y": 5})
    w.withdraw(ids["grid"], p1, "1")
    # Quiz answers as the room stamps them (ms after opening): right and fast scores most.
    w.answer(ids["quiz"], p1, "0", {"options": [0], "ms": 4000})
    w.answer(ids["quiz"], p2, "0", {"options": [1], "ms": 2000})
    w.answer(ids["quiz"], p3, "0", {"options": [0], "ms": 10_000})
    w.answer(ids["quiz2"], p1, "0", {"options": [0, 1], "ms": 3000})
    w.answer(ids["quiz2"], p3, "0", {"options": [0], "ms": 1000})

    a = ids["ranking"]
    w.answer(a, p1, "0", {"order": [1, 0, 2]})
    w.answer(a, p2, "0", {"order": [2]})  # partial: only the item that matters
    w.answer(a, p3, "0", {"order": [0, 1]})
    w.withdraw(a, p3, "0")

    a = ids["points"]
    w.answer(a, p1, "0", {"points": [50, 0, 50]})
    w.answer(a, p2, "0", {"points": [10, 80, 0]})
    w.answer(a, p3, "0", {"points": [100, 0, 0]})
    w.answer(a, p3, "0", {"points": [20, 20, 20]})  # replaced, and less than the budget

    if close_all:
        session.execute(update(Activity).where(col(Activity.meeting_id) == m).values(status="closed"))
    session.commit()
    # Answers the app refuses, offered the way a phone's are (the live room checks them before
    # anything is written): none may turn up in an export.
    refusals = [
        ("open", p2, "0", {"text": "te laat"}),  # the activity is closed
        ("stars", p3, "0", {"value": 9}),  # outside the 1-5 scale
        ("choice", p3, "0", {"options": [7]}),  # no such option
        ("cards", p3, "0", {"insight": "x" * 281, "action": "te lang"}),  # too long
        ("wordcloud", p2, "7", {"word": "extra"}),  # no such slot
        ("grid", p2, "2", {"x": 1, "y": 1}),  # no such item
        ("points", p3, "0", {"points": [60, 50, 0]}),  # over the budget
        ("ranking", p1, "0", {"order": [0, 0]}),  # an item twice
        ("quiz", p2, "0", {"options": [0]}),  # a second answer: locked once sent
    ]
    for name, person, slot, value in refusals:
        current = ids[name]
        meetings.open_(session, m, current)  # open and current, so only the payload is judged
        if name == "open":
            session.execute(update(Activity).where(col(Activity.id) == current).values(status="closed"))
        session.commit()
        room = Room(meetings.load_meeting(session, m), meetings.MeetingAuth(m, "", ""), "")  # type: ignore[arg-type]
        message = AnswerIn(type="answer", activity_id=current, client_id="refused", slot=slot, value=value)
        try:
            # A well-formed answer to a closed activity is refused in its batch (once it is
            # known not to be a resend); a malformed one before.
            outcome = commit_batch(session, [room.prepare(person, message)]).results[0]
            assert outcome.error is not None, name
            code = outcome.error.code
        except DomainError as refused:
            code = refused.code
        assert code == REFUSED[name], (name, code)
    session.execute(update(Meeting).where(col(Meeting.id) == m).values(current_activity_id=None))
    if close_all:
        session.execute(update(Activity).where(col(Activity.meeting_id) == m).values(status="closed"))
    else:
        session.execute(update(Activity).where(col(Activity.meeting_id) == m).values(status="idle"))
    session.commit()
    statements = [
        "Ik heb nieuwe ideeën en krijg/neem de ruimte om die uit te voeren!",
        "Ik geef aandacht aan mislukte projecten!",
    ]
    expected: dict[str, list[tuple[Any, ...]]] = {
        "open": [(1, "Anna", "'" + FORMULA, NO), (2, None, "'+1", YES), (3, "'@bob", "'-2+3", NO)],
        "wordcloud": [(1, "Anna", "'@SUM(A1)", NO), (1, "Anna", "groei", YES), (2, None, "Groei", YES)],
        "stars": [(1, "Anna", statements[0], 4), (1, "Anna", statements[1], 5), (2, None, statements[0], 2)],
        "numeric": [
            (1, "Anna", "Mijn energie", -3),
            (2, None, "Mijn energie", 5),
            (3, "'@bob", "Mijn energie", 0),
        ],
        "checkout": [(1, "Anna", "verbinding", NO), (2, None, "instappen op verbinding", NO)],
        "choice": [(1, "Anna", "Ja; Misschien", NO), (2, None, "Nee", NO)],
        "groups": [(1, "Anna", "Havermout", NO), (2, None, "Brood", NO), (3, "'@bob", "Yoghurt", NO)],
        "cards": [(1, "Anna", "Luisteren", "'-actie", "Anna", NO), (2, None, "Vragen", "Doen", None, NO)],
        "grid": [
            (1, "Anna", "Inspiratietafel", 2, 9),
            (2, None, "Inspiratietafel", 4, 7),
            (3, "'@bob", "'=Werkbezoek", 9, 2),
        ],
        "ranking": [(1, "Anna", "1. Vragen; 2. Leren; 3. Netwerk", NO), (2, None, "1. Netwerk", NO)],
        "points": [
            (1, "Anna", "Tijd: 50; Bezoek: 50", 100, NO),
            (2, None, "Tijd: 10; Expert: 80", 90, NO),
            (3, "'@bob", "Tijd: 20; Expert: 20; Bezoek: 20", 60, NO),
        ],
        "quiz": [
            (1, "Anna", "Vertrouwen", "Ja", 4.0, 900, NO),
            (2, None, "Snelheid", "Nee", 2.0, 0, NO),
            (3, "'@bob", "Vertrouwen", "Ja", 10.0, 750, NO),
        ],
        "quiz2": [
            (1, "Anna", "Samen zoeken; Experimenteren", "Ja", 3.0, 950, NO),
            (3, "'@bob", "Samen zoeken", "Nee", 1.0, 0, NO),
        ],
    }
    for name in ("stars", "numeric", "grid"):
        expected[name] = [(*row, NO) for row in expected[name]]
    return Built(m, ids, expected)


ORDER = [
    "open",
    "wordcloud",
    "stars",
    "numeric",
    "checkout",
    "choice",
    "groups",
    "cards",
    "grid",
    "ranking",
    "points",
    "quiz",
    "quiz2",
]
REFUSED = {
    "open": "activity_closed",
    "stars": "value_out_of_range",
    "choice": "unknown_option",
    "cards": "text_too_long",
    "wordcloud": "invalid_slot",
    "grid": "unknown_item",
    "points": "points_over_budget",
    "ranking": "wrong_kind",
    "quiz": "answer_locked",
}


def test_xlsx_holds_exactly_the_acknowledged_answers_as_typed_cells(session: Session) -> None:
    built = build(session)
    book = load_workbook(io.BytesIO(exports.to_xlsx(load(session, built.meeting_id), ZONE)))
    assert book.sheetnames[0] == "Overzicht"
    assert len(book.sheetnames) == 1 + len(ORDER)
    assert len({n.casefold() for n in book.sheetnames}) == len(book.sheetnames)
    for name in book.sheetnames:
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\")

    summary = book["Overzicht"]
    assert summary["B1"].value == "Terugkomdag" and isinstance(summary["B3"].value, datetime)
    head = [c.value for c in summary[6]]
    assert head == ["Nr", "Activiteit", "Soort", "Antwoorden", "Deelnemers", "Gemiddelde"]
    rows = [[c.value for c in row] for row in summary.iter_rows(min_row=7)]
    assert [r[3] for r in rows] == [len(built.expected[n]) for n in ORDER]
    assert rows[0][1] == "Wat is je =vraag?"  # only a leading = makes a formula
    assert rows[3][5] == pytest.approx(0.67) and rows[2][5] == pytest.approx(3.67) and rows[0][5] is None

    for name, sheet_name in zip(ORDER, book.sheetnames[1:], strict=True):
        sheet = book[sheet_name]
        header = [c.value for c in sheet[1]]
        assert header[:2] == ["Deelnemer", "Bijnaam"] and header[-2:] == ["Verborgen", "Tijd"]
        assert all(c.font.bold for c in sheet[1])
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref is not None and sheet.auto_filter.ref.startswith("A1:")
        body = list(sheet.iter_rows(min_row=2))
        got = [
            tuple(YES if c.value is True else NO if c.value is False else c.value for c in row[:-1])
            for row in body
        ]
        assert got == built.expected[name], name
        for row in body:
            assert isinstance(row[0].value, int)
            assert isinstance(row[-1].value, datetime) and row[-1].value.tzinfo is None
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
        if name in ("stars", "numeric", "grid"):
            assert all(type(row[3].value) is int for row in body)
        # Columns are sized to what they hold: at least the header, within the bounds.
        for column, head_cell in enumerate(sheet[1], 1):
            width = sheet.column_dimensions[get_column_letter(column)].width
            longest = max(
                len(str(c.value)) if c.value is not None else 0 for c in sheet[get_column_letter(column)]
            )
            if isinstance(sheet.cell(row=2, column=column).value, datetime):
                longest = max(len(str(head_cell.value)), 19)
            assert export_cells.COLUMN_WIDTH_MIN <= width <= export_cells.COLUMN_WIDTH_MAX, (name, column)
            assert width == min(
                max(longest + 2, export_cells.COLUMN_WIDTH_MIN), export_cells.COLUMN_WIDTH_MAX
            )
    widths = {n: book["Overzicht"].column_dimensions[n].width for n in "ABCD"}
    assert widths["B"] == len("Check-out: welk woord neem je mee?") + 2  # the longest prompt
    assert widths["B"] > max(widths["A"], widths["C"], widths["D"])
    open_sheet = book[book.sheetnames[1]]
    assert open_sheet["C2"].value == "'" + FORMULA and open_sheet["C2"].data_type == "s"


def test_csv_zip_holds_exactly_the_acknowledged_answers_neutralised(session: Session) -> None:
    built = build(session)
    blob = exports.to_csv_zip(load(session, built.meeting_id), ZONE)
    with zipfile.ZipFile(io.BytesIO(blob)) as archive_file:
        names = archive_file.namelist()
        assert names[0] == "meeting.csv"
        assert names[1:] == [
            "01-open-wat-is-je-vraag.csv",
            "02-wordcloud-waar-denk-jij-aan-bij-inclusie.csv",
            "03-scales-klaar-voor-actieleren.csv",
            "04-scales-hoe-voel-je-je-van-5-tot-5.csv",
            "05-checkout-check-out-welk-woord-neem-je-mee.csv",
            "06-choice-welke-waarden.csv",
            "07-groups-favoriete-ontbijt.csv",
            "08-cards-inzichten-acties.csv",
            "09-grid-waar-steken-we-op-in.csv",
            "10-ranking-welk-thema-eerst.csv",
            "11-points-verdeel-100-punten.csv",
            "12-quiz-welke-v-hoort-erbij.csv",
            "13-quiz-wat-is-actieleren.csv",
        ]
        files = {name: archive_file.read(name) for name in names}
    for raw in files.values():
        assert raw.startswith(b"\xef\xbb\xbf")

    def read(name: str) -> list[list[str]]:
        return list(csv.reader(io.StringIO(files[name].decode("utf-8-sig"))))

    summary = read("meeting.csv")
    assert summary[0] == ["Nr", "Activiteit", "Soort", "Antwoorden", "Deelnemers"]
    assert [int(r[3]) for r in summary[1:]] == [len(built.expected[n]) for n in ORDER]
    assert [int(r[4]) for r in summary[1:]] == [3, 2, 2, 3, 2, 2, 3, 2, 3, 2, 3, 3, 2]

    for name, file_name in zip(ORDER, names[1:], strict=True):
        header, *rows = read(file_name)
        assert header[:2] == ["Deelnemer", "Bijnaam"] and header[-2:] == ["Verborgen", "Tijd"]
        want = [tuple("" if v is None else str(v) for v in row) for row in built.expected[name]]
        assert [tuple(r[:-1]) for r in rows] == want, name
        for row in rows:
            datetime.strptime(row[-1], "%Y-%m-%d %H:%M:%S")
            assert not row[1].startswith(("=", "+", "-", "@"))
    numeric = read(names[4])[1:]
    assert [r[3] for r in numeric] == ["-3", "5", "0"]  # real numbers, not neutralised text
    assert read(names[1])[1][2] == "'" + FORMULA


def test_json_validates_and_round_trips_byte_for_byte(session: Session) -> None:
    built = build(session)
    first = exports.to_json(load(session, built.meeting_id))
    document = json.loads(first)
    Draft202012Validator(SCHEMA).validate(document)
    assert document["format"] == "kring-export/1"
    assert [p["number"] for p in document["participants"]] == [1, 2, 3]
    assert document["agenda"]["current_block"] == 2
    assert [a["block"] for a in document["activities"]][:2] == [1, None]
    checkout = document["activities"][4]
    assert [a["slot"] for a in checkout["answers"]] == ["word", "in:1"]
    assert checkout["results"]["words"] == [{"id": 1, "stepins": 1, "text": "verbinding"}]
    assert document["activities"][0]["moderation"]["hidden_entries"] == [2]

    original = session.get(Meeting, built.meeting_id)
    assert original is not None
    secrets = [original.code, original.host_key_hash, original.presenter_key_hash]
    secrets += list(session.scalars(select(col(Participant.token_hash))))
    assert not [s for s in secrets if s in first]
    assert not {"token", "token_hash", "ip", "host_key", "code", "id"} & _keys(
        {k: v for k, v in document.items() if k != "activities"}
    )

    new_id = archive.import_json(session, first)
    session.commit()
    imported = session.get(Meeting, new_id)
    assert imported is not None and imported.imported_at is not None
    assert imported.code != original.code and imported.current_activity_id is None
    second = exports.to_json(load(session, new_id))
    assert second == first
    third = archive.import_json(session, "\ufeff" + second)  # as an editor may save it
    assert exports.to_json(load(session, third)) == first
    session.rollback()

    answers = int(session.scalar(select(func.count()).select_from(Answer)) or 0)
    submissions = int(session.scalar(select(func.count()).select_from(Submission)) or 0)
    assert answers == 2 * sum(len(rows) for rows in built.expected.values())
    assert submissions > answers // 2  # the imported answers have their idempotency rows
    tokens = list(session.scalars(select(col(Participant.token_hash))))
    assert len(set(tokens)) == len(tokens) == 6


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_import_closes_every_activity_and_makes_none_current(session: Session) -> None:
    built = build(session, close_all=False)
    meetings.show(session, built.meeting_id, built.activities["choice"])
    session.execute(
        update(Activity).where(col(Activity.id) == built.activities["choice"]).values(status="open")
    )
    session.commit()
    text = exports.to_json(load(session, built.meeting_id))
    assert '"status": "open"' in text
    new_id = archive.import_json(session, text)
    session.commit()
    data = load(session, new_id)
    assert {a.status for a in data.activities} == {"closed"} and data.current_activity_id is None
    assert [len(a.answers) for a in data.activities] == [len(built.expected[n]) for n in ORDER]
    again = json.loads(exports.to_json(data))
    again["activities"] = [{**a, "status": "x"} for a in again["activities"]]
    before = json.loads(text)
    before["activities"] = [{**a, "status": "x"} for a in before["activities"]]
    assert again == before


def _mutated(text: str, change: Any) -> str:
    document = json.loads(text)
    change(document)
    return json.dumps(document)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="kring-export/2"), "$.format: expected 'kring-export/1'"),
        (lambda d: d["meeting"].pop("title"), "'title' is a required property"),
        (lambda d: d["participants"][0].pop("joined_at"), "$.participants[0]"),
        (lambda d: d["activities"][0]["answers"][0].update(created_at="yesterday"), "created_at"),
        (lambda d: d["activities"][4]["answers"][1].update(slot="in:9"), "$.activities[4].answers[1].slot"),
        (lambda d: d["activities"][2]["answers"][0]["payload"].update(value=9), "outside the scale"),
        (lambda d: d["activities"][0].update(block=7), "$.activities[0].block: there is no block 7"),
        (lambda d: d["activities"][0]["answers"][0].update(participant=4), "there is no participant 4"),
        (lambda d: d["participants"][1].update(number=5), "$.participants[1].number"),
        (lambda d: d["meeting"].update(title="a\x00b"), "$.meeting.title: Text contains an invisible"),
        (lambda d: d["meeting"].update(theme="x\uffff"), "$.meeting.theme: Text contains a noncharacter"),
    ],
)
def test_import_refuses_a_malformed_export_naming_path_and_problem(
    session: Session, change: Any, message: str
) -> None:
    built = build(session)
    text = _mutated(exports.to_json(load(session, built.meeting_id)), change)
    count = int(session.scalar(select(func.count()).select_from(Meeting)) or 0)
    with pytest.raises(DomainError) as caught:
        archive.import_json(session, text)
    assert caught.value.code == "invalid_export"
    assert message in caught.value.message
    session.rollback()
    assert int(session.scalar(select(func.count()).select_from(Meeting)) or 0) == count


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "an export is a JSON object"),
        ('{"format": "something-else"}', "expected 'kring-export/1', found 'something-else'"),
        ('{"format": "kring-export/1"}', "is a required property"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_import_refuses_what_is_not_an_export(session: Session, text: str, message: str) -> None:
    with pytest.raises(DomainError) as caught:
        archive.import_json(session, text)
    assert caught.value.code == "invalid_export" and message in caught.value.message


def test_neutralise_keeps_plain_text_and_marks_formulas() -> None:
    assert export_cells.neutralise("hallo") == "hallo"
    for raw in ("=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert export_cells.neutralise(raw) == "'" + raw
    assert export_cells.csv_cell(-3, "nl") == -3 and export_cells.csv_cell(True, "en") == "yes"
    assert export_cells.slug("Wat vind jij van café ‘De Kring’?") == "wat-vind-jij-van-cafe-de-kring"
