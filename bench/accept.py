"""``python -m bench accept``: how many waiting connections an event loop accepts per iteration.

The join storm's tail is not the server's CPU: the kernel counts accept-queue overflows
(``ListenOverflows``) and the phones wait out SYN retransmits while the server is partly idle.
This isolates the cause. A server on loopback keeps its loop busy with ``busy_tasks`` callbacks
of ``busy_us`` each per iteration (as 10,000 phones' pings and frames do), while a client opens
``connections`` sockets at once; the server counts loop iterations and accepted connections
until all are in. uvloop accepts about one connection per iteration, asyncio's own loop drains
the backlog in one, and so does Kring's loop (``server/loop.py``: uvloop with batch accepts).
Writes ``bench/results/accept.json``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import Callable
from typing import Any

from bench.report import RESULTS
from server.loop import loop_factory


async def _measure(connections: int, busy_tasks: int, busy_us: float) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    accepted = 0
    iterations = 0
    done = loop.create_future()

    class Sink(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            nonlocal accepted
            accepted += 1
            if accepted == connections and not done.done():
                done.set_result(None)

    server = await loop.create_server(Sink, "127.0.0.1", 0, backlog=4096)
    port = server.sockets[0].getsockname()[1]
    stop = False

    async def busy() -> None:
        nonlocal iterations
        while not stop:
            until = time.perf_counter() + busy_us / 1e6
            while time.perf_counter() < until:
                pass
            iterations += 1
            await asyncio.sleep(0)

    tasks = [asyncio.create_task(busy()) for _ in range(busy_tasks)]
    await asyncio.sleep(0.1)
    clients = []
    for _ in range(connections):  # the kernel completes these handshakes; the loop must accept
        client = socket.socket()
        client.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            client.connect(("127.0.0.1", port))
        clients.append(client)
    started, first_iteration = time.perf_counter(), iterations
    try:
        await asyncio.wait_for(done, 60)
    finally:
        stop = True
        await asyncio.gather(*tasks)
        server.close()
        for client in clients:
            client.close()
    seconds = time.perf_counter() - started
    loops = (iterations - first_iteration) / busy_tasks
    return {
        "connections": connections,
        "accepted": accepted,
        "seconds_to_accept_all": round(seconds, 3),
        "accepted_per_second": round(accepted / seconds),
        "loop_iterations": round(loops),
        "accepted_per_iteration": round(accepted / max(1.0, loops), 1),
    }


def _run(factory: Callable[[], asyncio.AbstractEventLoop], **kwargs: Any) -> dict[str, Any]:
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(_measure(**kwargs))


def accept(connections: int = 2000, busy_tasks: int = 20, busy_us: float = 100.0) -> dict[str, Any]:
    import uvloop

    settings = {"connections": connections, "busy_tasks": busy_tasks, "busy_us": busy_us}
    rows = [
        {"loop": f"uvloop {uvloop.__version__}", **_run(uvloop.new_event_loop, **settings)},
        {"loop": "asyncio (selector)", **_run(asyncio.SelectorEventLoop, **settings)},
        {"loop": "Kring's (uvloop, batch accept)", **_run(loop_factory, **settings)},
    ]
    result = {"settings": settings, "loop_iteration_ms": busy_tasks * busy_us / 1000, "rows": rows}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "accept.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"{connections} connections waiting; each loop iteration busy {result['loop_iteration_ms']} ms")
    print("| loop | accepted | seconds | per second | iterations | per iteration |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['loop']} | {row['accepted']} | {row['seconds_to_accept_all']} | "
            f"{row['accepted_per_second']} | {row['loop_iterations']} | {row['accepted_per_iteration']} |"
        )
    return result
