"""Trust suite RESYNC: a phone that was offline while 50 changes happened comes back to exactly
the server's state, including what it had already answered (reduced unless KRING_SOAK=1)."""

from __future__ import annotations

import os
import random
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import sqlite_url
from tests.support import Phone, create_meeting, host, live_server

pytestmark = pytest.mark.e2e
SOAK = os.environ.get("KRING_SOAK") == "1"
WORDS = ["Samen", "Leren", "Groei", "Plezier", "Moed"]


@pytest.mark.timeout(3600 if SOAK else 300)
async def test_resync_after_offline_matches_the_server(tmp_path: Path) -> None:
    trials, changes = (1000, 50) if SOAK else (12, 50)
    rng = random.Random(5)
    with live_server(sqlite_url(tmp_path), ws_rate_per_minute=100_000, ws_rate_burst=100_000) as live:
        meeting = create_meeting(live.base)
        http = host(live.base, meeting)
        clouds = [http.post("/activities", json={"kind": "wordcloud"}).json() for _ in range(2)]
        http.post(f"/activities/{clouds[0]['id']}/open").raise_for_status()
        observer = Phone(live.base, meeting["code"])
        await observer.join()
        await observer.connect()
        twin = Phone(live.base, meeting["code"], cookie=observer.cookie)  # the same person, other device
        await twin.connect()
        others = [Phone(live.base, meeting["code"]) for _ in range(5)]
        for phone in others:
            await phone.join()
            await phone.connect()
        mine: dict[tuple[int, str], str] = {}  # the observer's own answers, as acknowledged
        counter = 0
        current, is_open = clouds[0], True
        for _trial in range(trials):
            await observer.disconnect()
            for _ in range(changes):
                counter += 1
                roll = rng.random()
                if roll < 0.08:
                    current = rng.choice(clouds)
                    http.post(f"/activities/{current['id']}/open").raise_for_status()
                    is_open = True
                elif roll < 0.12:
                    http.post(f"/activities/{current['id']}/close").raise_for_status()
                    is_open = False
                elif roll < 0.18:
                    http.post(f"/activities/{current['id']}/visibility", json={"phones": rng.random() < 0.5})
                elif roll < 0.35 and is_open:  # the observer answers on its other device
                    slot, word = rng.choice("012"), rng.choice(WORDS)
                    reply = await twin.answer(current["id"], slot, {"word": word}, f"t{counter}")
                    assert reply["type"] == "ack"
                    mine[(current["id"], slot)] = word
                elif is_open:
                    phone = rng.choice(others)
                    slot = rng.choice("012")
                    if rng.random() < 0.2:
                        reply = await phone.withdraw(current["id"], slot, f"o{counter}")
                    else:
                        reply = await phone.answer(
                            current["id"], slot, {"word": rng.choice(WORDS)}, f"o{counter}"
                        )
                    assert reply["type"] == "ack"
            observer.inbox.clear()
            await observer.connect()
            state = await observer.wait_for(lambda m: m["type"] == "state")
            got_mine = await observer.wait_for(lambda m: m["type"] == "mine")
            truth = http.get(f"{live.base}/api/meetings/{meeting['code']}").json()
            assert state["activity"]["id"] == truth["current_activity_id"] == current["id"]
            live_activity = next(a for a in truth["activities"] if a["id"] == current["id"])
            assert state["activity"]["status"] == live_activity["status"]
            want_mine = {slot: word for (aid, slot), word in mine.items() if aid == current["id"]}
            assert {slot: a["value"]["word"] for slot, a in got_mine["answers"].items()} == want_mine
            results = http.get(f"/activities/{current['id']}/results").json()["results"]
            if live_activity["show_results_phones"]:
                assert state["results"] is not None
                assert Counter({w["key"]: w["count"] for w in state["results"]["words"]}) == Counter(
                    {w["key"]: w["count"] for w in results["words"]}
                )
            else:
                assert state["results"] is None
        for phone in [observer, twin, *others]:
            await phone.disconnect()
        http.close()
