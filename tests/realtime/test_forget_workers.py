"""Vergeet mij across two workers (Redis): a phone on worker B erases itself through worker A; the
big screen on B drops its answers and B closes its socket."""

from __future__ import annotations

import httpx
import pytest

from tests.support import Phone, Screen, create_meeting, host, live_server

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.e2e]


def counts(snapshot: dict[str, object]) -> dict[str, int]:
    results = snapshot.get("results") or {}
    assert isinstance(results, dict)
    return {w["key"]: w["count"] for w in results.get("words", [])}


async def test_an_erasure_reaches_the_room_on_the_other_worker(postgres_url: str, redis_url: str) -> None:
    with (
        live_server(postgres_url, broadcast_url=redis_url) as a,
        live_server(postgres_url, broadcast_url=redis_url) as b,
    ):
        meeting = create_meeting(a.base, title="Twee werkers")
        code = meeting["code"]
        with host(a.base, meeting) as http:
            cloud = http.post("/activities", json={"kind": "wordcloud"}).json()
            http.post(f"/activities/{cloud['id']}/open").raise_for_status()
        screen = await Screen.open(b.base, code, meeting["presenter_key"])
        gone, stays = Phone(b.base, code), Phone(b.base, code)
        for phone in (gone, stays):
            await phone.join()
            await phone.connect()
        assert (await gone.answer(cloud["id"], "0", {"word": "Weg"}, "g0"))["type"] == "ack"
        assert (await stays.answer(cloud["id"], "0", {"word": "Blijft"}, "s0"))["type"] == "ack"
        await screen.until(lambda s: counts(s) == {"weg": 1, "blijft": 1})
        erased = httpx.delete(
            f"{a.base}/api/join/{code}", headers={"Cookie": f"kring_{code}={gone.cookie}"}, timeout=10
        )
        assert erased.status_code == 200, erased.text
        await screen.until(lambda s: counts(s) == {"blijft": 1})
        assert gone._reader is not None
        await gone._reader  # worker B closed the erased phone's socket
        assert gone.ws.close_code == 4401
        assert (await stays.answer(cloud["id"], "1", {"word": "Verder"}, "s1"))["type"] == "ack"
        await screen.until(lambda s: counts(s) == {"blijft": 1, "verder": 1})
        await stays.disconnect()
        await screen.close()
