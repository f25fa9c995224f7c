"""The benchmark suites: which scenarios run, at what size; each returns rows for bench.report."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from bench import quiz as quiz_question
from bench import reactions as reaction_flood
from bench import scenarios as s

Row = dict[str, Any]


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def scaling(
    sizes: tuple[int, ...],
    *,
    naive: bool,
    rate: float = 1000.0,
    seconds: float = 20.0,
    join_rate: float = 400.0,
) -> list[Row]:
    """For each N: join, hold (memory), answer at a fixed rate (CPU per answer, latency), then
    reveal the results to every phone (time until the last phone has them)."""
    rows = []
    for n in sizes:
        mode = "naive" if naive else "optimised"
        _log(f"scaling: {n} phones, {mode}")
        row: Row = {"suite": "scaling", "mode": mode, "phones": n}
        try:
            with s.run(naive=naive, addresses=2) as r:
                baseline = r.server.stat()
                row.update(s.join(r, n, join_rate))
                row.update(s.hold(r, baseline, seconds=5))
                row.update(s.answering(r, min(rate, n), seconds))
                row.update(s.reveal(r, times=3))
                row.update(s.open_question(r, times=3))
                row["server_errors_logged"] = r.server.errors_logged()
        except Exception as exc:  # the row keeps what was measured, and why it stopped
            row["error"] = f"{type(exc).__name__}: {exc}"
            _log(f"scaling {n} {mode} stopped: {row['error']}")
        rows.append(row)
        _log(_brief(row))
    return rows


def small_room(n: int = 50, seconds: float = 10.0, slow_seconds: float = 10.0) -> list[Row]:
    """A workshop: ``n`` phones, each answering once a second (``n`` answers within every second)
    for ``seconds``, optimised beside naive. The big screen's latency is what a small room feels:
    with leading-edge coalescing a quiet room's answer is not held for the next tick. Then the
    same room answering slower than the tick: ``n`` answers spread over ``slow_seconds``."""
    rows = []
    for naive, rate, mode in (
        (False, float(n), "optimised"),
        (True, float(n), "naive"),
        (False, n / slow_seconds, "optimised, slower than the tick"),
    ):
        _log(f"small room: {n} phones, {rate:g} answers/s, {mode}")
        row: Row = {"suite": "small_room", "mode": mode, "phones": n}
        try:
            with s.run(naive=naive, processes=1) as r:
                row.update(s.join(r, n, 100))
                row.update(s.answering(r, rate, seconds if rate == n else slow_seconds))
                row["server_errors_logged"] = r.server.errors_logged()
        except Exception as exc:
            row["error"] = f"{type(exc).__name__}: {exc}"
            _log(f"small room {mode} stopped: {row['error']}")
        rows.append(row)
        _log(_brief(row))
    return rows


def burst(n: int = 10_000) -> list[Row]:
    """The whole hall answers within one second (each phone once): how long until every answer
    is on the big screen, and whether all are kept."""
    _log(f"burst: {n} phones answering within 1 s")
    with s.run(addresses=2) as r:
        row: Row = {"suite": "burst", "mode": "optimised", **s.join(r, n, 400)}
        row.update(s.answering(r, float(n), 1.0, settle=60.0))
        row["server_errors_logged"] = r.server.errors_logged()
    _log(_brief(row))
    return [row]


STORM_MODES = (("optimised", True), ("two round trips", False))


def join_storm(n: int = 10_000, rate: float = 1000.0) -> list[Row]:
    """A hall scans the QR code at once: ``n`` phones arrive at ``rate`` per second. Each joins
    in its socket's handshake (one round trip, as the phone's page does), then, on a fresh
    server, the same storm joins over HTTP first and then opens the socket (two round trips)."""
    rows = []
    for mode, handshake in STORM_MODES:
        _log(f"join storm: {n} phones at {rate:.0f}/s, {mode}")
        with s.run(addresses=2) as r:
            baseline = r.server.stat()
            row: Row = {"suite": "join_storm", "mode": mode}
            row.update(s.join(r, n, rate, lanes=256, handshake=handshake))
            row.update(s.hold(r, baseline, seconds=5))
            row["server_errors_logged"] = r.server.errors_logged()
        rows.append(row)
        _log(_brief(row))
    return rows


def fanout(n: int = 10_000, rate: float = 1000.0, seconds: float = 20.0) -> list[Row]:
    """The question opens, then its results are revealed, to ``n`` phones: each 3 times, timed
    per phone until its state (or results) frame shows it. Before the reveal the hall answers
    the last word cloud opened as in the scaling suite (``rate`` per second for ``seconds``, each
    phone replacing its word), so that every phone holds an answer of its own when the results
    are revealed, as in a meeting."""
    _log(f"fan-out: the question's open and the reveal to {n} phones")
    with s.run(addresses=2) as r:
        row: Row = {"suite": "fanout", "mode": "optimised", "phones": n, **s.join(r, n, 400)}
        row.update(s.open_question(r, times=3))
        answered = s.answering(r, min(rate, n), seconds)
        row.update(
            {key: answered[key] for key in ("answers_per_s", "lost", "tally_exact") if key in answered}
        )
        row.update(s.reveal(r, times=3))
        row["server_errors_logged"] = r.server.errors_logged()
    _log(_brief(row))
    return [row]


def sustained(n: int = 10_000, rate: float = 5000.0, seconds: float = 60.0) -> list[Row]:
    """The whole hall answers the word cloud at ``rate`` per second for ``seconds``."""
    _log(f"sustained: {n} phones, {rate:.0f} answers/s for {seconds:.0f} s")
    with s.run(addresses=2) as r:
        baseline = r.server.stat()
        row: Row = {"suite": "sustained", "mode": "optimised", **s.join(r, n, 400)}
        row.update(s.hold(r, baseline, seconds=3))
        # A server that falls behind is given time to work through its queue, so that the final
        # tally is checked against every acknowledged answer (the rate counts the window only).
        row.update(s.answering(r, rate, seconds, settle=90.0))
        row["server_errors_logged"] = r.server.errors_logged()
    _log(_brief(row))
    return [row]


def checkout(n: int = 1000, rate: float = 100.0) -> list[Row]:
    """A check-out of ``n`` phones: each adds a word, then steps in on 3 others' (bench.checkout)."""
    _log(f"checkout: {n} phones, words starting at {rate:.0f}/s, then 3 step-ins each")
    with s.run(addresses=2, kind="checkout") as r:
        baseline = r.server.stat()
        row: Row = {"suite": "checkout", "mode": "optimised", **s.join(r, n, 400)}
        row.update(s.hold(r, baseline, seconds=2))
        row.update(s.stepping_in(r, rate))
        row["server_errors_logged"] = r.server.errors_logged()
    _log(_brief(row))
    return [row]


def reactions(
    n: int = 1000, per_phone: float = 5.0, seconds: float = 20.0, answers: float = 200.0
) -> list[Row]:
    """The reactions flood (bench.reactions): every phone taps ``per_phone`` times a second for
    ``seconds`` while answers come in at ``answers`` per second."""
    _log(f"reactions: {n} phones tapping {per_phone:.0f}/s each for {seconds:.0f} s, {answers:.0f} answers/s")
    with s.run(addresses=2) as r:
        baseline = r.server.stat()
        row: Row = {"suite": "reactions", "mode": "optimised", **s.join(r, n, 400)}
        row.update(s.hold(r, baseline, seconds=2))
        row.update(reaction_flood.flood(r, per_phone, seconds, answers))
        row["server_errors_logged"] = r.server.errors_logged()
    _log(_brief(row))
    return [row]


def quiz(n: int = 1000, seconds: int = 20) -> list[Row]:
    """A quiz question to ``n`` phones (bench.quiz): the deadline, the leaderboard, the reveal."""
    _log(f"quiz: {n} phones, a {seconds} s question; one in ten answers after the deadline")
    with s.run(addresses=2) as r:
        baseline = r.server.stat()
        row: Row = {"suite": "quiz", "mode": "optimised", **s.join(r, n, 400)}
        row.update(s.hold(r, baseline, seconds=2))
        row.update(quiz_question.question(r, seconds))
        row["server_errors_logged"] = r.server.errors_logged()
    _log(_brief(row))
    return [row]


def slow_consumers(
    n: int = 2000, fraction: float = 0.05, rate: float = 500.0, seconds: float = 20.0
) -> list[Row]:
    """Results are shown on every phone; then ``fraction`` of the phones stop reading. The
    others' latencies and the server's memory are compared with the same run before."""
    _log(f"slow consumers: {n} phones, {fraction:.0%} stop reading")
    with s.run(addresses=2, phones_see_results=True) as r:
        baseline = r.server.stat()
        s.join(r, n, 400)
        before = s.answering(r, rate, seconds)
        rss_before = r.server.stat().rss_kib
        stalled = s.stall(r, fraction)
        after = s.answering(r, rate, seconds)
        time.sleep(12)  # the stall limit (KRING_WS_STALL_SECONDS, 10 s) drops the stalled
        rss_after = r.server.stat().rss_kib
        held = r.fleet.summary()["connected"]
        row: Row = {
            "suite": "slow_consumers",
            "mode": "optimised",
            "phones": n,
            "stalled": stalled,
            "baseline_ack_p99_ms": before["ack_p99_ms"],
            "baseline_screen_p99_ms": before["screen_p99_ms"],
            "with_stalled_ack_p99_ms": after["ack_p99_ms"],
            "with_stalled_screen_p99_ms": after["screen_p99_ms"],
            "lost": before["lost"] + after["lost"],
            "tally_exact": after["tally_exact"],
            "rss_before_mib": round((rss_before - baseline.rss_kib) / 1024, 1),
            "rss_after_mib": round((rss_after - baseline.rss_kib) / 1024, 1),
            "connected_after": held,
            "server_errors_logged": r.server.errors_logged(),
        }
    _log(_brief(row))
    return [row]


def workers(
    postgres_url: str,
    redis_url: str,
    *,
    hold_n: int = 30_000,
    n: int = 10_000,
    rate: float = 500.0,
    seconds: float = 20.0,
) -> list[Row]:
    """1 worker versus 2, both on PostgreSQL + Redis, with every phone seeing the results change
    (each tick sends every phone a frame): the frames delivered per second and per server
    CPU-second once one worker is saturated; then how many phones 2 workers hold."""
    rows = []
    for count in (1, 2):
        _log(f"workers: {count} on PostgreSQL + Redis, {n} phones see results")
        with s.run(
            workers=count,
            database_url=_fresh_schema(postgres_url),
            broadcast_url=redis_url,
            phones_see_results=True,
            addresses=2,
        ) as r:
            baseline = r.server.stat()
            mode = f"{count} worker" + ("s" if count > 1 else "")
            row: Row = {"suite": "workers", "mode": mode, "workers": count, **s.join(r, n, 400)}
            commands = s.redis_commands(redis_url)
            started = time.monotonic()
            row.update(s.answering(r, rate, seconds))
            elapsed = time.monotonic() - started
            row["redis_commands_per_s"] = round((s.redis_commands(redis_url) - commands) / elapsed)
            row["deliveries_per_s"] = round(row["deliveries"] / seconds)
            row["server_processes"] = baseline.processes
            row["server_errors_logged"] = r.server.errors_logged()
        rows.append(row)
        _log(_brief(row))
    if not hold_n:
        return rows
    _log(f"workers: 2 workers hold {hold_n} phones")
    with s.run(
        workers=2,
        database_url=_fresh_schema(postgres_url),
        broadcast_url=redis_url,
        processes=3,
        addresses=4,
    ) as r:
        baseline = r.server.stat()
        row = {"suite": "workers_hold", "mode": "2 workers", "workers": 2}
        row.update(s.join(r, hold_n, 400, lanes=128))
        row.update(s.hold(r, baseline, seconds=10))
        row["server_errors_logged"] = r.server.errors_logged()
    rows.append(row)
    _log(_brief(row))
    return rows


def redis_rates(
    postgres_url: str, redis_url: str, n: int = 2000, rates: tuple[float, ...] = (100.0, 1000.0)
) -> list[Row]:
    """Redis commands per second at two answer rates (2 workers): batched per tick, so the same."""
    rows = []
    with s.run(
        workers=2, database_url=_fresh_schema(postgres_url), broadcast_url=redis_url, addresses=2
    ) as r:
        s.join(r, n, 300)
        for rate in rates:
            _log(f"redis: 2 workers, {rate:.0f} answers/s")
            commands = s.redis_commands(redis_url)
            started = time.monotonic()
            row: Row = {"suite": "redis_rates", "mode": "2 workers", **s.answering(r, rate, 15)}
            row["redis_commands_per_s"] = round(
                (s.redis_commands(redis_url) - commands) / (time.monotonic() - started)
            )
            rows.append(row)
            _log(_brief(row))
    return rows


def guarded(name: str, step: Callable[[], list[Row]]) -> list[Row]:
    """Run one suite; if it fails, a row says how, and the other suites still run."""
    try:
        return step()
    except Exception as exc:
        _log(f"{name} failed: {type(exc).__name__}: {exc}")
        return [{"suite": "failed", "mode": name, "error": f"{type(exc).__name__}: {exc}"}]


def _fresh_schema(url: str) -> str:
    """A new PostgreSQL schema per run, so runs never see each other's rows."""
    import uuid

    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def _brief(row: Row) -> str:
    keys = (
        "suite",
        "mode",
        "phones",
        "joined",
        "join_failures",
        "join_p99_ms",
        "held",
        "rss_per_phone_kib",
        "answers_per_s",
        "unacknowledged",
        "lost",
        "tally_exact",
        "screen_p99_ms",
        "reveal_p99_ms",
        "open_p99_ms",
        "reconnects",
        "ack_p99_ms",
        "find_p99_ms",
        "largest_phone_frame_bytes",
        "server_cpu_s_per_1k_answers",
        "deliveries_per_server_cpu_s",
        "redis_commands_per_s",
    )
    return "  ".join(f"{k}={row[k]}" for k in keys if k in row)


def services() -> tuple[str, str]:
    postgres = os.environ.get("KRING_BENCH_POSTGRES_URL") or os.environ.get(
        "KRING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    redis = os.environ.get("KRING_BENCH_REDIS_URL") or os.environ.get(
        "KRING_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"
    )
    return postgres, redis


Suite = Callable[[], list[Row]]
