"""The roles across two workers (Redis): the timekeeper's signal sent on one worker reaches a
remote on the other, and a role's key revoked on one closes its remote on the other."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets

from tests.support import Screen, create_meeting, live_server

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


async def test_the_signal_and_a_revocation_reach_the_other_worker(postgres_url: str, redis_url: str) -> None:
    with (
        live_server(postgres_url, broadcast_url=redis_url) as a,
        live_server(postgres_url, broadcast_url=redis_url) as b,
    ):
        meeting = create_meeting(a.base, title="Twee werkers")
        code, host = meeting["code"], {"Authorization": f"Bearer {meeting['host_key']}"}
        keys = {}
        for role in ("timekeeper", "moderator"):
            made = httpx.post(f"{a.base}/api/meetings/{code}/roles/{role}", headers=host, timeout=10)
            keys[role] = made.json()["key"]
        # The host's remote and the moderator's, both on worker B.
        url = b.base.replace("http", "ws", 1) + f"/ws/{code}/host"
        async with websockets.connect(url, origin=websockets.Origin(b.base)) as remote:
            await remote.send(json.dumps({"type": "auth", "key": meeting["host_key"]}))
            assert json.loads(await remote.recv())["type"] == "snapshot"
            moderator = await Screen.open(b.base, code, keys["moderator"], role="host")
            await moderator.until(lambda m: True)
            sent = httpx.post(
                f"{a.base}/api/meetings/{code}/signal",
                json={"minutes": 5},
                headers={"Authorization": f"Bearer {keys['timekeeper']}"},
                timeout=10,
            )
            assert sent.status_code == 202

            async def signal() -> dict[str, object]:
                while (frame := json.loads(await remote.recv()))["type"] != "signal":
                    pass
                return frame

            frame = await asyncio.wait_for(signal(), 10)
            assert frame["minutes"] == 5 and frame["at"] == sent.json()["at"]
            revoked = httpx.delete(f"{a.base}/api/meetings/{code}/roles/moderator", headers=host, timeout=10)
            assert revoked.status_code == 204
            assert await moderator.closed(10) == 4403 and "forbidden" in moderator.errors
