"""Vergeet mij: a participant erases themselves from their own phone (DELETE /api/join/{code}).
Afterwards nothing of them is in any table or any export, the live tallies dropped them at once
(the invariants recount the room against the database after every later batch), and their
cookie opens nothing."""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.conftest import migrated_sqlite_url
from tests.realtime.test_qa_ws import ask, vote
from tests.support import Phone, Screen, create_meeting, host, live_server

pytestmark = pytest.mark.e2e

# What only the erased participant wrote: none of it may be found anywhere afterwards.
MARKS = ("Zeldzaamwoord", "Geheimeinzicht", "Verborgenactie", "Wegvraag", "Vergeetnaam", "Eigentekst")


def database_text(path: str) -> str:
    """Every row of every table, as text."""
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return "\n".join(repr(row) for table in tables for row in db.execute(f'SELECT * FROM "{table}"'))


def export_texts(http: httpx.Client) -> dict[str, str]:
    """Every export format, as text: JSON, each CSV in the zip, each sheet's cells, the report."""
    out: dict[str, str] = {}
    for name in ("export.json", "report.html"):
        response = http.get(f"/{name}")
        assert response.status_code == 200, response.text
        out[name] = response.text
    with zipfile.ZipFile(io.BytesIO(http.get("/export.csv.zip").content)) as archive:
        for member in archive.namelist():
            out[member] = archive.read(member).decode("utf-8-sig")
    book = load_workbook(io.BytesIO(http.get("/export.xlsx").content), read_only=True)
    for sheet in book.worksheets:
        out[f"xlsx:{sheet.title}"] = "\n".join(repr(row) for row in sheet.iter_rows(values_only=True))
    return out


async def test_vergeet_mij_erases_every_trace_and_the_tallies_follow(tmp_path: Path) -> None:
    url = migrated_sqlite_url(tmp_path)
    with live_server(url) as server:
        meeting = create_meeting(server.base, title="Vergeten")
        code = meeting["code"]
        with host(server.base, meeting) as http:
            cloud = http.post("/activities", json={"kind": "wordcloud"}).json()
            text = http.post("/activities", json={"kind": "open"}).json()
            cards = http.post("/activities", json={"kind": "cards"}).json()
            http.patch("/qa", json={"open": True}).raise_for_status()
            screen = await Screen.open(server.base, code, meeting["host_key"], role="host")
            gone = Phone(server.base, code, nickname="Vergeetnaam")
            stays = [Phone(server.base, code, nickname=f"Blijf{i}") for i in range(2)]
            for phone in (gone, *stays):
                await phone.join()
                await phone.connect()
            everyone: list[Phone] = [gone, *stays]

            http.post(f"/activities/{cloud['id']}/open").raise_for_status()
            for i, phone in enumerate(everyone):
                assert (await phone.answer(cloud["id"], "0", {"word": "Samen"}, f"w{i}"))["type"] == "ack"
            assert (await gone.answer(cloud["id"], "1", {"word": "Zeldzaamwoord"}, "wx"))["type"] == "ack"
            http.post(f"/activities/{text['id']}/open").raise_for_status()
            own = await gone.answer(text["id"], "0", {"text": "Eigentekst van mij"}, "t0")
            assert (await stays[0].answer(text["id"], "0", {"text": "Andere tekst"}, "t1"))["type"] == "ack"
            moderated = http.post(
                f"/activities/{text['id']}/moderation",
                json={"action": "highlight", "entry_id": own["entry_id"]},
            )
            assert moderated.status_code == 200, moderated.text
            http.post(f"/activities/{cards['id']}/open").raise_for_status()
            card = {"insight": "Geheimeinzicht", "action": "Verborgenactie", "name": "Vergeetnaam"}
            assert (await gone.answer(cards["id"], "0", card, "c0"))["type"] == "ack"
            asked = await ask(gone, "Wegvraag over de resultaten?", "q0")
            kept = await ask(stays[0], "Een vraag die blijft?", "q1")
            assert (await vote(stays[1], asked["question_id"], "v1"))["type"] == "qa_ack"
            assert (await vote(gone, kept["question_id"], "v0"))["type"] == "qa_ack"
            http.post(
                f"/qa/questions/{asked['question_id']}", json={"action": "highlight"}
            ).raise_for_status()
            http.post(f"/activities/{cloud['id']}/open").raise_for_status()
            before = await screen.until(lambda s: words(s, cloud["id"]).get("samen") == 3)
            assert "zeldzaamwoord" in words(before, cloud["id"])
            assert any(m in database_text(url.removeprefix("sqlite:///")) for m in MARKS)

            # Vergeet mij, from the phone's own cookie.
            async with httpx.AsyncClient(base_url=server.base, timeout=10) as client:
                cookie = {"Cookie": f"kring_{code}={gone.cookie}"}
                erased = await client.delete(f"/api/join/{code}", headers=cookie)
                assert erased.status_code == 200, erased.text
                assert erased.json() == {
                    "pass": False,
                    "meetings": 1,
                    "answers": 4,
                    "questions": 1,
                    "votes": 2,
                }
                assert f"kring_{code}=" in erased.headers["set-cookie"]
                assert "max-age=0" in erased.headers["set-cookie"].lower()
                again = await client.delete(f"/api/join/{code}", headers=cookie)
                assert again.status_code == 404 and again.json()["error"]["code"] == "not_joined"
                assert (await client.delete(f"/api/join/{code}")).status_code == 404

            # The big screen: the tallies dropped them at once; the Q&A lost their question.
            after = await screen.until(
                lambda s: words(s, cloud["id"]).get("samen") == 2 and len(s["beside"]["qa"]["questions"]) == 1
            )
            assert "zeldzaamwoord" not in words(after, cloud["id"])
            questions = after["beside"]["qa"]["questions"]
            assert [(q["text"], q["votes"]) for q in questions] == [("Een vraag die blijft?", 0)]
            assert after["beside"]["qa"].get("highlighted") is None
            # Their socket closed, and their cookie opens nothing any more.
            assert gone._reader is not None
            await asyncio.wait_for(gone._reader, 10)
            assert gone.ws.close_code == 4401
            refused = Phone(server.base, code, cookie=gone.cookie)
            await refused.connect()
            assert refused._reader is not None
            await asyncio.wait_for(refused._reader, 10)
            assert refused.ws.close_code == 4401 and refused.errors[0]["code"] == "not_joined"
            # Others answer on: each batch is recounted against the database (KRING_CHECK_INVARIANTS).
            assert (await stays[1].answer(cloud["id"], "1", {"word": "Verder"}, "w9"))["type"] == "ack"
            await screen.until(lambda s: words(s, cloud["id"]).get("verder") == 1)

            stored = database_text(url.removeprefix("sqlite:///"))
            assert [m for m in MARKS if m in stored] == []
            texts = export_texts(http)
            found = {name: [m for m in MARKS if m in body] for name, body in texts.items()}
            assert {name: marks for name, marks in found.items() if marks} == {}
            exported = json.loads(texts["export.json"])
            assert len(exported["participants"]) == 2
            assert "Andere tekst" in texts["export.json"] and "Samen" in texts["export.json"]
            opened = next(a for a in exported["activities"] if a["kind"] == "open")
            assert opened["moderation"]["highlighted"] == []
        for phone in stays:
            await phone.disconnect()
        await screen.close()


def words(snapshot: dict[str, Any], activity_id: int) -> dict[str, int]:
    if (snapshot.get("activity") or {}).get("id") != activity_id:
        return {}
    return {w["key"]: w["count"] for w in (snapshot.get("results") or {}).get("words", [])}
