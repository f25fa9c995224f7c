"""The transport guards as plain objects: join-code and login limits, rate buckets, origins."""

from __future__ import annotations

import logging
import sys
import time

from server.guards import JoinGuard, OriginPolicy, RateLimiter
from server.logfilter import ClientAddressFilter, ClientFaultFilter


def test_join_guard_blocks_after_the_limit_and_forgets_after_the_window() -> None:
    guard = JoinGuard(limit=3, window=60)
    assert [guard.failed("10.0.0.7", now=t) for t in (0, 1, 2)] == [True, True, True]
    assert guard.blocked("10.0.0.7", now=3) and not guard.blocked("10.0.0.8", now=3)
    # Lookups let in before the limit was reached and failing after it: refused like the rest.
    assert guard.failed("10.0.0.7", now=3) is False
    assert not guard.blocked("10.0.0.7", now=64)


def test_join_guard_attempts_count_until_they_succeed() -> None:
    guard = JoinGuard(limit=2, window=60)
    assert guard.attempt("anna", now=0) and guard.attempt("anna", now=0)
    assert guard.attempt("anna", now=0) is False  # two in flight: a third waits
    guard.succeeded("anna")
    assert not guard.blocked("anna", now=0)


def test_rate_limiter_gives_the_burst_then_the_rate() -> None:
    limiter = RateLimiter(per_minute=60, burst=3)
    start = time.monotonic()  # a bucket starts full at the time it is made
    assert [limiter.allow("p", now=start) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("p", now=start + 1.5) and not limiter.allow("p", now=start + 1.5)


def test_origin_policy_takes_the_public_origin_and_loopback_only_in_dev() -> None:
    policy = OriginPolicy.build("https://kring.example.org/", [], dev=False)
    assert policy.permits("https://kring.example.org") and policy.permits("https://KRING.example.org:443")
    for origin in (
        "http://kring.example.org",
        "https://kring.example.org.evil",
        "null",
        None,
        "http://127.0.0.1",
    ):
        assert not policy.permits(origin), origin
    assert OriginPolicy.build("https://kring.example.org", [], dev=True).permits("http://127.0.0.1:8000")


def record(msg: str, *args: object, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord("uvicorn.access", level, __file__, 1, msg, args, None)


def test_access_log_names_a_pseudonym_instead_of_the_address() -> None:
    quiet = ClientAddressFilter()
    first, again, other = (
        record('%s - "%s %s HTTP/%s" %d', client, "GET", "/", "1.1", 200)
        for client in ("192.168.1.20:50123", "192.168.1.20:50999", "192.168.1.21:50123")
    )
    for line in (first, again, other):
        assert quiet.filter(line)
    assert "192.168" not in first.getMessage() and first.getMessage().startswith("client-")
    assert first.args[0] == again.args[0] != other.args[0]  # type: ignore[index]


def test_a_clients_invalid_utf8_is_a_warning_without_traceback() -> None:
    try:
        b"\xff".decode()
    except UnicodeDecodeError:
        line = logging.LogRecord(
            "uvicorn.error",
            logging.ERROR,
            __file__,
            1,
            "Invalid UTF-8 sequence received from client.",
            (),
            sys.exc_info(),
        )
    assert ClientFaultFilter().filter(line)
    assert line.levelno == logging.WARNING and line.exc_info is None


def test_join_guard_counts_recent_failures_within_its_window() -> None:
    guard = JoinGuard(limit=100, window=60)
    for second in range(5):
        guard.failed("anna@example.org", now=float(second))
    assert guard.recent("anna@example.org", now=10.0) == 5
    assert guard.recent("anna@example.org", now=62.5) == 2  # those at 0, 1 and 2 s are past the window
    assert guard.recent("bram@example.org", now=10.0) == 0
