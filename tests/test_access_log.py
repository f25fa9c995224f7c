"""KRING_ACCESS_LOG: `kring serve` logs no line per join by default, only refusals; all, pseudonymised."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

import httpx
import pytest

from server.logfilter import AccessLevelFilter, ClientAddressFilter
from tests.support import Phone, ServerProcess, create_meeting

pytestmark = pytest.mark.e2e


def line(msg: str, *args: object, logger: str = "uvicorn.access") -> logging.LogRecord:
    return logging.LogRecord(logger, logging.INFO, __file__, 1, msg, args, None)


def test_access_level_filter_keeps_what_each_mode_promises() -> None:
    ok = line('%s - "%s %s HTTP/%s" %d', "10.0.0.7:5000", "POST", "/api/join/ABCDEF", "1.1", 200)
    refused = line('%s - "%s %s HTTP/%s" %d', "10.0.0.7:5000", "POST", "/api/join/ZZZZZZ", "1.1", 404)
    failed = line('%s - "%s %s HTTP/%s" %d', "10.0.0.7:5000", "GET", "/", "1.1", 500)
    accepted = line('%s - "WebSocket %s" [accepted]', "10.0.0.7:5000", "/ws/ABCDEF", logger="uvicorn.error")
    rejected = line('%s - "WebSocket %s" 403', "10.0.0.7:5000", "/ws/ABCDEF", logger="uvicorn.error")
    other = line("Application startup complete.", logger="uvicorn.error")
    records = [ok, refused, failed, accepted, rejected, other]
    kept = {
        mode: [r for r in records if AccessLevelFilter(mode).filter(r)] for mode in ("off", "errors", "all")
    }
    assert kept["all"] == records
    assert kept["errors"] == [refused, failed, rejected, other]
    assert kept["off"] == [other]


def test_a_websocket_line_keeps_no_query() -> None:
    """A phone joining in its socket's handshake sends its nickname and join secret in the query."""
    path = "/ws/ABCDEF?join=1&nickname=Anna&secret=s3cret"
    for record in (
        line('%s - "WebSocket %s" [accepted]', "10.0.0.7:5000", path, logger="uvicorn.error"),
        line('%s - "WebSocket %s" 403', "10.0.0.7:5000", path, logger="uvicorn.error"),
    ):
        ClientAddressFilter().filter(record)
        text = record.getMessage()
        assert '"WebSocket /ws/ABCDEF?…"' in text and "client-" in text
        assert "Anna" not in text and "s3cret" not in text and "10.0.0.7" not in text


def serve_and_join(tmp_path: Path, **env: str) -> str:
    """A phone joins and connects, and a join with an unknown code is refused; the server's log."""
    log = tmp_path / "serve.log"
    server = ServerProcess(tmp_path / "kring.db")
    server.start(log, KRING_LOG_LEVEL="info", **env)
    try:
        meeting = create_meeting(server.base, title="Log")

        async def phone() -> None:
            p = Phone(server.base, meeting["code"])
            await p.join()
            await p.connect()
            await p.wait_for(lambda m: m["type"] == "state")
            await p.disconnect()

        asyncio.run(phone())
        assert httpx.post(f"{server.base}/api/join/ZZZZZZ", json={}, timeout=10).status_code == 404
    finally:
        server.kill(signal.SIGTERM)
    return log.read_text()


def test_kring_serve_logs_only_refused_requests_by_default(tmp_path: Path) -> None:
    text = serve_and_join(tmp_path)
    assert "Application startup complete" in text  # the log works: info lines are written
    assert '/api/join/ZZZZZZ HTTP/1.1" 404' in text
    assert "/ws/" not in text and '" 200' not in text and '" 201' not in text
    assert "127.0.0.1" not in text.replace("http://127.0.0.1", "")  # addresses are pseudonyms


def test_kring_serve_logs_every_request_pseudonymised_when_asked(tmp_path: Path) -> None:
    text = serve_and_join(tmp_path, KRING_ACCESS_LOG="all")
    join_lines = [row for row in text.splitlines() if "/api/join/" in row]
    assert any('" 200' in row for row in join_lines) and any('" 404' in row for row in join_lines)
    assert any("WebSocket /ws/" in row and "[accepted]" in row for row in text.splitlines())
    assert all("client-" in row and "127.0.0.1:" not in row for row in join_lines)


def test_kring_serve_logs_no_request_when_off(tmp_path: Path) -> None:
    text = serve_and_join(tmp_path, KRING_ACCESS_LOG="off")
    assert "Application startup complete" in text
    assert "/api/join/" not in text and "/ws/" not in text
