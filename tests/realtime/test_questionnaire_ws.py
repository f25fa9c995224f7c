"""Self-paced questionnaires over the real websocket: each phone at its own step, answers to any
step acknowledged, progress counted on the screens, a reconnecting phone back on its step."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import httpx
import pytest

from server.services import archive_check
from tests.conftest import migrated_sqlite_url
from tests.support import Phone, Screen, create_meeting, host, live_server

pytestmark = pytest.mark.e2e


async def step(phone: Phone, questionnaire_id: int, to: int, client_id: str) -> dict[str, Any]:
    start = len(phone.inbox)
    await phone.send(
        {"type": "step", "client_id": client_id, "questionnaire_id": questionnaire_id, "step": to}
    )
    return await phone.wait_for(lambda m: m.get("client_id") == client_id, start=start)


def progress(snapshot: dict[str, Any]) -> dict[str, Any] | None:
    q = snapshot.get("questionnaire")
    if q is None:
        return None
    return {"done": [s["done"] for s in q["steps"]], "started": q["started"], "completed": q["completed"]}


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_a_questionnaire_goes_at_each_phones_pace(
    engine: str, tmp_path: object, request: pytest.FixtureRequest
) -> None:
    url = migrated_sqlite_url(tmp_path) if engine == "sqlite" else request.getfixturevalue("postgres_url")
    with live_server(url) as server:
        meeting = create_meeting(server.base, title="Vragenlijst")
        with host(server.base, meeting) as http:
            ids = [http.post("/activities", json={"kind": "wordcloud"}).json()["id"] for _ in range(4)]
            checkout = http.post("/activities", json={"kind": "checkout"}).json()["id"]
            refused = http.post("/questionnaire", json={"activity_ids": [ids[0], checkout]})
            assert refused.status_code == 400 and refused.json()["error"]["code"] == "not_self_paced"
            assert http.post("/questionnaire", json={"activity_ids": [ids[0]]}).status_code == 422
            assert http.post("/questionnaire/close").json()["error"]["code"] == "questionnaire_closed"
            phones = [Phone(server.base, meeting["code"], nickname=f"p{i}") for i in range(3)]
            for phone in phones:
                await phone.join()
                await phone.connect()
            remote = await Screen.open(server.base, meeting["code"], meeting["host_key"], role="host")
            opened = http.post("/questionnaire", json={"activity_ids": ids}).json()["questionnaires"]
            qid = opened[-1]["id"]
            assert opened[-1]["steps"] == ids and opened[-1]["closed_at"] is None

            # Every phone gets the steps in its state (no shared activity) and starts at step 0.
            for phone in phones:
                state = await phone.wait_for(lambda m: m["type"] == "state" and m.get("questionnaire"))
                assert state["activity"] is None
                assert [s["id"] for s in state["questionnaire"]["steps"]] == ids
                pace = await phone.wait_for(lambda m: m["type"] == "pace")
                assert (pace["questionnaire_id"], pace["step"]) == (qid, 0)

            a, b, c = phones
            # a answers step 0 and 2 (any open step takes an answer), b only moves on, c waits.
            assert (await a.answer(ids[0], "0", {"word": "rust"}, "a0"))["type"] == "ack"
            assert (await step(a, qid, 1, "s1"))["type"] == "step_ack"
            assert (await step(a, qid, 2, "s2"))["step"] == 2
            assert (await a.answer(ids[2], "0", {"word": "ruimte"}, "a2"))["type"] == "ack"
            for n in range(1, 5):
                ack = await step(b, qid, n, f"b{n}")
                assert (ack["type"], ack["step"], ack["furthest"]) == ("step_ack", n, n)
            back = await step(b, qid, 1, "b-back")
            assert (back["step"], back["furthest"]) == (1, 4)  # back: the furthest it got stays
            assert (await step(b, qid, 1, "b-back"))["type"] == "step_ack"  # a resend: moved again
            assert (await step(c, qid, 5, "c5"))["code"] == "invalid_step"
            assert (await step(c, qid + 99, 1, "c-other"))["code"] == "questionnaire_closed"

            # b went back to step 1: still counted past every step (the furthest it got).
            shown = await remote.until(
                lambda m: (
                    progress(m) == {"done": [2, 2, 1, 1], "started": 2, "completed": 1}
                    and [s["on"] for s in m["questionnaire"]["steps"]] == [0, 1, 1, 0]
                )
            )
            steps = shown["questionnaire"]["steps"]
            assert [s["respondents"] for s in steps] == [1, 0, 1, 0]

            # a reloads: it comes back on step 2 with its answers to steps 0 and 2.
            await a.disconnect()
            again = Phone(server.base, meeting["code"], cookie=a.cookie)
            await again.connect()
            pace = await again.wait_for(lambda m: m["type"] == "pace")
            assert pace["step"] == 2
            assert pace["answers"][str(ids[0])]["0"]["value"]["word"] == "rust"
            assert pace["answers"][str(ids[2])]["0"]["value"]["word"] == "ruimte"
            assert pace["answers"][str(ids[1])] == {}

            listed = http.get("/questionnaires").json()["questionnaires"]
            assert listed[-1] | {"opened_at": None} == {
                "id": qid,
                "steps": ids,
                "started": 2,
                "completed": 1,
                "done": [2, 2, 1, 1],
                "opened_at": None,
                "closed_at": None,
            }
            closed = http.post("/questionnaire/close").json()["questionnaires"][-1]
            assert closed["closed_at"] is not None
            state = await again.wait_for(lambda m: m["type"] == "state" and m.get("questionnaire") is None)
            assert state["activity"]["id"] == ids[0] and state["activity"]["status"] == "closed"
            late = await again.answer(ids[3], "0", {"word": "laat"}, "late")
            assert late["code"] == "activity_not_open"
            await remote.until(lambda m: m.get("questionnaire") is None)

            # The exports and the report: the steps as the activities they are, and the counts.
            document = archive_check.parse(http.get("/export.json").content)  # the export's schema
            archive_check.check(document)  # its numbering and references
            assert [a["kind"] for a in document["activities"]] == ["wordcloud"] * 4 + ["checkout"]
            assert document["questionnaires"] == [
                {
                    "steps": [1, 2, 3, 4],
                    "started": 2,
                    "completed": 1,
                    "done": [2, 2, 1, 1],
                    "opened_at": document["questionnaires"][0]["opened_at"],
                    "closed_at": document["questionnaires"][0]["closed_at"],
                }
            ]
            with zipfile.ZipFile(io.BytesIO(http.get("/export.csv.zip").content)) as archive:
                rows = archive.read("questionnaires.csv").decode("utf-8-sig").splitlines()
            assert rows[0].split(",")[:4] == ["Vragenlijst", "Stap", "Vraag", "Voorbij deze stap"]
            assert [r.split(",")[3] for r in rows[1:]] == ["2", "2", "1", "1"]
            report = http.get("/report.html").text
            assert "Vragenlijsten in eigen tempo" in report
            assert "2 begonnen, 1 maakten alle 4 vragen af" in report
        for phone in (again, b, c):
            await phone.disconnect()
        await remote.close()


async def test_opening_another_activity_ends_the_questionnaire_and_a_restart_keeps_the_steps(
    tmp_path: object,
) -> None:
    url = migrated_sqlite_url(tmp_path)
    with live_server(url) as server:
        meeting = create_meeting(server.base, title="Vragenlijst")
        with host(server.base, meeting) as http:
            ids = [http.post("/activities", json={"kind": "wordcloud"}).json()["id"] for _ in range(3)]
            qid = http.post("/questionnaire", json={"activity_ids": ids[:2]}).json()["questionnaires"][-1][
                "id"
            ]
        phone = Phone(server.base, meeting["code"])
        await phone.join()
        await phone.connect()
        assert (await step(phone, qid, 1, "s1"))["type"] == "step_ack"
        await phone.disconnect()
    with live_server(url) as server:  # a restart: the room loads the steps from the database
        phone.base = server.base
        seen = len(phone.inbox)
        await phone.connect()
        assert (await phone.wait_for(lambda m: m["type"] == "pace", start=seen))["step"] == 1
        with host(server.base, meeting) as http:
            http.post(f"/activities/{ids[2]}/open").raise_for_status()
        state = await phone.wait_for(lambda m: m["type"] == "state" and m["activity"] is not None)
        assert state["activity"]["id"] == ids[2] and state.get("questionnaire") is None
        await phone.disconnect()


async def test_a_questionnaire_across_two_workers(postgres_url: str, redis_url: str) -> None:
    with (
        live_server(postgres_url, broadcast_url=redis_url) as a,
        live_server(postgres_url, broadcast_url=redis_url) as b,
    ):
        meeting = create_meeting(a.base, title="Twee werkers")
        with host(a.base, meeting) as http:
            ids = [http.post("/activities", json={"kind": "wordcloud"}).json()["id"] for _ in range(2)]
            # The remote is on worker B before the questionnaire opens: B learns it through Redis.
            remote = await Screen.open(b.base, meeting["code"], meeting["host_key"], role="host")
            await remote.until(lambda m: len(m["activities"]) == 2)
            qid = http.post("/questionnaire", json={"activity_ids": ids}).json()["questionnaires"][-1]["id"]
        phone = Phone(a.base, meeting["code"])
        await phone.join()
        await phone.connect()
        await phone.wait_for(lambda m: m["type"] == "pace")
        assert (await step(phone, qid, 1, "s1"))["type"] == "step_ack"
        assert (await step(phone, qid, 2, "s2"))["type"] == "step_ack"
        shown = await remote.until(lambda m: progress(m) == {"done": [1, 1], "started": 1, "completed": 1})
        assert shown["questionnaire"]["id"] == qid
        await phone.disconnect()
        # The phone comes back through worker B: on the step it was on.
        seen = len(phone.inbox)
        phone.base = b.base
        await phone.connect()
        assert (await phone.wait_for(lambda m: m["type"] == "pace", start=seen))["step"] == 2
        await phone.disconnect()
        await remote.close()


SELF_PACED = """\
format: kring-draaiboek/1
title: Vragenlijst
blocks:
  - title: In eigen tempo
    duration: 10
    self_paced: true
    activities:
      - kind: open
        prompt: Wat neem je mee?
      - kind: wordcloud
        prompt: Eén woord?
"""


def test_a_self_paced_block_from_template_to_export_and_back(tmp_path: object) -> None:
    with live_server(migrated_sqlite_url(tmp_path)) as server:
        meeting = create_meeting(server.base, template_yaml=SELF_PACED)
        with host(server.base, meeting) as http:
            block = http.get("/agenda").json()["agenda"]["blocks"][0]
            assert block["self_paced"] is True
            # The remote's "Open als vragenlijst": the block's activities, in order.
            opened = http.post("/questionnaire", json={"block_id": block["id"]}).json()["questionnaires"]
            assert opened[-1]["steps"] == block["activity_ids"]
            assert "self_paced: true" in http.get("/template.yaml").text
            exported = http.get("/export.json")
        assert exported.json()["blocks"][0]["self_paced"] is True
        restored = httpx.post(f"{server.base}/api/import", content=exported.content, timeout=10)
        restored.raise_for_status()
        with host(server.base, restored.json()) as http:
            assert http.get("/agenda").json()["agenda"]["blocks"][0]["self_paced"] is True
