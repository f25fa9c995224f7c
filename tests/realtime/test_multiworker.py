"""Two workers sharing PostgreSQL and Redis: every screen shows what was acknowledged anywhere."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import select
from sqlmodel import Session, col

from server.db.engine import make_engine
from server.db.tables import Answer
from tests.support import Phone, Screen, ServerProcess, create_meeting, free_port, host, live_server

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.e2e]


def words_shown(snapshot: dict[str, Any]) -> dict[str, int]:
    return {w["key"]: w["count"] for w in snapshot["results"]["words"]}


def words_acked(phones: list[Phone], activity_id: int) -> dict[str, int]:
    final: dict[tuple[int, str], str] = {}
    for index, phone in enumerate(phones):
        for ack in phone.acks.values():
            if ack["activity_id"] == activity_id:
                final[(index, ack["slot"])] = ack["value"]["word"]
    return dict(Counter(" ".join(w.split()).casefold() for w in final.values()))


async def answer_words(phones: list[Phone], activity_id: int, round_: int) -> None:
    async def one(index: int, phone: Phone) -> None:
        reply = await phone.answer(
            activity_id, "0", {"word": f"woord{(index + round_) % 7}"}, f"r{round_}-{index}"
        )
        assert reply["type"] == "ack", reply

    await asyncio.gather(*(one(i, p) for i, p in enumerate(phones)))


async def test_two_workers_share_rooms_through_redis(postgres_url: str, redis_url: str) -> None:
    with (
        live_server(postgres_url, broadcast_url=redis_url) as a,
        live_server(postgres_url, broadcast_url=redis_url) as b,
    ):
        meeting = create_meeting(a.base, title="Twee werkers")
        with host(b.base, meeting) as http:
            activity = http.post("/activities", json={"kind": "wordcloud"}).json()
            # The presenter is on worker B before the activity opens: B learns it through Redis.
            screen = await Screen.open(b.base, meeting["code"], meeting["presenter_key"])
            http.post(f"/activities/{activity['id']}/open").raise_for_status()
        phones = [Phone(a.base if i % 2 else b.base, meeting["code"]) for i in range(20)]
        for phone in phones:
            await phone.join()
            await phone.connect()
        await screen.until(lambda m: m["participants"] == 20)
        for round_ in range(3):
            await answer_words(phones, activity["id"], round_)
        want = words_acked(phones, activity["id"])
        await screen.until(lambda m: m["results"] is not None and words_shown(m) == want)
        other = await Screen.open(a.base, meeting["code"], meeting["host_key"], role="host")
        await other.until(lambda m: words_shown(m) == want)
        for phone in phones:
            await phone.disconnect()
        await screen.close()
        await other.close()


@contextlib.contextmanager
def private_redis() -> Iterator[tuple[str, Any]]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    args = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=port)
        for _ in range(100):
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    return process
            time.sleep(0.05)
        raise RuntimeError("private redis did not start")

    state = {"process": start()}

    class Control:
        def stop(self) -> None:
            state["process"].terminate()
            state["process"].wait(10)

        def start(self) -> None:
            state["process"] = start()

    try:
        yield f"redis://127.0.0.1:{port}/0", Control()
    finally:
        state["process"].terminate()
        state["process"].wait(10)


async def test_redis_outage_loses_no_acknowledged_answer(postgres_url: str) -> None:
    with (
        private_redis() as (url, control),
        live_server(postgres_url, broadcast_url=url) as a,
        live_server(postgres_url, broadcast_url=url) as b,
    ):
        meeting = create_meeting(a.base, title="Storing")
        with host(a.base, meeting) as http:
            activity = http.post("/activities", json={"kind": "wordcloud"}).json()
            http.post(f"/activities/{activity['id']}/open").raise_for_status()
        screen = await Screen.open(b.base, meeting["code"], meeting["presenter_key"])
        phones = [Phone(a.base, meeting["code"]) for _ in range(12)]
        for phone in phones:
            await phone.join()
            await phone.connect()
        await answer_words(phones, activity["id"], 0)
        control.stop()
        outage_end = time.monotonic() + 10
        round_ = 1
        while time.monotonic() < outage_end:  # answering goes on while Redis is down
            await answer_words(phones, activity["id"], round_)
            round_ += 1
            await asyncio.sleep(1)
        control.start()
        back = time.monotonic()
        want = words_acked(phones, activity["id"])
        engine = make_engine(postgres_url)
        with Session(engine) as session:  # the truth: every acknowledged answer is stored
            stored = session.scalars(select(Answer).where(col(Answer.activity_id) == activity["id"])).all()
        engine.dispose()
        assert dict(Counter(a.payload["word"] for a in stored)) == want
        await screen.until(lambda m: words_shown(m) == want, timeout=5)
        assert time.monotonic() - back <= 5
        for phone in phones:
            await phone.disconnect()
        await screen.close()


async def test_kring_serve_with_two_workers(postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    server = ServerProcess(postgres_url, "--workers", "2", "--broadcast-url", redis_url)
    server.start()
    base = server.base
    try:
        meeting = create_meeting(base, title="Twee processen")
        with host(base, meeting) as http:
            activity = http.post("/activities", json={"kind": "wordcloud"}).json()
            http.post(f"/activities/{activity['id']}/open").raise_for_status()
        screens = [await Screen.open(base, meeting["code"], meeting["presenter_key"]) for _ in range(4)]
        phones = [Phone(base, meeting["code"]) for _ in range(30)]
        for phone in phones:
            await phone.join()
            await phone.connect()
        await answer_words(phones, activity["id"], 0)
        await answer_words(phones, activity["id"], 1)
        want = words_acked(phones, activity["id"])
        for screen in screens:  # whichever worker each screen landed on
            await screen.until(lambda m: m["results"] is not None and words_shown(m) == want)
            await screen.until(lambda m: m["participants"] == 30)
        for phone in phones:
            await phone.disconnect()
        for screen in screens:
            await screen.close()
    finally:
        server.kill(signal.SIGTERM)
