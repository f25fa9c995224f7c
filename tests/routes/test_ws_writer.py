"""The writer process behind the phone's socket (KRING_BATCH_WRITER=process): killed in the middle
of a meeting, no acknowledged answer is lost, nothing counts twice, and the room keeps to the
database (the suite's KRING_CHECK_INVARIANTS compares them after every batch)."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

from server.services.answers import AnswerOp, BatchResult
from server.services.participants import Joined, JoinRequest
from server.services.writer import Writer, WriterLost
from tests.conftest import migrated_sqlite_url
from tests.factories import add_activity, client_for, make_meeting, open_activity
from tests.routes.test_ws_exactly_once import connect, joined, message, results, send


def _restarted(writer: Any, first: int) -> None:
    deadline = time.monotonic() + 60
    while writer.pid in (None, first):
        assert time.monotonic() < deadline, "no new writer process"
        time.sleep(0.02)


@contextlib.contextmanager
def _word_cloud(tmp_path: object) -> Iterator[tuple[Any, Any, int, Any]]:
    """An app on the process writer with an open word cloud and one joined phone."""
    url = migrated_sqlite_url(tmp_path)
    with client_for(url, batch_writer="process") as client:
        meeting = make_meeting(client)
        aid = add_activity(client, meeting, "wordcloud")["id"]
        open_activity(client, meeting, aid)
        yield client, meeting, aid, joined(client, meeting)


def test_killed_writer_is_replaced_and_no_acknowledged_answer_is_lost(tmp_path: object) -> None:
    with _word_cloud(tmp_path) as (client, meeting, aid, phone):
        writer = client.app.state.writer  # type: ignore[attr-defined]
        with connect(client, meeting, phone) as ws:
            stored = send(ws, message(aid, "c1", "0", {"word": "Samen"}))
            assert stored["type"] == "ack"
            first = writer.pid
            os.kill(first, signal.SIGKILL)
            answer = message(aid, "c2", "0", {"word": "Leren"})
            reply = send(ws, answer)
            if reply["type"] == "error":  # it went to the dead writer: not stored, say so
                assert reply["code"] == "storage_failed", reply
                _restarted(writer, first)
                reply = send(ws, answer)  # the phone resends
            assert reply["type"] == "ack" and reply["entry_id"] == stored["entry_id"], reply
            _restarted(writer, first)
            assert send(ws, message(aid, "c1", "0", {"word": "Samen"}))["duplicate"]
        live = results(client, meeting, aid)
    assert live["responses"] == 1
    assert [w["text"] for w in live["results"]["words"]] == ["Leren"]


class _CommitsThenDies:
    """A writer whose process dies after its commit, before its reply: the worst moment."""

    name = "process"

    def __init__(self, inner: Writer) -> None:
        self.inner = inner

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def answers(self, ops: list[AnswerOp], *, recount: bool = False) -> BatchResult:
        await self.inner.answers(ops, recount=recount)
        raise WriterLost("the writer process ended during the batch")

    async def joins(self, requests: list[JoinRequest]) -> list[Joined]:
        return await self.inner.joins(requests)


def test_a_batch_committed_but_never_answered_is_in_the_room_and_acknowledged_once(
    tmp_path: object,
) -> None:
    with _word_cloud(tmp_path) as (client, meeting, aid, phone):
        batcher = client.app.state.batcher  # type: ignore[attr-defined]
        writer = batcher._writer
        with connect(client, meeting, phone) as ws:
            answer = message(aid, "c1", "0", {"word": "Samen"})
            batcher._writer = _CommitsThenDies(writer)
            try:
                lost = send(ws, answer)
            finally:
                batcher._writer = writer
            assert lost["type"] == "error" and lost["code"] == "storage_failed", lost
            # Stored all the same: the room reloaded it from the database (the invariant check
            # after the next batch fails the test if it had not) ...
            assert results(client, meeting, aid)["responses"] == 1
            # ... and the phone's resend is acknowledged as what was stored, counted once.
            again = send(ws, answer)
        assert again["type"] == "ack" and again["duplicate"], again
        assert results(client, meeting, aid)["responses"] == 1
