"""Exports by API: host only, as attachments; a JSON export imports again as a new meeting."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from tests.factories import add_activity, auth, client_for, join, make_meeting, open_activity, phone_socket


@pytest.fixture
def client(database_url: str) -> Any:
    with client_for(database_url) as client:
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
        assert client.get(f"{base}/{path}").status_code == 401
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
    assert client.get(f"{base}/report.html").status_code == 401
    html = client.get(f"{base}/report.html", headers=auth(meeting))
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "=1+1" in html.text and meeting["code"] not in html.text and meeting["host_key"] not in html.text
    no_names = client.get(f"{base}/report.html?nicknames=false&private=true", headers=auth(meeting))
    assert no_names.status_code == 200 and "Ans" not in no_names.text
    pdf = client.get(f"{base}/report.pdf", headers=auth(meeting))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
