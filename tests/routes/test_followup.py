"""Actions carried forward: a participant's action cards of meeting k come back on their own phone
in meeting k+1 (GET/PUT /api/join/{code}/actions), nobody else's; the group's follow-through is
counted only from 3 people on; erasing the pseudonym (vergeet mij, by the phone) erases it all."""

from __future__ import annotations

import csv
import io
import itertools
import json
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from openpyxl import load_workbook
from sqlalchemy import update
from sqlmodel import Session, col, select

from server.__main__ import main
from server.db.engine import make_engine
from server.db.tables import ActionFollowUp, Activity, Answer, Meeting, Participant, Series, SeriesParticipant
from server.services import followup
from server.services.keys import hash_key, new_key
from tests.conftest import migrated_sqlite_url
from tests.factories import AnswerWriter, add_activity, client_for, make_meeting
from tests.services.test_exports import SCHEMA


@dataclass
class World:
    client: TestClient
    url: str
    first: dict[str, Any]
    second: dict[str, Any]
    tokens: dict[tuple[int, str], str]  # (position, person) -> participant cookie
    cards: dict[str, int]  # person -> card answer id in meeting 1

    def phone(self, person: str, method: str, path: str = "", **body: Any) -> Any:
        code = self.second["code"]
        cookie = {"cookie": f"kring_{code}={self.tokens[2, person]}"}
        return self.client.request(
            method, f"/api/join/{code}/actions{path}", headers=cookie, json=body or None
        )


PEOPLE = ("anna", "bram", "cas", "dewi", "eva")
SERIES_KEY = "de-sleutel-van-de-reeks"


def pass_code(person: str) -> str:
    """A personal code as the pass gives it (12 of PASS_ALPHABET), one per person."""
    return "ABCD2345EFG" + "HJKMN"[PEOPLE.index(person)]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """A series of two meetings; anna..dewi took the pass (eva did not); all but dewi wrote a card."""
    url = migrated_sqlite_url(tmp_path)
    with client_for(url) as client:
        first, second = (
            make_meeting(client, title="Bijeenkomst 1"),
            make_meeting(client, title="Bijeenkomst 2"),
        )
        cards = add_activity(client, first, "cards")
        add_activity(client, second, "cards")
        engine = make_engine(url)
        tokens: dict[tuple[int, str], str] = {}
        written: dict[str, int] = {}
        with Session(engine) as session:
            series = Series(title="Lerend netwerk Inclusie", host_key_hash=hash_key(SERIES_KEY))
            session.add(series)
            session.flush()
            for position, meeting in ((1, first), (2, second)):
                row = session.scalars(select(Meeting).where(col(Meeting.code) == meeting["code"])).one()
                meeting["id"], meeting["series_id"] = row.id, series.id
                row.series_id, row.series_position = series.id, position
                session.add(row)
            for number, person in enumerate(PEOPLE, 1):
                pseudonym = None
                if person != "eva":
                    pseudonym = SeriesParticipant(
                        series_id=series.id,
                        number=number,
                        secret_hash=hash_key(person),
                        code_hash=hash_key(pass_code(person)),
                    )
                    session.add(pseudonym)
                    session.flush()
                for position, meeting in ((1, first), (2, second)):
                    tokens[position, person] = new_key(16)
                    participant = Participant(
                        meeting_id=meeting["id"],
                        token_hash=hash_key(tokens[position, person]),
                        series_participant_id=pseudonym.id if pseudonym else None,
                    )
                    session.add(participant)
                    session.flush()
                    if position == 1 and person != "dewi":
                        assert participant.id is not None
                        writer = AnswerWriter(session, meeting["id"])
                        card = {
                            "insight": f"Inzicht van {person}",
                            "action": f"Actie van {person}",
                            "name": None,
                        }
                        written[person] = writer.answer(cards["id"], participant.id, "0", card)
            session.commit()
        engine.dispose()
        yield World(client, url, first, second, tokens, written)


def test_an_owner_sees_only_their_own_cards_and_says_what_became_of_them(world: World) -> None:
    mine = world.phone("anna", "GET")
    assert mine.status_code == 200, mine.text
    assert mine.json() == {
        "previous": "Bijeenkomst 1",
        "actions": [
            {
                "id": world.cards["anna"],
                "prompt": mine.json()["actions"][0]["prompt"],
                "insight": "Inzicht van anna",
                "action": "Actie van anna",
                "status": None,
                "note": "",
            }
        ],
        "note_max": followup.NOTE_MAX,  # the phone's field takes it as its maxlength
    }
    said = world.phone("anna", "PUT", f"/{world.cards['anna']}", status="partly", note="  Half gelukt  ")
    assert (
        said.status_code == 200 and said.json()["status"] == "partly" and said.json()["note"] == "Half gelukt"
    )
    again = world.phone("anna", "PUT", f"/{world.cards['anna']}", status="done")
    assert again.json()["status"] == "done" and again.json()["note"] == ""
    assert world.phone("anna", "GET").json()["actions"][0]["status"] == "done"
    # Somebody else's card, a wrong status, no pass, no card, no cookie.
    other = world.phone("anna", "PUT", f"/{world.cards['bram']}", status="done")
    assert other.status_code == 404 and other.json()["error"]["code"] == "unknown_action"
    assert world.phone("anna", "PUT", f"/{world.cards['anna']}", status="klaar").status_code == 422
    assert world.phone("eva", "GET").json()["actions"] == []
    assert world.phone("dewi", "GET").json()["actions"] == []
    code = world.second["code"]
    anonymous = world.client.get(f"/api/join/{code}/actions")
    assert anonymous.status_code == 404 and anonymous.json()["error"]["code"] == "not_joined"
    # The first meeting has no previous one.
    first = world.client.get(
        f"/api/join/{world.first['code']}/actions",
        headers={"cookie": f"kring_{world.first['code']}={world.tokens[1, 'anna']}"},
    )
    assert first.json() == {"previous": None, "actions": [], "note_max": followup.NOTE_MAX}


def test_the_follow_through_is_shown_from_three_people_on(world: World) -> None:
    engine = make_engine(world.url)

    def through() -> followup.FollowThrough | None:
        with Session(engine) as session:
            return followup.follow_through(session, world.second["id"])

    assert world.phone("anna", "PUT", f"/{world.cards['anna']}", status="done").status_code == 200
    assert world.phone("bram", "PUT", f"/{world.cards['bram']}", status="not_yet").status_code == 200
    two = through()
    assert two is not None and two.carried == 3 and two.answered == 2 and two.people == 2
    assert two.counts is None and two.suppressed is not None and two.suppressed.n == 2
    host = {"Authorization": f"Bearer {world.second['host_key']}"}
    report = world.client.get(f"/api/meetings/{world.second['code']}/report.html", headers=host).text
    assert 'class="muted suppressed"' in report and "follow-up-counts" not in report
    said = world.phone("cas", "PUT", f"/{world.cards['cas']}", status="done", note="Met het team besproken")
    assert said.status_code == 200
    three = through()
    assert three is not None and three.suppressed is None
    assert three.counts == {"done": 2, "partly": 0, "not_yet": 1}
    report = world.client.get(f"/api/meetings/{world.second['code']}/report.html", headers=host).text
    assert "Gedaan</b>: 2" in report and "Deels</b>: 0" in report and "Nog niet</b>: 1" in report
    assert "3 van 3 acties" in report
    # The export carries each follow-up by participant number; recounted, the report's totals.
    exported = world.client.get(f"/api/meetings/{world.second['code']}/export.json", headers=host).json()
    answers = exported["follow_ups"]["answers"]
    assert exported["follow_ups"]["carried"] == 3 and len(answers) == 3
    assert Counter(a["status"] for a in answers) == Counter({"done": 2, "not_yet": 1})
    assert Draft202012Validator(SCHEMA).is_valid(exported)
    # Numbered per series: the pseudonym's number, the same in every meeting; eva (no pass) none.
    numbers = sorted(p.get("series_number", 0) for p in exported["participants"])
    assert numbers == [0, 1, 2, 3, 4]
    text = json.dumps(exported)
    assert all(pass_code(person) not in text and hash_key(pass_code(person)) not in text for person in PEOPLE)
    with Session(engine) as session:
        assert followup.follow_through(session, world.first["id"]) is None
    engine.dispose()
    # The CSV zip and the XLSX carry the same, in Dutch: the series numbers and the follow-ups.
    spreadsheets = _spreadsheets(world.client, world.second["code"], host)
    for tables in spreadsheets:
        people = tables["participants"]
        assert people[0] == ["Deelnemer", "Nummer in de reeks", "Bijnaam", "Binnengekomen om"]
        by_number = {int(row[0]): row[1] for row in people[1:]}
        exported_numbers = {p["number"]: p.get("series_number") for p in exported["participants"]}
        assert by_number == {n: str(s) if s is not None else "" for n, s in exported_numbers.items()}
        follow = tables["follow-ups"]
        assert follow[0] == ["Deelnemer", "Nummer in de reeks", "Bijnaam", "Status", "Toelichting"]
        assert sorted((int(r[0]), r[3], r[4]) for r in follow[1:]) == sorted(
            (a["participant"], {"done": "Gedaan", "not_yet": "Nog niet"}[a["status"]], a["note"])
            for a in answers
        )
        assert "Met het team besproken" in {r[4] for r in follow[1:]}
        assert {r[1] for r in follow[1:]} <= {str(n) for n in range(1, 5)}
        cells = json.dumps(tables)
        for person in PEOPLE:
            for secret in (pass_code(person), hash_key(pass_code(person)), person, hash_key(person)):
                assert secret not in cells
    # A meeting outside a series has neither table.
    alone = make_meeting(world.client, title="Los")
    host_alone = {"Authorization": f"Bearer {alone['host_key']}"}
    assert all(
        not {"participants", "follow-ups"} & set(t)
        for t in _spreadsheets(world.client, alone["code"], host_alone)
    )


def _spreadsheets(client: TestClient, code: str, host: dict[str, str]) -> list[dict[str, list[list[str]]]]:
    """The meeting's CSV zip and XLSX as {table: rows of text}, keyed participants, follow-ups, ..."""
    blob = client.get(f"/api/meetings/{code}/export.csv.zip", headers=host)
    assert blob.status_code == 200, blob.text
    csvs: dict[str, list[list[str]]] = {}
    with zipfile.ZipFile(io.BytesIO(blob.content)) as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8-sig")
            csvs[name.removesuffix(".csv")] = list(csv.reader(io.StringIO(text)))
    sheets = {"Deelnemers": "participants", "Opvolging acties": "follow-ups"}
    book = load_workbook(io.BytesIO(client.get(f"/api/meetings/{code}/export.xlsx", headers=host).content))
    xlsx = {
        sheets.get(sheet.title, sheet.title): [
            ["" if v is None else v if isinstance(v, str) else str(v) for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        for sheet in book.worksheets
    }
    return [csvs, xlsx]


def test_vergeet_mij_with_a_pass_erases_the_pseudonym_in_every_meeting(world: World) -> None:
    assert world.phone("anna", "PUT", f"/{world.cards['anna']}", status="done").status_code == 200
    code = world.second["code"]
    erased = world.client.delete(
        f"/api/join/{code}", headers={"cookie": f"kring_{code}={world.tokens[2, 'anna']}"}
    )
    assert erased.status_code == 200, erased.text
    assert erased.json() == {"pass": True, "meetings": 2, "answers": 1, "questions": 0, "votes": 0}
    engine = make_engine(world.url)
    with Session(engine) as session:
        assert session.get(Answer, world.cards["anna"]) is None
        assert [f.id for f in session.scalars(select(ActionFollowUp)).all()] == []
        numbers = sorted(p.number for p in session.scalars(select(SeriesParticipant)).all())
        assert numbers == [2, 3, 4]
        people = session.scalars(select(Participant)).all()
        assert len(people) == 8 and all(p.token_hash != hash_key(world.tokens[1, "anna"]) for p in people)
    engine.dispose()
    # The first meeting's cookie of the same person opens nothing any more either.
    first = world.first["code"]
    gone = world.client.get(
        f"/api/join/{first}/actions", headers={"cookie": f"kring_{first}={world.tokens[1, 'anna']}"}
    )
    assert gone.status_code == 404


def test_kring_purge_participant_by_code_and_an_expired_series_as_a_whole(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert world.phone("bram", "PUT", f"/{world.cards['bram']}", status="done").status_code == 200
    # Typed as a person would: lower case, dashes.
    typed = "abcd-2345-efgj"
    assert main(["purge", "--participant", typed, "--database-url", world.url]) == 0
    assert "from 2 meeting(s): 1 answer(s)" in capsys.readouterr().out
    assert main(["purge", "--participant", typed, "--database-url", world.url]) == 1
    assert "No network pass" in capsys.readouterr().err
    assert main(["purge", "--participant", "nonsense", "--database-url", world.url]) == 1
    engine = make_engine(world.url)
    with Session(engine) as session:
        assert session.get(Answer, world.cards["bram"]) is None
        assert session.scalars(select(ActionFollowUp)).all() == []
        assert sorted(p.number for p in session.scalars(select(SeriesParticipant)).all()) == [1, 3, 4]
        # Retention is the series': its meetings never expire on their own, the series as a whole does.
        series = session.scalars(select(Series)).one()
        series.retention_days = 30
        long_ago = datetime.now(UTC) - timedelta(days=40)
        series.created_at = long_ago
        session.add(series)
        session.execute(update(Meeting).values(created_at=long_ago, retention_days=1))
        session.execute(update(Participant).values(created_at=long_ago))
        session.execute(update(Answer).values(created_at=long_ago, updated_at=long_ago))
        session.execute(update(SeriesParticipant).values(last_seen_at=long_ago + timedelta(days=5)))
        session.commit()
    assert main(["purge", "--dry-run", "--database-url", world.url]) == 0
    out = capsys.readouterr().out
    assert "Would delete 0 expired meeting(s)." in out
    assert "Would delete series 'Lerend netwerk Inclusie' (2 meeting(s), 3 pseudonym(s))" in out
    assert main(["purge", "--database-url", world.url]) == 0
    assert "Deleted 1 expired series." in capsys.readouterr().out
    with Session(engine) as session:
        for table in (Series, SeriesParticipant, Meeting, Participant, Answer, ActionFollowUp):
            assert session.scalars(select(table)).all() == [], table
    engine.dispose()


def test_the_series_report_shows_attendance_trends_and_follow_through_in_aggregate(world: World) -> None:
    """A scale linked in both meetings: anna, bram and cas answer both times (3 matched), dewi
    only the second time, eva (no pass) both times: only the 3 matched count."""
    statements = ["Ik stel scherpe vragen", "Ik deel kennis"]
    scales = {
        position: add_activity(world.client, meeting, "scales", settings={"statements": statements})
        for position, meeting in ((1, world.first), (2, world.second))
    }
    values = {"anna": (2, 4), "bram": (3, 3), "cas": (1, 5), "dewi": (None, 5), "eva": (5, 1)}
    engine = make_engine(world.url)
    with Session(engine) as session:
        for position, meeting in ((1, world.first), (2, world.second)):
            activity = session.get(Activity, scales[position]["id"])
            assert activity is not None
            activity.series_link = "checklist"
            session.add(activity)
            session.commit()
            writer = AnswerWriter(session, meeting["id"])
            writer.ids = itertools.count(100)  # the cards took c1...
            for person, pair in values.items():
                value = pair[position - 1]
                if value is None:
                    continue
                token = hash_key(world.tokens[position, person])
                participant = session.scalars(
                    select(Participant).where(col(Participant.token_hash) == token)
                ).one()
                assert participant.id is not None
                writer.answer(scales[position]["id"], participant.id, "0", {"value": value})
    engine.dispose()
    for person in ("anna", "bram"):
        assert world.phone(person, "PUT", f"/{world.cards[person]}", status="done").status_code == 200
    series_id = world.first["series_id"]
    key = {"Authorization": f"Bearer {SERIES_KEY}"}
    response = world.client.get(f"/api/series/{series_id}/report.html", headers=key)
    assert response.status_code == 200, response.text
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="kring-lerend-netwerk-inclusie-series.html"'
    )
    html = response.text
    assert "Opkomst per bijeenkomst" in html
    assert '1. Bijeenkomst 1</th><td class="col-num">5</td><td class="col-num">4</td>' in html
    # Matched: anna 2->4, bram 3->3, cas 1->5: before 2.0, after 4.0, change +2.00 on statement 1.
    assert "Over 3 gekoppelde deelnemers" in html
    assert "<td>2,00 (± 0,82)</td><td>4,00 (± 0,82)</td><td>+2,00</td>" in html
    # Statement 2 nobody answered: left out with the reason; so is the follow-through of 2 people.
    assert html.count('<td colspan="3" class="muted suppressed">') == 1
    assert (
        "2 van 3 acties uit “Bijeenkomst 1” kregen een terugblik (2 mensen)." in html
        and html.count('<p class="muted suppressed">') == 1
    )
    pdf = world.client.get(f"/api/series/{series_id}/report.pdf", headers=key)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-"), pdf.text[:200]
    assert pdf.headers["content-type"] == "application/pdf"
    assert world.client.get(f"/api/series/{series_id}/report.html").status_code == 404
    wrong = {"Authorization": "Bearer niet-de-sleutel"}
    assert world.client.get(f"/api/series/{series_id}/report.html", headers=wrong).status_code == 404
