"""Q&A and reactions over the real websocket: exact votes under a crowd, moderation, bursts."""

from __future__ import annotations

import asyncio
import time
from typing import Any, get_args

import pytest

from server.domain.reactions import REACTIONS
from server.routes.beside import ReactionName
from tests.conftest import migrated_sqlite_url, sqlite_url
from tests.support import Phone, Screen, create_meeting, host, live_server

pytestmark = pytest.mark.e2e


def test_the_apis_reaction_names_are_the_shipped_ones() -> None:
    assert list(get_args(ReactionName)) == list(REACTIONS)


def question(snapshot: dict[str, Any], question_id: int) -> dict[str, Any] | None:
    qa = (snapshot.get("beside") or {}).get("qa") or {}
    for q in qa.get("questions", []):
        if q["id"] == question_id:
            return dict(q)
    return None


def hearts(snapshot: dict[str, Any]) -> int:
    """The heart taps a screen frame's burst carries."""
    return int((snapshot["beside"]["reactions"]["burst"] or {}).get("heart", 0))


async def crowd(base: str, code: str, n: int) -> list[Phone]:
    phones = [Phone(base, code, nickname=f"p{i}") for i in range(n)]
    for chunk in range(0, n, 50):
        await asyncio.gather(*(p.join() for p in phones[chunk : chunk + 50]))
        await asyncio.gather(*(p.connect() for p in phones[chunk : chunk + 50]))
    return phones


async def ask(phone: Phone, text: str, client_id: str, anonymous: bool = False) -> dict[str, Any]:
    start = len(phone.inbox)
    await phone.send({"type": "ask", "client_id": client_id, "text": text, "anonymous": anonymous})
    return await phone.wait_for(lambda m: m.get("client_id") == client_id, start=start)


async def vote(phone: Phone, question_id: int, client_id: str, up: bool = True) -> dict[str, Any]:
    start = len(phone.inbox)
    await phone.send({"type": "vote", "client_id": client_id, "question_id": question_id, "up": up})
    return await phone.wait_for(lambda m: m.get("client_id") == client_id, start=start)


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_qa_200_participants_upvoting_at_once_give_exactly_200_votes(
    engine: str, tmp_path: object, request: pytest.FixtureRequest
) -> None:
    url = migrated_sqlite_url(tmp_path) if engine == "sqlite" else request.getfixturevalue("postgres_url")
    with live_server(url) as server:
        meeting = create_meeting(server.base, title="Vragen")
        with host(server.base, meeting) as http:
            http.patch("/qa", json={"open": True}).raise_for_status()
        asker = Phone(server.base, meeting["code"], nickname="Vrager")
        await asker.join()
        await asker.connect()
        asked = await ask(asker, "Wat gebeurt er met de resultaten?", "q1")
        assert asked["type"] == "qa_ack", asked
        qid = asked["question_id"]
        phones = await crowd(server.base, meeting["code"], 200)
        screen = await Screen.open(server.base, meeting["code"], meeting["presenter_key"])
        await asyncio.gather(*(p.wait_for(lambda m: m["type"] == "beside") for p in phones))

        acks = await asyncio.gather(*(vote(p, qid, f"v-{i}") for i, p in enumerate(phones)))
        assert [a["type"] for a in acks] == ["qa_ack"] * 200, [a for a in acks if a["type"] != "qa_ack"][:3]
        # Every phone resends its vote (a reconnect that lost the ack): still 200.
        again = await asyncio.gather(*(vote(p, qid, f"v-{i}") for i, p in enumerate(phones)))
        assert all(a["type"] == "qa_ack" and a["duplicate"] for a in again)
        shown = await screen.until(lambda m: (question(m, qid) or {}).get("votes") == 200)
        assert question(shown, qid) == {**question(shown, qid), "votes": 200}
        with host(server.base, meeting) as http:
            stored = http.get("/beside").json()["qa"]["questions"]
        assert [q["votes"] for q in stored] == [200]
        # The phones' frames stay bounded: the shared top list, not one entry per voter.
        # (The phone's frame left with the screen's, but may be read after it: wait for it.)
        beside = await phones[0].wait_for(
            lambda m: m["type"] == "beside" and [q["votes"] for q in m["qa"]["questions"]] == [200]
        )
        assert beside["qa"]["questions"][0]["id"] == qid
        for phone in [asker, *phones]:
            await phone.disconnect()
        await screen.close()


async def test_qa_vote_withdraw_premoderate_highlight_answer(tmp_path: object) -> None:
    with live_server(migrated_sqlite_url(tmp_path)) as server:
        meeting = create_meeting(server.base, title="Vragen")
        a, b = Phone(server.base, meeting["code"], nickname="Anna"), Phone(server.base, meeting["code"])
        for phone in (a, b):
            await phone.join()
            await phone.connect()
        closed = await ask(a, "Mag dit?", "early")
        assert closed["code"] == "qa_closed"
        with host(server.base, meeting) as http:
            http.patch("/qa", json={"open": True, "premoderate": True}).raise_for_status()
            screen = await Screen.open(server.base, meeting["code"], meeting["host_key"], role="host")
            asked = await ask(a, "  Hoe  gaan we verder? ", "q1")
            qid = asked["question_id"]
            held = await screen.until(lambda m: bool(m["beside"]["qa"]["questions"]))
            assert held["beside"]["qa"]["questions"][0] | {"votes": 0} == {
                "id": qid,
                "text": "Hoe gaan we verder?",
                "nickname": "Anna",
                "votes": 0,
                "answered": False,
                "status": "pending",
                "flagged": False,
            }
            # Not yet approved: b cannot see it nor vote for it; a sees it as its own, pending.
            refused = await vote(b, qid, "b1")
            assert refused["code"] == "unknown_question"
            mine = await a.wait_for(lambda m: m["type"] == "qa_mine" and m["questions"])
            assert mine["questions"][0]["status"] == "pending"
            http.post(f"/qa/questions/{qid}", json={"action": "approve"}).raise_for_status()
            await b.wait_for(lambda m: m["type"] == "beside" and (m["qa"] or {}).get("questions"))
            assert (await vote(b, qid, "b2"))["type"] == "qa_ack"
            assert (await vote(a, qid, "a1"))["code"] == "own_question"
            await b.wait_for(lambda m: m["type"] == "qa_mine" and m["votes"] == [qid])
            assert (await vote(b, qid, "b3", up=False))["type"] == "qa_ack"
            await b.wait_for(lambda m: m["type"] == "qa_mine" and m["votes"] == [])
            await screen.until(lambda m: m["beside"]["qa"]["questions"][0]["votes"] == 0)
            http.post(f"/qa/questions/{qid}", json={"action": "highlight"}).raise_for_status()
            await screen.until(lambda m: m["beside"]["qa"]["highlighted"] == qid)
            http.post(f"/qa/questions/{qid}", json={"action": "answer"}).raise_for_status()
            done = await screen.until(lambda m: m["beside"]["qa"]["questions"][0]["answered"])
            assert done["beside"]["qa"]["highlighted"] is None
            anonymous = await ask(b, "Wie betaalt?", "q2", anonymous=True)
            http.post(f"/qa/questions/{anonymous['question_id']}", json={"action": "hide"})
            view = http.get("/beside").json()["qa"]["questions"]
            assert [(q["nickname"], q["status"]) for q in view] == [(None, "hidden"), ("Anna", "visible")]
            wrong = http.post(f"/qa/questions/{qid}", json={"action": "explode"})
            assert wrong.status_code == 422
        for phone in (a, b):
            await phone.disconnect()
        await screen.close()


async def test_reactions_arrive_as_bursts_and_are_rate_limited(tmp_path: object) -> None:
    # Bursts of 10, refilled by one tap in 100 s: what a phone may still tap is what its burst
    # has left, not what the refill added for however long a loaded machine took (at 5/s, a
    # second between the hearts and the claps and 0.2 s to read the claps count 11 of them).
    with live_server(migrated_sqlite_url(tmp_path), reactions_per_second=0.01, reactions_burst=10) as server:
        meeting = create_meeting(server.base, title="Reacties")
        phones = await crowd(server.base, meeting["code"], 20)
        screen = await Screen.open(server.base, meeting["code"], meeting["presenter_key"])
        await screen.until(lambda m: m["participants"] == 20)
        before = len(screen.snapshots)
        started = time.monotonic()  # the server's clock too (it runs in this process)
        for phone in phones:
            for _ in range(5):
                await phone.send({"type": "react", "reaction": "heart"})
        await screen.until(lambda m: sum(map(hearts, screen.snapshots[before:])) == 100)
        elapsed = time.monotonic() - started
        # 100 taps in a handful of frames, never one per tap: they ride on the screen's frames,
        # at most one per tick for as long as sending them took (a tick or two on a quiet
        # machine; a fixed count would fail on a loaded one, where sending takes longer).
        carrying = [s for s in screen.snapshots[before:] if hearts(s)]
        assert 1 <= len(carrying) <= 1 + elapsed / server.settings.tick_seconds, (len(carrying), elapsed)
        # Too fast: beyond its burst a phone is told once and its extra taps are not counted.
        for _ in range(30):
            await phones[0].send({"type": "react", "reaction": "clap"})
        error = await phones[0].wait_for(lambda m: m["type"] == "error")
        assert error["code"] == "rate_limited"
        await phones[1].send({"type": "react", "reaction": "fire"})
        assert (await phones[1].wait_for(lambda m: m["type"] == "error"))["code"] == "unknown_reaction"
        with host(server.base, meeting) as http:
            http.patch("/reactions", json={"on": False}).raise_for_status()
            await phones[2].wait_for(lambda m: m["type"] == "beside" and m["reactions"] is None)
            await phones[2].send({"type": "react", "reaction": "heart"})
            assert (await phones[2].wait_for(lambda m: m["type"] == "error"))["code"] == "reactions_off"
            bad = http.patch("/reactions", json={"set": ["heart", "nope"]})
            assert bad.status_code == 422 and "set.1" in bad.json()["error"]["message"]
            twice = http.patch("/reactions", json={"set": ["heart", "heart"]})
            assert twice.status_code == 400 and twice.json()["error"]["code"] == "invalid_reaction_set"
            http.patch("/reactions", json={"on": True, "set": ["idea", "heart"]}).raise_for_status()
            await phones[2].wait_for(lambda m: m["type"] == "beside" and m["reactions"] == ["idea", "heart"])
        for phone in phones:
            await phone.disconnect()
        await screen.close()
    # The taps were saved (on stopping at the latest) and count for the report.
    with live_server(sqlite_url(tmp_path)) as again, host(again.base, meeting) as http:
        counts = http.get("/beside").json()["reactions"]["counts"]
    assert [c["activity_id"] for c in counts] == [None]
    assert counts[0]["counts"]["heart"] == 100
    assert counts[0]["counts"]["clap"] == 5  # its burst's tokens left after 5 hearts, not the 30 sent


@pytest.mark.postgres
@pytest.mark.redis
async def test_qa_and_reactions_reach_the_other_worker(postgres_url: str, redis_url: str) -> None:
    """Questions, votes and host changes committed on one worker reach the other's rooms (the
    "beside" bus message reloads the board); taps counted on one worker float on the other's
    big screen ("taps", every 0.25 s), and each tap is saved once."""
    with (
        live_server(postgres_url, broadcast_url=redis_url) as a,
        live_server(postgres_url, broadcast_url=redis_url) as b,
    ):
        meeting = create_meeting(a.base, title="Twee werkers")
        screen = await Screen.open(b.base, meeting["code"], meeting["presenter_key"])
        with host(a.base, meeting) as http:
            http.patch("/qa", json={"open": True}).raise_for_status()
        await screen.until(lambda m: (m["beside"] or {}).get("qa") is not None)
        phones = [Phone(a.base if i % 2 else b.base, meeting["code"], nickname=f"p{i}") for i in range(6)]
        for phone in phones:
            await phone.join()
            await phone.connect()
        asked = await ask(phones[1], "Komt er een verslag?", "q1")  # on worker A
        qid = asked["question_id"]
        await phones[0].wait_for(lambda m: m["type"] == "beside" and (m["qa"] or {}).get("count") == 1)
        acks = await asyncio.gather(*(vote(p, qid, f"v{i}") for i, p in enumerate(phones) if i != 1))
        assert all(ack["type"] == "qa_ack" for ack in acks)
        await screen.until(lambda m: (question(m, qid) or {}).get("votes") == 5)
        with host(b.base, meeting) as http:
            http.post(f"/qa/questions/{qid}", json={"action": "highlight"}).raise_for_status()
        await phones[1].wait_for(
            lambda m: m["type"] == "beside" and (m["qa"]["highlighted"] or {}).get("id") == qid
        )
        before = len(screen.snapshots)
        for _ in range(4):
            await phones[1].send({"type": "react", "reaction": "clap"})  # worker A's phone
        await screen.until(
            lambda m: (
                sum(
                    (s["beside"]["reactions"]["burst"] or {}).get("clap", 0)
                    for s in screen.snapshots[before:]
                )
                == 4
            )
        )
        for phone in phones:
            await phone.disconnect()
        await screen.close()
    with live_server(postgres_url) as again, host(again.base, meeting) as http:
        counts = http.get("/beside").json()["reactions"]["counts"]
    assert counts == [{"activity_id": None, "counts": {"clap": 4}}]  # saved by A only, once


async def test_qa_phone_frames_stay_bounded_with_the_phones_own_question_outside_the_top(
    tmp_path: object,
) -> None:
    """30 questions with votes: every phone's beside frame holds the top 20 (and the count), a
    phone whose question is not among them still has it in its own qa_mine."""
    with live_server(migrated_sqlite_url(tmp_path)) as server:
        meeting = create_meeting(server.base, title="Veel vragen")
        with host(server.base, meeting) as http:
            http.patch("/qa", json={"open": True}).raise_for_status()
        phones = await crowd(server.base, meeting["code"], 31)
        asked = [await ask(p, f"Vraag nummer {i}", f"q{i}") for i, p in enumerate(phones[:30])]
        ids = [a["question_id"] for a in asked]
        # The last phone upvotes the 20 newest: the oldest 10 fall out of the phones' top 20.
        for n, qid in enumerate(ids[10:]):
            assert (await vote(phones[30], qid, f"v{n}"))["type"] == "qa_ack"

        def voted_top(m: dict[str, Any]) -> bool:
            shown = (m.get("qa") or {}).get("questions", []) if m["type"] == "beside" else []
            return len(shown) == 20 and all(q["votes"] == 1 for q in shown)

        top = await phones[0].wait_for(voted_top)
        assert len(top["qa"]["questions"]) == 20 and top["qa"]["count"] == 30
        assert ids[0] not in [q["id"] for q in top["qa"]["questions"]]
        mine = [m for m in phones[0].inbox if m["type"] == "qa_mine"][-1]
        assert [q["id"] for q in mine["questions"]] == [ids[0]]
        voter = await phones[30].wait_for(lambda m: m["type"] == "qa_mine" and len(m["votes"]) == 20)
        assert voter["votes"] == ids[10:]
        for phone in phones:
            await phone.disconnect()
