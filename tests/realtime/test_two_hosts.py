"""Two hosts: separate `kring serve` processes sharing one PostgreSQL and one Redis (docs/deploy.md)."""

from __future__ import annotations

import signal

import httpx
import pytest

from tests.realtime.test_multiworker import answer_words, words_acked, words_shown
from tests.support import Phone, Screen, ServerProcess, create_meeting, host

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.e2e]


async def test_phones_on_one_host_and_the_big_screen_on_another_see_every_acknowledged_answer(
    postgres_url: str, redis_url: str
) -> None:
    # Started one after the other, each on its own port, as two machines behind a proxy would be;
    # they know of each other only through the database and Redis.
    hosts = [ServerProcess(postgres_url, "--broadcast-url", redis_url) for _ in range(2)]
    for server in hosts:
        server.start()
    phones_host, screen_host = hosts
    try:
        meeting = create_meeting(phones_host.base, title="Twee hosts")
        with host(screen_host.base, meeting) as http:  # the facilitator's remote on the screen's host
            activity = http.post("/activities", json={"kind": "wordcloud"}).json()
            screen = await Screen.open(screen_host.base, meeting["code"], meeting["presenter_key"])
            http.post(f"/activities/{activity['id']}/open").raise_for_status()
        phones = [Phone(phones_host.base, meeting["code"]) for _ in range(25)]
        for phone in phones:
            await phone.join()
            await phone.connect()
        await screen.until(lambda m: m["participants"] == 25)  # presence crosses hosts too
        for round_ in range(3):  # every phone answers, then replaces its word twice
            await answer_words(phones, activity["id"], round_)
        want = words_acked(phones, activity["id"])
        assert sum(want.values()) == 25
        await screen.until(lambda m: m["results"] is not None and words_shown(m) == want)
        for server in hosts:  # the results as the facilitator reads them, from either host
            response = httpx.get(
                f"{server.base}/api/meetings/{meeting['code']}/activities/{activity['id']}/results",
                headers={"Authorization": f"Bearer {meeting['host_key']}"},
                timeout=10,
            )
            response.raise_for_status()
            assert words_shown(response.json()) == want, server.base
            assert response.json()["respondents"] == 25
        for phone in phones:
            await phone.disconnect()
        await screen.close()
    finally:
        for server in hosts:
            server.kill(signal.SIGTERM)
