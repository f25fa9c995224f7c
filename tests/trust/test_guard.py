"""Trust suite, the code guard's rows: GUARD (no route tells a live meeting from an unknown code
without its key) and QR-ROOM (the QR link never locks out a room behind one address)."""

from __future__ import annotations

import asyncio
import json
import math
import random
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from starlette.routing import Route, WebSocketRoute

from server.app import create_app
from server.domain.meeting import CODE_ALPHABET, CODE_LENGTH
from server.settings import Settings
from tests.support import Phone, ServerProcess, create_meeting, live_server
from tests.trust.conftest import SOAK, Figures

pytestmark = pytest.mark.e2e

TITLE = "Geheime titel van de bijeenkomst"


def random_codes(count: int, avoid: set[str], seed: int) -> list[str]:
    rng = random.Random(seed)
    codes: list[str] = []
    while len(codes) < count:
        code = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in avoid:
            codes.append(code)
    return codes


def code_routes() -> tuple[list[tuple[str, str]], list[str]]:
    """Every HTTP route (method, path) and websocket path of the app that takes a code."""
    app = create_app(Settings(database_url="sqlite://", public_url="http://127.0.0.1:8000"))
    http: list[tuple[str, str]] = []
    sockets: list[str] = []

    def walk(items: list[Any]) -> None:
        for route in items:
            if hasattr(route, "original_router"):
                walk(route.original_router.routes)
            elif isinstance(route, WebSocketRoute) and "{code}" in route.path:
                sockets.append(route.path)
            elif isinstance(route, Route) and "{code}" in route.path and route.methods:
                http.extend((method, route.path) for method in sorted(route.methods - {"HEAD"}))

    walk(list(app.routes))
    return http, sockets


async def socket_answer(url: str, origin: str, cookie: str | None, first: dict[str, Any] | None) -> Any:
    """(first frame, close code) of a socket opened as a stranger."""
    headers = {"Cookie": cookie} if cookie else {}
    async with websockets.connect(url, additional_headers=headers, origin=websockets.Origin(origin)) as ws:
        if first is not None:
            await ws.send(json.dumps(first))
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
        return frame, ws.close_code


# The routes that join a meeting by its typed code: both go through routes.join.joinable, so an
# unknown code counts against the client there (429 after too many) instead of looking like one.
PUBLIC_JOINS = ("/api/join/{code}", "/api/join/{code}/pass/join")


async def test_guard_every_code_route_answers_a_stranger_as_an_unknown_code(
    database_url: str, figures: Figures
) -> None:
    samples = 1_000 if SOAK else 150
    http_routes, socket_routes = code_routes()
    # Every refusal counts against the client; here the refusals are the point, not the limit.
    with live_server(database_url, join_failures_allowed=1_000_000) as server:
        meeting = create_meeting(server.base, title=TITLE, demo=True)
        code = meeting["code"]
        [unknown] = random_codes(1, {code}, seed=3)
        phone = Phone(server.base, code)  # the room is live: held in the server's memory
        await phone.join()
        await phone.connect()
        await phone.wait_for(lambda m: m["type"] == "state")
        ids = {"{activity_id}": str(meeting["activities"][0]["id"]), "{block_id}": "1"}
        strangers = {"no key": {}, "a wrong key": {"Authorization": "Bearer not-the-key"}}
        checked = differing = 0
        shells = 0
        async with httpx.AsyncClient(base_url=server.base, timeout=30, verify=False) as client:
            for method, path in http_routes:
                if path in PUBLIC_JOINS:
                    continue  # a join is public by design (its own limit, the QR-ROOM row)
                for headers in strangers.values():
                    answers = []
                    for which in (code, unknown):
                        url = path.replace("{code}", which)
                        for name, value in ids.items():
                            url = url.replace(name, value)
                        body = None if method in ("GET", "DELETE") else {}
                        response = await client.request(method, url, json=body, headers=headers)
                        answers.append(
                            (response.status_code, response.content.replace(which.encode(), b"CODE"))
                        )
                    checked += 1
                    differing += answers[0] != answers[1]
                    assert answers[0] == answers[1], (method, path, headers, answers)
                    assert TITLE.encode() not in answers[0][1], (method, path)
                    shells += answers[0][0] == 200
            ws_base = server.base.replace("http", "ws", 1)
            for path in socket_routes:
                first = None if path == "/ws/{code}" else {"type": "auth", "key": "not-the-key"}
                answers = []
                for which in (code, unknown):
                    cookie = f"kring_{which}=not-a-participant" if first is None else None
                    answers.append(
                        await socket_answer(
                            ws_base + path.replace("{code}", which), server.base, cookie, first
                        )
                    )
                checked += 1
                differing += answers[0] != answers[1]
                assert answers[0] == answers[1], (path, answers)

            # Timing: the same requests for the live meeting and an unknown code, interleaved.
            timed = ["/api/meetings/{}", "/api/meetings/{}/export.json", "/api/meetings/{}/qr.svg"]
            medians: dict[str, tuple[float, float]] = {}
            gaps: dict[str, float] = {}
            for template in timed:
                spent: dict[str, list[float]] = {code: [], unknown: []}
                for index in range(samples * 2):
                    which = (code, unknown)[index % 2]
                    started = time.perf_counter()
                    await client.get(template.format(which), headers={"Authorization": "Bearer not-the-key"})
                    spent[which].append((time.perf_counter() - started) * 1000)
                # Each live request next to its unknown twin: the machine's load drifts, a pair shares it.
                pairs = [live - none for live, none in zip(spent[code], spent[unknown], strict=True)]
                gaps[template.format("…")] = statistics.median(pairs)
                medians[template.format("…")] = (
                    statistics.median(spent[code]),
                    statistics.median(spent[unknown]),
                )
        await phone.disconnect()
    figures(
        "GUARD",
        database=database_url.split(":", 1)[0].split("+", 1)[0],
        answers_compared=f"{checked} ({len(http_routes) - 2} HTTP ×2 keys, {len(socket_routes)} sockets)",
        answers_differing=differing,
        pages_same_shell=shells,
        median_ms_live_vs_unknown={r: f"{live:.2f}/{none:.2f}" for r, (live, none) in medians.items()},
        median_pair_gap_ms={r: round(gap, 3) for r, gap in gaps.items()},
        samples=samples,
    )
    assert differing == 0 and shells >= 3
    for route, (_, none) in medians.items():
        # One database lookup either way: a pair may differ by noise, not by a lookup.
        assert abs(gaps[route]) < max(1.0, 0.25 * none), (route, gaps)


async def test_guard_one_limit_for_every_route(database_url: str, figures: Figures) -> None:
    """Guesses spread over every kind of route share one limit; past it every route answers 429,
    for the live code too; the host's own key still works from that address."""
    with live_server(database_url) as server:
        meeting = create_meeting(server.base, title=TITLE)
        code = meeting["code"]
        guesses = random_codes(60, {code}, seed=5)
        kinds = [
            "/api/meetings/{}",
            "/api/meetings/{}/export.json",
            "/api/meetings/{}/qr.svg",
            "/api/join/{}",
        ]
        statuses: list[int] = []
        async with httpx.AsyncClient(base_url=server.base, timeout=30, verify=False) as client:
            for index, guess in enumerate(guesses):
                statuses.append((await client.get(kinds[index % len(kinds)].format(guess))).status_code)
            blocked = {kind: (await client.get(kind.format(code))).status_code for kind in kinds}
            unknown_body = (await client.get(kinds[0].format(guesses[0]))).content
            known_body = (await client.get(kinds[0].format(code))).content
            host = await client.get(
                f"/api/meetings/{code}", headers={"Authorization": f"Bearer {meeting['host_key']}"}
            )
            screen = await client.get(
                f"/api/meetings/{code}/qr.svg",
                headers={"Authorization": f"Bearer {meeting['presenter_key']}"},
            )
            page = await client.get(f"/m/{code}/present")
    counts = Counter(statuses)
    figures(
        "GUARD",
        database=database_url.split(":", 1)[0].split("+", 1)[0],
        guesses_over_4_routes=len(guesses),
        answered_404=counts[404],
        answered_429=counts[429],
        live_code_once_blocked=sorted(set(blocked.values())),
        host_key_still=host.status_code,
        title_on_big_screen_page=TITLE in page.text,
    )
    assert counts[404] == 20 and counts[429] == len(guesses) - 20
    assert set(blocked.values()) == {429} and known_body == unknown_body
    assert host.status_code == 200 and screen.status_code == 200
    assert page.status_code == 200 and TITLE not in page.text


async def test_qr_room_300_joins_through_the_qr_link_while_a_scanner_is_refused(
    database_url: str, tmp_path: Path, figures: Figures
) -> None:
    seconds = 60.0 if SOAK else 10.0
    joins = 300
    # `kring serve` in its own process: the load here must not share the server's interpreter.
    server = ServerProcess(database_url)
    # Every access line kept: the join secret must be in none (it rides in bodies and headers).
    server.start(log=tmp_path / "server.log", KRING_LOG_LEVEL="info", KRING_ACCESS_LOG="all")
    try:
        meeting = create_meeting(server.base, title="Zaal")
        code = meeting["code"]
        secret = meeting["join_url"].split("#j=", 1)[1]
        stop = asyncio.Event()
        scanner: list[int] = []
        typed: list[tuple[int, bytes, bytes]] = []

        async def scan() -> None:
            # One address: the scanner, the phones and the typists all share it (a venue's wifi).
            rng = random.Random(7)
            async with httpx.AsyncClient(base_url=server.base, timeout=30, verify=False) as client:
                while not stop.is_set():
                    guess = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                    if guess != code:
                        scanner.append((await client.post(f"/api/join/{guess}", json={})).status_code)
                    await asyncio.sleep(0.01)

        async def type_codes() -> None:
            # Someone types the real code by hand: limited, and told what a guesser is told.
            while not stop.is_set():
                await asyncio.sleep(0.5)
                async with httpx.AsyncClient(base_url=server.base, timeout=30, verify=False) as client:
                    real = await client.post(f"/api/join/{code}", json={})
                    fake = await client.post("/api/join/ZZZZZZ", json={})
                typed.append((real.status_code, real.content, fake.content))

        async def join(index: int) -> tuple[int, int, int]:
            await asyncio.sleep(seconds * index / joins)
            async with httpx.AsyncClient(base_url=server.base, timeout=30, verify=False) as client:
                page = await client.get(f"/{code}")  # the fragment stays in the phone
                found = await client.get(f"/api/join/{code}", headers={"X-Join-Secret": secret})
                joined = await client.post(
                    f"/api/join/{code}", json={"nickname": f"p{index}", "secret": secret}
                )
            return page.status_code, found.status_code, joined.status_code

        scan_started = time.monotonic()
        scanning = asyncio.create_task(scan())
        while scanner.count(404) < 20 and len(scanner) < 100:
            await asyncio.sleep(0.05)  # the address is blocked before the room scans the QR code
        typing = asyncio.create_task(type_codes())
        started = time.monotonic()
        results = await asyncio.gather(*(join(i) for i in range(joins)))
        took = time.monotonic() - started
        # Phones that joined through the QR link open their sockets from the blocked address.
        phones = [Phone(server.base, code) for _ in range(5)]
        for phone in phones:
            await phone.join(secret=secret)
            await phone.connect()
            await phone.wait_for(lambda m: m["type"] == "state")
            await phone.disconnect()
        stop.set()
        await asyncio.gather(scanning, typing)
        scanning_for = time.monotonic() - scan_started
    finally:
        server.kill(15)
    ok = sum(1 for result in results if result == (200, 200, 200))
    counts = Counter(scanner)
    log = (tmp_path / "server.log").read_text(encoding="utf-8")
    access = [line for line in log.splitlines() if ' - "' in line]
    # The limit is 20 unknown codes per minute: a blocked client's further guesses are refused
    # without counting, so each new minute gives the scanner 20 more, and for a moment a typist
    # there gets in too (the address is not blocked then). Anything refused looks alike.
    windows = math.ceil(scanning_for / 60)
    blocked = [(real, fake) for status, real, fake in typed if status == 429]
    figures(
        "QR-ROOM",
        database=database_url.split(":", 1)[0].split("+", 1)[0],
        qr_joins=f"{ok}/{joins} in {took:.1f} s",
        scanner_guesses=f"{len(scanner)} in {scanning_for:.0f} s",
        scanner_404=counts[404],
        scanner_429=counts[429],
        typed_real_code_refused=f"{len(blocked)}/{len(typed)}",
        refused_typed_answer_same_as_unknown=all(real == fake for real, fake in blocked),
        sockets_opened_from_the_blocked_address=len(phones),
        access_lines=len(access),
        secret_in_log=log.count(secret),
    )
    assert len(access) > joins and secret not in log
    assert ok == joins, Counter(results)
    assert 20 <= counts[404] <= 20 * windows and set(counts) == {404, 429}
    assert typed and len(typed) - len(blocked) <= windows - 1
    assert all(real == fake for real, fake in blocked)
