"""Q&A and reactions in the exports (JSON round trip, CSV, XLSX), the import and the report."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from jsonschema import Draft202012Validator
from openpyxl import load_workbook
from sqlalchemy import select
from sqlmodel import Session, col

from server.db.engine import make_engine
from server.db.tables import Participant
from server.services import archive, exports, qa, reactions
from server.services.export_data import load
from server.services.qa import QaOp, commit_qa_batch
from server.services.report import ReportOptions, render_html
from tests.services.test_exports import SCHEMA, build

ZONE = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def with_questions(session: Session) -> tuple[int, list[int]]:
    built = build(session)
    m = built.meeting_id
    people = list(
        session.scalars(
            select(col(Participant.id)).where(col(Participant.meeting_id) == m).order_by(col(Participant.id))
        )
    )
    qa.set_qa(session, m, open_=True, premoderate=False)
    asked = commit_qa_batch(
        session,
        [
            QaOp(m, people[0], "a1", "ask", text="Wat gebeurt er met de resultaten?", nickname="Anna"),
            QaOp(m, people[1], "a2", "ask", text="=Wie betaalt?", nickname=None),
            QaOp(m, people[2], "a3", "ask", text="Verborgen vraag", nickname=None, status="pending"),
        ],
    )
    first, second, _third = (r.question_id for r in asked.results)
    assert first is not None and second is not None
    votes = [QaOp(m, people[i], f"v{i}", "vote", first) for i in (1, 2)]
    commit_qa_batch(session, [*votes, QaOp(m, people[0], "v0", "vote", second)])
    qa.moderate(session, m, first, "answer")
    activity = built.activities["wordcloud"]
    reactions.save_counts(
        session, [(m, activity, "heart", 12), (m, activity, "heart", 3), (m, None, "clap", 4)]
    )
    session.commit()
    return m, people


def test_qa_json_export_validates_and_round_trips_through_an_import(session: Session) -> None:
    m, _ = with_questions(session)
    first = exports.to_json(load(session, m))
    document = json.loads(first)
    Draft202012Validator(SCHEMA).validate(document)
    questions = document["beside"]["qa"]["questions"]
    assert [(q["text"], q["nickname"], q["voters"], q["status"], q["answered"]) for q in questions] == [
        ("Wat gebeurt er met de resultaten?", "Anna", [2, 3], "visible", True),
        ("=Wie betaalt?", None, [1], "visible", False),
        ("Verborgen vraag", None, [], "pending", False),
    ]
    assert document["beside"]["reactions"]["counts"] == [
        {"activity": None, "reaction": "clap", "count": 4},
        {"activity": 2, "reaction": "heart", "count": 15},
    ]
    new_id = archive.import_json(session, first)
    session.commit()
    # The import closes the Q&A as it closes the activities; otherwise the same bytes.
    document["beside"]["qa"]["open"] = False
    assert json.loads(exports.to_json(load(session, new_id))) == document
    again = archive.import_json(session, exports.to_json(load(session, new_id)))
    assert exports.to_json(load(session, again)) == exports.to_json(load(session, new_id))


def test_qa_import_refuses_a_voter_who_is_not_there(session: Session) -> None:
    m, _ = with_questions(session)
    document = json.loads(exports.to_json(load(session, m)))
    document["beside"]["qa"]["questions"][0]["voters"] = [99]
    with pytest.raises(Exception, match=r"beside\.qa\.questions\[0\]\.voters: there is no participant 99"):
        archive.import_json(session, json.dumps(document))


def test_a_meeting_without_qa_exports_no_beside(session: Session) -> None:
    built = build(session)
    assert "beside" not in json.loads(exports.to_json(load(session, built.meeting_id)))


def test_qa_csv_and_xlsx_list_the_questions_by_votes_neutralised(session: Session) -> None:
    m, _ = with_questions(session)
    data = load(session, m)
    with zipfile.ZipFile(io.BytesIO(exports.to_csv_zip(data, ZONE))) as archive_:
        text = archive_.read("questions.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:6] == ["Nr", "Vraag", "Gesteld door", "Stemmen", "Status", "Beantwoord"]
    assert [r[1:6] for r in rows[1:]] == [
        ["Wat gebeurt er met de resultaten?", "Anna", "2", "Zichtbaar", "Ja"],
        ["'=Wie betaalt?", "Anoniem", "1", "Zichtbaar", "Nee"],
        ["Verborgen vraag", "Anoniem", "0", "Wacht op goedkeuring", "Nee"],
    ]
    book = load_workbook(io.BytesIO(exports.to_xlsx(data, ZONE)))
    sheet = book["Vragen uit de zaal"]
    assert [c.value for c in sheet[2]][1:4] == ["Wat gebeurt er met de resultaten?", "Anna", 2]
    assert sheet.cell(row=3, column=2).value == "'=Wie betaalt?"


def test_qa_report_has_the_questions_from_the_floor_and_reactions_per_activity(session: Session) -> None:
    m, _ = with_questions(session)
    html = render_html(load(session, m), ReportOptions(), ZONE)
    assert "Vragen uit de zaal" in html and "Wat gebeurt er met de resultaten?" in html
    assert "Verborgen vraag" not in html  # never approved: the room never saw it
    assert "Hartje 15" in html and "Tussen de activiteiten door</b>: Applaus 4" in html
    anonymous = render_html(load(session, m), ReportOptions(nicknames=False), ZONE)
    assert "— Anna" not in anonymous
