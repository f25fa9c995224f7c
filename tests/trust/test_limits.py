"""Trust suite, the per-address limits and the door: PROXY (X-Forwarded-For believed only from
KRING_TRUSTED_PROXIES), LOGIN (the owner gets in past a guesser), CREATE (anonymous meetings per
address; the warning of an open instance) and DOOR ("deur dicht")."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.__main__ import open_instance_warning
from server.domain.meeting import CODE_ALPHABET, CODE_LENGTH
from server.settings import Settings
from tests.conftest import migrated_sqlite_url
from tests.factories import database_with_accounts
from tests.support import Phone, ServerProcess, create_meeting, host, live_server
from tests.trust.conftest import SOAK, Figures

pytestmark = pytest.mark.e2e

PASSWORD = "een lang wachtwoord"


def guesses(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)) for _ in range(count)]


def database_name(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


async def guess_from(base: str, codes: list[str], forwarded: list[str]) -> list[int]:
    """One client on loopback; each guess claims to come from another address."""
    statuses = []
    async with httpx.AsyncClient(base_url=base, timeout=30, verify=False) as client:
        for code, address in zip(codes, forwarded, strict=True):
            response = await client.post(f"/api/join/{code}", json={}, headers={"X-Forwarded-For": address})
            statuses.append(response.status_code)
    return statuses


async def test_proxy_forwarded_for_is_believed_only_from_trusted_proxies(
    tmp_path: Path, figures: Figures
) -> None:
    codes = guesses(100, seed=9)
    rotating = [f"10.0.{i // 250}.{i % 250 + 1}" for i in range(len(codes))]
    # `kring serve` as shipped: a process on the same host rotates X-Forwarded-For in vain.
    server = ServerProcess(tmp_path / "default.db")
    server.start()
    try:
        default = Counter(await guess_from(server.base, codes, rotating))
    finally:
        server.kill(15)
    # Behind a proxy named in KRING_TRUSTED_PROXIES, each forwarded address is its own client.
    server = ServerProcess(tmp_path / "trusted.db")
    server.start(KRING_TRUSTED_PROXIES="127.0.0.1")
    try:
        trusted = Counter(await guess_from(server.base, codes, rotating))
        one = Counter(await guess_from(server.base, codes[:30], ["192.0.2.7"] * 30))
        # A client's own X-Forwarded-For in front of the proxy's is not believed either: the
        # right-most address not a trusted proxy is the client.
        prepended = Counter(
            await guess_from(server.base, codes[:30], [f"10.9.9.{i}, 192.0.2.8" for i in range(30)])
        )
    finally:
        server.kill(15)
    figures(
        "PROXY",
        default_rotating_xff=f"{default[404]} × 404, {default[429]} × 429",
        trusted_rotating_xff=f"{trusted[404]} × 404",
        trusted_one_address=f"{one[404]} × 404, {one[429]} × 429",
        trusted_spoofed_prefix=f"{prepended[404]} × 404, {prepended[429]} × 429",
    )
    assert default[404] == 20 and default[429] == 80
    assert trusted[404] == 100
    assert one[404] == 20 and one[429] == 10
    assert prepended[404] == 20 and prepended[429] == 10


async def test_login_the_owner_gets_in_from_another_address_after_a_guesser(
    database_url: str, figures: Figures
) -> None:
    database_with_accounts(database_url, ("anna@example.org", PASSWORD, "Anna"))
    wrong = {"email": "anna@example.org", "password": "niet het wachtwoord"}
    right = {"email": "anna@example.org", "password": PASSWORD}
    # Addresses through a trusted proxy (loopback): the guesser's and the owner's.
    with live_server(database_url, trusted_proxies="127.0.0.1") as server:
        async with httpx.AsyncClient(base_url=server.base, timeout=60, verify=False) as client:

            async def login(body: dict[str, str], address: str) -> tuple[int, float]:
                started = time.monotonic()
                response = await client.post("/api/login", json=body, headers={"X-Forwarded-For": address})
                return response.status_code, time.monotonic() - started

            attacker = [await login(wrong, "203.0.113.66") for _ in range(6)]
            owner, owner_wait = await login(right, "198.51.100.7")
            rotating: list[tuple[int, float]] = []
            if SOAK:  # a guesser on many addresses: slowed down, one try at a time per account
                rotating = list(
                    await asyncio.gather(*(login(wrong, f"203.0.113.{100 + i}") for i in range(10)))
                )
                owner_again, owner_again_wait = await login(right, "198.51.100.7")
                assert owner_again == 200
    figures(
        "LOGIN",
        database=database_name(database_url),
        guesser_one_address=[status for status, _ in attacker],
        owner_from_another_address=f"{owner} after {owner_wait:.1f} s",
        **(
            {
                "guesser_10_addresses_slowed": f"{max(s for _, s in rotating):.1f} s max",
                "owner_after_that": f"200 after {owner_again_wait:.1f} s",
            }
            if SOAK
            else {}
        ),
    )
    assert [status for status, _ in attacker] == [401] * 5 + [429]
    assert owner == 200 and 0.9 < owner_wait < 5


async def test_create_anonymous_meetings_are_limited_per_address(
    database_url: str, tmp_path: Path, figures: Figures
) -> None:
    attempts = 1_000 if SOAK else 100
    with live_server(database_url, trusted_proxies="127.0.0.1") as server:
        async with httpx.AsyncClient(base_url=server.base, timeout=60, verify=False) as client:
            started = time.monotonic()
            statuses = [
                (
                    await client.post(
                        "/api/meetings",
                        json={"title": f"Nummer {i}"},
                        headers={"X-Forwarded-For": "203.0.113.9"},
                    )
                ).status_code
                for i in range(attempts)
            ]
            took = time.monotonic() - started
            body = (
                await client.post(
                    "/api/meetings", json={"title": "x"}, headers={"X-Forwarded-For": "203.0.113.9"}
                )
            ).json()
            other = await client.post(
                "/api/meetings", json={"title": "Van een ander"}, headers={"X-Forwarded-For": "198.51.100.20"}
            )
    counts = Counter(statuses)
    url = migrated_sqlite_url(tmp_path, "open.db")
    database_with_accounts(url)
    open_lan = open_instance_warning(Settings(database_url=url, host="0.0.0.0"))
    loopback = open_instance_warning(Settings(database_url=url, host="127.0.0.1"))
    database_with_accounts(url, ("anna@example.org", PASSWORD, ""))
    with_account = open_instance_warning(Settings(database_url=url, host="0.0.0.0"))
    figures(
        "CREATE",
        database=database_name(database_url),
        anonymous_from_one_address=f"{attempts} in {took:.1f} s: {counts[201]} made, {counts[429]} × 429",
        another_address=other.status_code,
        warning_on_0_0_0_0_without_account=open_lan is not None,
        warning_on_loopback_or_with_account=loopback is not None or with_account is not None,
    )
    # 30 at once, then one a minute (60 an hour) while the attempts last.
    assert 30 <= counts[201] <= 31 + took / 60 and counts[201] + counts[429] == attempts
    assert body["error"]["code"] == "too_many_meetings" and other.status_code == 201
    assert open_lan is not None and "anyone on the network can create meetings" in open_lan
    assert loopback is None and with_account is None


async def test_door_closed_keeps_the_room_and_refuses_newcomers(database_url: str, figures: Figures) -> None:
    flood = 300 if SOAK else 60
    in_room = 40
    with live_server(database_url) as server:
        meeting = create_meeting(server.base, title="Deur dicht", demo=True)
        code = meeting["code"]
        secret = meeting["join_url"].split("#j=", 1)[1]
        http = host(server.base, meeting)
        activity = meeting["activities"][0]
        http.post(f"/activities/{activity['id']}/open").raise_for_status()
        phones = [Phone(server.base, code, nickname=f"p{i}") for i in range(in_room)]
        for phone in phones:
            await phone.join(secret=secret)
        # A client that drops its cookie is a new participant every time (one vote per cookie).
        async with httpx.AsyncClient(base_url=server.base, timeout=30, verify=False) as client:
            for _ in range(flood):
                client.cookies.clear()
                (await client.post(f"/api/join/{code}", json={"secret": secret})).raise_for_status()
        seen = http.get("/door").json()
        closed = http.put("/door", json={"closed": True}).json()
        async with httpx.AsyncClient(base_url=server.base, timeout=30, verify=False) as client:
            newcomers = []
            for _ in range(flood):
                client.cookies.clear()
                newcomers.append(await client.post(f"/api/join/{code}", json={"secret": secret}))
        refused = Counter((r.status_code, r.json()["error"]["code"]) for r in newcomers)
        # Everyone in the room rejoins (reload, a new socket) and answers as before.
        acked = 0
        for index, phone in enumerate(phones):
            await phone.join()
            await phone.connect()
            await phone.wait_for(lambda m: m["type"] == "state")
            reply = await phone.answer(activity["id"], "0", _value(activity), f"door-{index}")
            acked += reply["type"] == "ack"
            await phone.disconnect()
        after = http.get("/door").json()
    # Closed is kept in the database: a restarted server keeps the door closed, then opens it.
    with live_server(database_url) as server:
        http = host(server.base, meeting)
        restarted = http.get("/door").json()["closed"]
        async with httpx.AsyncClient(base_url=server.base, timeout=30, verify=False) as client:
            still = (await client.post(f"/api/join/{code}", json={"secret": secret})).status_code
            http.put("/door", json={"closed": False}).raise_for_status()
            client.cookies.clear()
            opened = (await client.post(f"/api/join/{code}", json={"secret": secret})).status_code
    figures(
        "DOOR",
        database=database_name(database_url),
        joins_last_minute_before=seen["joins_last_minute"],
        newcomers_refused=f"{refused[(403, 'joins_closed')]}/{flood} (403 joins_closed)",
        room_rejoined_and_answered=f"{acked}/{in_room}",
        participants=f"{closed['participants']} → {after['participants']}",
        closed_after_restart=restarted,
        after_opening=opened,
    )
    assert seen["joins_last_minute"] == in_room + flood and closed["closed"] is True
    assert refused == {(403, "joins_closed"): flood}
    assert acked == in_room and after["participants"] == closed["participants"] == in_room + flood
    assert restarted is True and still == 403 and opened == 200


def _value(activity: dict[str, Any]) -> dict[str, Any]:
    """An answer to the demo meeting's first activity (an open question)."""
    assert activity["kind"] == "open"
    return {"text": "Een antwoord"}
