"""What crosses the pipe to the writer process: batches and their outcomes as plain tuples.

The rows are pickled as tuples of builtins (no dataclass, no pydantic model): pickle's C code
then does the work, and the event loop's share is building and reading the tuples. A payload the
writer hands back unchanged (an answer's own payload, which is most of them) is not sent back:
the loop keeps its own copy. Frames are a 4-byte length and the pickle.
"""

from __future__ import annotations

import pickle
import socket
from typing import Any

from server.domain.errors import Code, DomainError
from server.kinds import Change
from server.services.answers import AnswerOp, BatchResult, OpResult, StoredAnswer
from server.services.participants import Joined, JoinRequest

HEADER = 4
# In the writer, an op the room refused carries this in place of its refusal: the writer only
# needs to know that it was refused (a resend of a stored answer is acknowledged all the same).
REFUSED = DomainError(Code.STORAGE_FAILED, "refused by the room")
_OWN_REFUSAL = 0  # the error is the op's own refusal: the loop has it


def dumps(message: object) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(HEADER, "big") + data


def loads(data: bytes) -> Any:
    return pickle.loads(data)  # from our own writer process, over a socketpair


# -- answers -----------------------------------------------------------------------------------


def op_rows(ops: list[AnswerOp]) -> list[tuple[Any, ...]]:
    return [
        (
            o.meeting_id,
            o.activity_id,
            o.participant_id,
            o.client_id,
            o.op,
            o.slot,
            o.payload,
            o.nickname,
            o.pick,
            o.refusal is not None,
            o.sent,
            o.locked,
        )
        for o in ops
    ]


def ops_from(rows: list[tuple[Any, ...]]) -> list[AnswerOp]:
    return [
        AnswerOp(m, a, p, c, op, slot, payload, nick, pick, REFUSED if refused else None, sent, locked)
        for m, a, p, c, op, slot, payload, nick, pick, refused, sent, locked in rows
    ]


def _error(error: DomainError | None, op: AnswerOp) -> object:
    if error is None:
        return None
    if error is op.refusal:
        return _OWN_REFUSAL
    return (str(error.code), error.message, error.params)


def batch_out(batch: BatchResult) -> tuple[Any, ...]:
    """In the writer: what the loop needs of a committed batch."""
    results = [
        (
            r.entry_id,
            r.payload is r.op.payload,
            None if r.payload is r.op.payload else r.payload,
            r.duplicate,
            _error(r.error, r.op),
        )
        for r in batch.results
    ]
    changes = {
        activity: [(c.participant, c.slot, c.entry_id, c.old, c.new, c.nickname) for c in found]
        for activity, found in batch.changes.items()
    }
    truth = None
    if batch.truth is not None:
        truth = {
            activity: [
                (s.activity_id, s.participant_id, s.slot, s.entry_id, s.payload, s.nickname, s.rev)
                for s in stored
            ]
            for activity, stored in batch.truth.items()
        }
    return results, changes, batch.versions, truth


def batch_from(ops: list[AnswerOp], out: tuple[Any, ...]) -> BatchResult:
    """In the loop: the batch's outcome, on the loop's own ops."""
    rows, changes, versions, truth = out
    results = []
    for op, (entry_id, same, payload, duplicate, error) in zip(ops, rows, strict=True):
        result = OpResult(op, entry_id, op.payload if same else payload, duplicate)
        if error == _OWN_REFUSAL:
            result.error = op.refusal
        elif error is not None:
            code, message, params = error
            result.error = DomainError(Code(code), message, **params)
        results.append(result)
    return BatchResult(
        results,
        {activity: [Change(*c) for c in found] for activity, found in changes.items()},
        versions,
        None if truth is None else {a: [StoredAnswer(*s) for s in found] for a, found in truth.items()},
    )


# -- joins ---------------------------------------------------------------------------------------


def join_rows(requests: list[JoinRequest]) -> list[tuple[Any, ...]]:
    return [(r.meeting_id, r.token, r.nickname, r.nickname_given) for r in requests]


def joins_from(rows: list[tuple[Any, ...]]) -> list[JoinRequest]:
    return [JoinRequest(*row) for row in rows]


def joined_rows(joined: list[Joined]) -> list[tuple[Any, ...]]:
    return [(j.participant_id, j.token, j.nickname, j.door_closed) for j in joined]


def joined_from(rows: list[tuple[Any, ...]]) -> list[Joined]:
    return [Joined(*row) for row in rows]


# -- the writer's side of the socket (blocking) --------------------------------------------------


def read_frame(sock: socket.socket) -> bytes | None:
    """The next frame, or None when the other end closed."""
    head = _exactly(sock, HEADER)
    if head is None:
        return None
    return _exactly(sock, int.from_bytes(head, "big"))


def _exactly(sock: socket.socket, n: int) -> bytes | None:
    buffer = bytearray(n)
    view = memoryview(buffer)
    got = 0
    while got < n:
        count = sock.recv_into(view[got:])
        if count == 0:
            return None
        got += count
    return bytes(buffer)
