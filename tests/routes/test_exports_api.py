"""Exports by API: host only, as attachments; a JSON export imports again as a new meeting."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from server.db.engine import make_engine
from server.services import accounts
from tests.factories import add_activity, auth, client_for, join, make_meeting, open_activity, phone_socket


@pytest.fixture
def client(database_url: str) -> Any:
    # Its tests refuse strangers often; past the per-client limit they would get 429 instead.
    with client_for(database_url, join_failures_allowed=1000) as client:
        client.database_url = database_url  # type: ignore[attr-defined]
        yield client


def meeting_with_answer(client: TestClient) -> dict[str, Any]:
    meeting = make_meeting(client)
    activity = add_activity(client, meeting, "open")
    open_activity(client, meeting, activity["id"])
    join(client, meeting, "Ans")
    with phone_socket(client, meeting) as ws:
        ws.send_json(
            {
                "type": "answer",
                "activity_id": activity["id"],
                "slot": "0",
                "value": {"text": "=1+1"},
                "client_id": "a",
            }
        )
        while ws.receive_json()["type"] != "ack":
            pass
    return meeting


def test_exports_are_host_only_attachments(client: TestClient) -> None:
    meeting = meeting_with_answer(client)
    base = f"/api/meetings/{meeting['code']}"
    for path in ("export.json", "export.csv.zip", "export.xlsx"):
        assert client.get(f"{base}/{path}").status_code == 404  # as an unknown code
        response = client.get(f"{base}/{path}", headers=auth(meeting))
        assert response.status_code == 200, response.text
        assert response.headers["content-disposition"].startswith(
            'attachment; filename="kring-lerend-netwerk-'
        )
    document = client.get(f"{base}/export.json", headers=auth(meeting)).json()
    assert document["format"] == "kring-export/1"
    assert document["activities"][0]["answers"][0]["payload"] == {"text": "=1+1"}
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{base}/export.csv.zip", headers=auth(meeting)).content))
    csv_name = next(n for n in archive.namelist() if n != "meeting.csv")
    assert "'=1+1" in archive.read(csv_name).decode("utf-8-sig")
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"{base}/export.xlsx", headers=auth(meeting)).content)
    )
    assert len(book.sheetnames) == 2


def test_import_restores_the_meeting_under_a_new_code(client: TestClient) -> None:
    meeting = meeting_with_answer(client)
    activity_id = client.get(f"/api/meetings/{meeting['code']}", headers=auth(meeting)).json()["activities"][
        0
    ]["id"]
    client.post(f"/api/meetings/{meeting['code']}/activities/{activity_id}/close", headers=auth(meeting))
    exported = client.get(f"/api/meetings/{meeting['code']}/export.json", headers=auth(meeting)).content
    response = client.post("/api/import", content=exported, headers={"content-type": "application/json"})
    assert response.status_code == 201, response.text
    restored = response.json()
    assert restored["code"] != meeting["code"] and restored["activities"][0]["status"] == "closed"
    again = client.get(f"/api/meetings/{restored['code']}/export.json", headers=auth(restored)).content
    assert again == exported  # export, import, export again: the same JSON
    bad = client.post("/api/import", content=b'{"format": "kring-export/9"}')
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_export"


def test_a_meeting_can_set_its_own_retention(client: TestClient) -> None:
    meeting = make_meeting(client)
    path = f"/api/meetings/{meeting['code']}"
    assert client.patch(path, json={"retention_days": 7}, headers=auth(meeting)).status_code == 200
    bad = client.patch(path, json={"retention_days": 0}, headers=auth(meeting))
    assert bad.status_code == 422 and "retention_days" in bad.json()["error"]["message"]


def test_the_report_downloads_as_html_and_pdf(client: TestClient) -> None:
    meeting = meeting_with_answer(client)
    base = f"/api/meetings/{meeting['code']}"
    assert client.get(f"{base}/report.html").status_code == 404
    html = client.get(f"{base}/report.html", headers=auth(meeting))
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "=1+1" in html.text and meeting["code"] not in html.text and meeting["host_key"] not in html.text
    no_names = client.get(f"{base}/report.html?nicknames=false&private=true", headers=auth(meeting))
    assert no_names.status_code == 200 and "Ans" not in no_names.text
    pdf = client.get(f"{base}/report.pdf", headers=auth(meeting))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


AFTER_THE_MEETING = (
    ("GET", "export.json"),
    ("GET", "export.csv.zip"),
    ("GET", "export.xlsx"),
    ("GET", "report.html"),
    ("GET", "report.pdf"),
    ("GET", "draaiboek.html"),
    ("GET", "template.yaml"),
    ("DELETE", ""),
)


def test_only_the_host_gets_exports_reports_or_deletes(client: TestClient) -> None:
    """Every export, report and the deletion refuse anyone but this meeting's host: another
    meeting's host key, this meeting's presenter key, a participant, and a facilitator who is not a
    host of it (logged in, with the session's CSRF token)."""
    meeting = meeting_with_answer(client)  # the participant's cookie stays in the jar
    participant = client.cookies.get(f"kring_{meeting['code']}")
    other = make_meeting(client, title="Een andere bijeenkomst")
    engine = make_engine(client.database_url)  # type: ignore[attr-defined]
    with Session(engine) as session:
        accounts.add_user(session, "bob@example.org", "een lang wachtwoord", "Bob")
        session.commit()
    engine.dispose()
    login = client.post("/api/login", json={"email": "bob@example.org", "password": "een lang wachtwoord"})
    assert login.status_code == 200, login.text
    session_cookie = client.cookies.get("kring_session")
    csrf = login.json()["csrf_token"]
    client.cookies.clear()
    # Each is answered as an unknown code is: no "it exists, but not for you".
    strangers = {
        "another meeting's host key": ({"Authorization": f"Bearer {other['host_key']}"}, 404, "unknown_code"),
        "the presenter key": ({"Authorization": f"Bearer {meeting['presenter_key']}"}, 404, "unknown_code"),
        "a participant": ({"Cookie": f"kring_{meeting['code']}={participant}"}, 404, "unknown_code"),
        "a facilitator who is no host": (
            {"Cookie": f"kring_session={session_cookie}", "X-CSRF-Token": csrf},
            404,
            "unknown_code",
        ),
        "nobody": ({}, 404, "unknown_code"),
    }
    base = f"/api/meetings/{meeting['code']}"
    for method, path in AFTER_THE_MEETING:
        url = f"{base}/{path}" if path else base
        for who, (headers, status, code) in strangers.items():
            response = client.request(method, url, headers=headers)
            assert (response.status_code, response.json()["error"]["code"]) == (status, code), (path, who)
            assert "=1+1" not in response.text
    # Nothing was deleted: the host still gets everything, and may delete.
    assert "=1+1" in client.get(f"{base}/export.json", headers=auth(meeting)).text
    assert client.delete(base, headers=auth(meeting)).status_code == 204
    assert client.get(f"{base}/export.json", headers=auth(meeting)).status_code == 404


def test_the_draaiboek_page_holds_the_notes_and_every_block_but_no_answer(client: TestClient) -> None:
    meeting = client.post(
        "/api/meetings", json={"template": "kickoff", "values": {"thema": "Inclusie"}}
    ).json()
    activities = {a["prompt"]: a for a in meeting["activities"]}
    private = activities["Wat is jouw exploreervraag?"]
    open_activity(client, meeting, private["id"])
    join(client, meeting, "Ans")
    with phone_socket(client, meeting) as ws:
        ws.send_json(
            {
                "type": "answer",
                "activity_id": private["id"],
                "slot": "0",
                "value": {"text": "Mijn geheime vraag"},
                "client_id": "a",
            }
        )
        while ws.receive_json()["type"] != "ack":
            pass
    response = client.get(f"/api/meetings/{meeting['code']}/draaiboek.html", headers=auth(meeting))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers["content-disposition"].endswith('.draaiboek.html"')
    page = response.text
    for part in (
        "Voorbereiding en notities",
        "Opbouw (45 min)",
        "Overweging: eerst starten met kennismaking",
        "Bericht voor LinkedIn",
        "Kennismaken onderling, met thema, verwachtingen lerend netwerk",  # a goal
        "CONNECTION BEFORE CONTENT!",  # a werkvorm
        "Flappen, powerpoint, eventueel kaartje met interviewvragen",  # materials
        "Welke waarden zou je nog willen toevoegen?",  # a poll
        "alleen facilitator",
        "Wanneer is de bijeenkomst geslaagd?!",
    ):
        assert part in page, part
    assert page.count('class="block sheet-block') == 11
    assert "Mijn geheime vraag" not in page and "<script" not in page and meeting["code"] not in page


def test_over_the_socket_exports_hold_exactly_the_acknowledged_answers(client: TestClient) -> None:
    """What the phones really send: acknowledged answers, a resend of one (the same client id),
    and answers the room refuses (bad payloads, a closed activity). The CSV and the XLSX hold the
    acknowledged ones, each once."""
    meeting = make_meeting(client)
    stars = add_activity(client, meeting, "scales", settings={"statements": ["Een", "Twee"]})
    words = add_activity(client, meeting, "wordcloud", settings={"max_entries": 1})
    base = f"/api/meetings/{meeting['code']}"
    join(client, meeting, "Ans")
    replies: dict[str, str] = {}
    with phone_socket(client, meeting) as ws:

        def send(activity: dict[str, Any], client_id: str, slot: str, value: dict[str, Any]) -> None:
            ws.send_json(
                {
                    "type": "answer",
                    "activity_id": activity["id"],
                    "slot": slot,
                    "value": value,
                    "client_id": client_id,
                }
            )
            while True:
                reply = ws.receive_json()
                if reply.get("client_id") == client_id and reply["type"] in ("ack", "error"):
                    replies[client_id] = reply["type"] if reply["type"] == "ack" else reply["code"]
                    return

        open_activity(client, meeting, stars["id"])
        send(stars, "s1", "0", {"value": 4})
        send(stars, "s1", "0", {"value": 4})  # the resend after a lost ack
        send(stars, "s2", "1", {"value": 6})
        send(stars, "s3", "2", {"value": 3})
        send(stars, "s4", "1", {"text": "vier"})
        open_activity(client, meeting, words["id"])
        send(words, "w1", "0", {"word": "=groei"})
        send(words, "w2", "1", {"word": "tweede"})
        send(stars, "s5", "1", {"value": 2})  # stars is closed now
        client.post(f"{base}/activities/{words['id']}/close", headers=auth(meeting))
        send(words, "w3", "0", {"word": "laat"})
    assert replies == {
        "s1": "ack",
        "s2": "value_out_of_range",
        "s3": "unknown_statement",
        "s4": "wrong_kind",
        "w1": "ack",
        "w2": "invalid_slot",
        "s5": "activity_not_open",
        "w3": "activity_closed",
    }
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{base}/export.csv.zip", headers=auth(meeting)).content))
    names = [n for n in archive.namelist() if n != "meeting.csv"]
    rows = [list(csv.reader(io.StringIO(archive.read(n).decode("utf-8-sig"))))[1:] for n in names]
    assert [[r[:4] for r in table] for table in rows] == [
        [["1", "Ans", "Een", "4"]],
        [["1", "Ans", "'=groei", "nee"]],
    ]
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"{base}/export.xlsx", headers=auth(meeting)).content)
    )
    sheets = [
        [[c.value for c in row][:4] for row in book[n].iter_rows(min_row=2)] for n in book.sheetnames[1:]
    ]
    assert sheets == [[[1, "Ans", "Een", 4]], [[1, "Ans", "'=groei", False]]]
