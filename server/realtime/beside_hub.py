"""Q&A questions and votes through a group commit, reaction taps counted per tick, host changes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from server.db.database import Database
from server.domain.errors import Code, DomainError
from server.domain.qa import Action, QaBoard, first_status, question_text
from server.realtime.bus import BesideMsg, TapsMsg
from server.realtime.connection import Connection
from server.realtime.hub import Hub
from server.realtime.invariants import log as invariant_log
from server.realtime.messages import AskIn, ErrorOut, QaAckOut, ReactIn, VoteIn, dump
from server.realtime.room import Room
from server.services import qa as qa_service
from server.services import reactions as reaction_service
from server.services.batcher import GroupCommit
from server.services.qa import QaBatch, QaOp, QaOpKind, QaResult
from server.text import N_

log = logging.getLogger("kring.beside")

SHARE_EVERY = 0.25  # seconds: taps counted here reach the big screens on other workers
SAVE_EVERY = 2.0  # seconds: taps are saved for the report (lost on a crash: at most this much)
TOLD_EVERY = 1.0  # seconds between two "slow down" errors to one phone tapping too fast


class QaBatcher(GroupCommit[QaOp, QaResult]):
    """Questions and votes arriving together share one transaction; each caller resumes only
    once its op is committed and the rooms applied it (an ack means stored)."""

    name = "kring-qa-batcher"

    def __init__(self, db: Database, beside: BesideHub, *, window: float, max_batch: int) -> None:
        super().__init__(db, window=window, max_batch=max_batch)
        self._beside = beside

    async def _commit(self, batch: list[tuple[QaOp, asyncio.Future[QaResult]]]) -> None:
        ops = [op for op, _ in batch]
        async with self._beside.writes:
            truth: dict[int, qa_service.Beside] | None = None
            try:
                if self._beside.check:
                    result, truth = await self._db.run(qa_service.commit_and_load, ops)
                else:
                    result = await self._db.run(qa_service.commit_qa_batch, ops)
            except Exception:
                log.exception("Q&A batch of %d failed; nothing stored", len(ops))
                said = "Your question or vote could not be stored; resend it."
                failed = DomainError(Code.STORAGE_FAILED, said)
                for op, future in batch:
                    if not future.done():
                        future.set_result(QaResult(op, error=failed))
                return
            self.batches += 1
            try:
                self._beside.committed(result)
            except Exception:
                log.exception("applying a committed Q&A batch failed")
            if truth is not None:
                self._beside.compare(truth)
        for (_, future), op_result in zip(batch, result.results, strict=True):
            if not future.done():
                future.set_result(op_result)


class BesideHub:
    """Runs Q&A and reactions beside the hub's rooms; routes and sockets call it."""

    def __init__(
        self,
        db: Database,
        hub: Hub,
        *,
        window: float = 0.003,
        max_batch: int = 500,
        tap_rate: float = 5.0,
        tap_burst: float = 10.0,
        check: bool = False,
    ) -> None:
        self.db = db
        self.hub = hub
        # KRING_CHECK_INVARIANTS: after every batch, the rooms' boards against the database.
        self.check = check
        # Held from a Q&A write's commit until the rooms applied it: a host's change reloads a
        # room's board, and must not overtake (or be overtaken by) a batch of votes.
        self.writes = asyncio.Lock()
        self.batcher = QaBatcher(db, self, window=window, max_batch=max_batch)
        self.tap_rate = tap_rate
        self.tap_burst = tap_burst
        self._told: dict[tuple[int, int], float] = {}
        self._task: asyncio.Task[None] | None = None
        self._reloads: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()
        hub.remote_handlers["beside"] = self._remote_changed
        hub.remote_handlers["taps"] = self._remote_taps

    async def start(self) -> None:
        self.batcher.start()
        if self._task is None:
            self._task = asyncio.create_task(self._every_tick(), name="kring-beside")

    async def stop(self) -> None:
        await self.batcher.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._save()

    # -- from phones -------------------------------------------------------------------------

    async def ask_or_vote(self, room: Room, participant_id: int, message: AskIn | VoteIn) -> str:
        """The ack (or the error) for a question or a vote, once it is committed."""
        try:
            op = self._prepare(room, participant_id, message)
            result = await self.batcher.submit(op)
        except DomainError as exc:
            return dump(ErrorOut(code=exc.code, message=exc.message, client_id=message.client_id))
        if result.error is not None:
            error = result.error
            return dump(ErrorOut(code=error.code, message=error.message, client_id=message.client_id))
        return dump(
            QaAckOut(
                client_id=op.client_id,
                op=op.op,
                question_id=result.question_id,
                duplicate=result.duplicate,
            )
        )

    def _prepare(self, room: Room, participant_id: int, message: AskIn | VoteIn) -> QaOp:
        """Only what a resend could never pass is refused here; whether Q&A is still open (and
        the question still there) travels as the op's refusal, told unless it is a resend."""
        board = room.beside.board
        meeting_id = room.meeting.id
        if isinstance(message, AskIn):
            text = question_text(message.text)
            refusal = _refusal(lambda: board.can_ask(participant_id))
            status = first_status(text, premoderate=board.premoderate)
            return QaOp(
                meeting_id,
                participant_id,
                message.client_id,
                "ask",
                text=text,
                nickname=None if message.anonymous else room.nicknames.get(participant_id),
                status=status,
                flagged=status == "pending" and not board.premoderate,
                refusal=refusal,
            )
        refusal = _refusal(lambda: board.can_vote(message.question_id, participant_id))
        if not message.up and refusal is not None and refusal.code == Code.OWN_QUESTION:
            refusal = None  # withdrawing what was never given changes nothing, and says so
        op: QaOpKind = "vote" if message.up else "unvote"
        return QaOp(meeting_id, participant_id, message.client_id, op, message.question_id, refusal=refusal)

    def committed(self, batch: QaBatch) -> None:
        """Apply a committed batch to the rooms (before any caller is answered)."""
        touched: dict[int, set[int]] = {}
        meeting_of = {r.op.participant_id: r.op.meeting_id for r in batch.results}
        for question in batch.asked:
            room = self.hub.rooms.get(meeting_of[question.participant])
            if room is not None:
                room.beside.board.add(question)
                touched.setdefault(room.meeting.id, set()).add(question.participant)
        for question_id, participant, up in batch.votes:
            room = self.hub.rooms.get(meeting_of[participant])
            if room is not None and room.beside.board.vote(question_id, participant, up):
                touched.setdefault(room.meeting.id, set()).add(participant)
        for meeting_id, participants in touched.items():
            room = self.hub.rooms[meeting_id]
            room.beside.changed(participants)
            self.hub.mark(room)
            self.hub.send(BesideMsg(m=meeting_id))

    def compare(self, truth: dict[int, qa_service.Beside]) -> None:
        """Each room's board against what the database holds after the batch (one worker only:
        with others, their changes arrive later by design); a difference is logged as the
        answers' are, and the server reports itself unhealthy."""
        if self.hub.broadcast.shared:
            return
        for meeting_id, stored in truth.items():
            room = self.hub.rooms.get(meeting_id)
            if room is None:
                continue
            mine, theirs = _summary(room.beside.board), _summary(stored.board)
            if mine != theirs:
                differ = sorted(q for q in mine.keys() | theirs.keys() if mine.get(q) != theirs.get(q))
                said = f"INVARIANT BROKEN in meeting {meeting_id}: Q&A questions {differ[:5]} differ"
                invariant_log.critical("%s", said)
                self.hub.broken.append(said)

    def react(self, room: Room, connection: Connection, participant_id: int, message: ReactIn) -> None:
        """Count a tap into the room's burst; a refusal is said, a phone tapping too fast is told
        at most once a second (the taps beyond its limit are not counted)."""
        beside = room.beside
        if not beside.reactions_on:
            connection.push(
                dump(ErrorOut(code=Code.REACTIONS_OFF, message=N_("Reactions are switched off.")))
            )
            return
        if message.reaction not in beside.reaction_set:
            said = N_("This meeting has no reaction {name}.", name=message.reaction)
            connection.push(dump(ErrorOut(code=Code.UNKNOWN_REACTION, message=said)))
            return
        if not beside.allow_tap(participant_id, self.tap_rate, self.tap_burst):
            key = (room.meeting.id, participant_id)
            now = time.monotonic()
            if now - self._told.get(key, 0.0) >= TOLD_EVERY:
                self._told[key] = now
                said = N_("Too many reactions; slow down.")
                connection.push(dump(ErrorOut(code=Code.RATE_LIMITED, message=said)))
            return
        current = room.meeting.current
        beside.tap(message.reaction, current.id if current else None)
        self.hub.mark(room)

    # -- from the host -----------------------------------------------------------------------

    async def set_qa(self, meeting_id: int, *, open_: bool | None, premoderate: bool | None) -> None:
        await self._host_change(meeting_id, qa_service.set_qa, open_=open_, premoderate=premoderate)

    async def set_reactions(self, meeting_id: int, *, on: bool | None, names: list[str] | None) -> None:
        await self._host_change(meeting_id, qa_service.set_reactions, on=on, names=names)

    async def moderate(self, meeting_id: int, question_id: int, action: Action) -> None:
        await self._host_change(meeting_id, qa_service.moderate, question_id, action)

    async def _host_change(self, meeting_id: int, change: Any, *args: Any, **kwargs: Any) -> None:
        async with self.writes:
            await self.db.run(lambda s: change(s, meeting_id, *args, **kwargs))
            room = self.hub.rooms.get(meeting_id)
            if room is not None:
                await self._reload(room)
        self.hub.send(BesideMsg(m=meeting_id))

    async def _reload(self, room: Room) -> None:
        room.beside.load(await self.db.run(qa_service.load_beside, room.meeting.id))
        self.hub.mark(room)

    # -- between workers, and saving taps ----------------------------------------------------

    async def _remote_changed(self, room: Room, _message: BesideMsg) -> None:
        """Another worker committed Q&A changes: reload this room's board (once per burst)."""
        meeting_id = room.meeting.id
        if meeting_id in self._reloads:
            self._again.add(meeting_id)
            return

        async def reload() -> None:
            try:
                while True:
                    self._again.discard(meeting_id)
                    async with self.writes:
                        await self._reload(room)
                    if meeting_id not in self._again:
                        return
            except Exception:
                log.exception("reloading the Q&A of room %s failed", meeting_id)
            finally:
                self._reloads.pop(meeting_id, None)

        self._reloads[meeting_id] = asyncio.create_task(reload())

    async def _remote_taps(self, room: Room, message: TapsMsg) -> None:
        room.beside.tapped_elsewhere(message.c)

    async def _every_tick(self) -> None:
        saved = time.monotonic()
        while True:
            await asyncio.sleep(SHARE_EVERY)
            for meeting_id, room in list(self.hub.rooms.items()):
                if room.beside.unshared:
                    self.hub.send(TapsMsg(m=meeting_id, c=dict(room.beside.unshared)))
                    room.beside.unshared.clear()
            if time.monotonic() - saved >= SAVE_EVERY:
                saved = time.monotonic()
                try:
                    await self._save()
                except Exception:
                    log.exception("saving reaction counts failed; they are kept for the next try")

    async def _save(self) -> None:
        counts: list[tuple[int, int | None, str, int]] = []
        rooms = list(self.hub.rooms.items())
        for meeting_id, room in rooms:
            for (activity_id, name), n in room.beside.burst.take_unsaved().items():
                counts.append((meeting_id, activity_id, name, n))
        if not counts:
            return
        try:
            await self.db.run(reaction_service.save_counts, counts)
        except Exception:
            for meeting_id, activity_id, name, n in counts:  # kept: the next save tries again
                room_ = self.hub.rooms.get(meeting_id)
                if room_ is not None:
                    room_.beside.burst.unsaved[(activity_id, name)] += n
            raise


def _summary(board: QaBoard) -> dict[int, tuple[str, bool, frozenset[int]]]:
    return {q.id: (q.status, q.answered, frozenset(q.voters)) for q in board.questions.values()}


def _refusal(check: Any) -> DomainError | None:
    try:
        check()
    except DomainError as exc:
        return exc
    return None
