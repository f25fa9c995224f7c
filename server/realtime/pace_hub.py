"""Phones' moves through a self-paced questionnaire: stored through a group commit, acknowledged
once stored, applied to the rooms (and told to the other workers) before the ack."""

from __future__ import annotations

import asyncio
import logging

from server.db.database import Database
from server.domain.errors import Code, DomainError
from server.domain.pace import check_step
from server.realtime.bus import PaceMsg
from server.realtime.hub import Hub
from server.realtime.messages import ErrorOut, StepAckOut, StepIn, dump
from server.realtime.room import Room
from server.services import questionnaires
from server.services.batcher import GroupCommit
from server.services.questionnaires import StepOp

log = logging.getLogger("kring.pace")


class StepBatcher(GroupCommit[StepOp, StepOp]):
    """Moves arriving together share one transaction; each phone is answered once it is stored."""

    name = "kring-step-batcher"

    def __init__(self, db: Database, pace: PaceHub, *, window: float, max_batch: int) -> None:
        super().__init__(db, window=window, max_batch=max_batch)
        self._pace = pace

    async def _commit(self, batch: list[tuple[StepOp, asyncio.Future[StepOp]]]) -> None:
        ops = [op for op, _ in batch]
        try:
            await self._db.run(questionnaires.commit_steps, ops)
        except Exception:
            log.exception("batch of %d questionnaire steps failed; nothing stored", len(ops))
            failed = DomainError(Code.STORAGE_FAILED, "Your step could not be stored; it is sent again.")
            for op in ops:
                op.refusal = op.refusal or failed
                op.stored = None
        else:
            self.batches += 1
            try:
                self._pace.committed(ops)
            except Exception:
                log.exception("applying committed questionnaire steps failed")
        for op, future in batch:
            if not future.done():
                future.set_result(op)


class PaceHub:
    """Runs the questionnaires' steps beside the hub's rooms; the phones' sockets call it."""

    def __init__(self, db: Database, hub: Hub, *, window: float = 0.003, max_batch: int = 500) -> None:
        self.db = db
        self.hub = hub
        self.batcher = StepBatcher(db, self, window=window, max_batch=max_batch)
        hub.remote_handlers["pace"] = self._remote_moved

    async def start(self) -> None:
        self.batcher.start()

    async def stop(self) -> None:
        await self.batcher.stop()

    async def step(self, room: Room, participant_id: int, message: StepIn) -> str:
        """The ack (or the error) for a phone's move, once it is stored."""
        try:
            check_step(room.pace.questionnaire, message.questionnaire_id, message.step)
        except DomainError as exc:
            return dump(ErrorOut(code=exc.code, message=exc.message, client_id=message.client_id))
        op = StepOp(
            room.meeting.id, message.questionnaire_id, participant_id, message.client_id, message.step
        )
        result = await self.batcher.submit(op)
        if result.refusal is not None or result.stored is None:
            error = result.refusal or DomainError(Code.STORAGE_FAILED, "Your step could not be stored.")
            return dump(ErrorOut(code=error.code, message=error.message, client_id=message.client_id))
        step, furthest = result.stored
        return dump(
            StepAckOut(
                client_id=op.client_id, questionnaire_id=op.questionnaire_id, step=step, furthest=furthest
            )
        )

    def committed(self, ops: list[StepOp]) -> None:
        """Apply stored moves to the rooms held here, and tell the other workers (one message per
        room and batch)."""
        shared: dict[int, list[tuple[int, int, int, int]]] = {}
        for op in ops:
            if op.stored is None:
                continue
            step, furthest = op.stored
            shared.setdefault(op.meeting_id, []).append(
                (op.questionnaire_id, op.participant_id, step, furthest)
            )
            room = self.hub.rooms.get(op.meeting_id)
            if room is not None and room.pace.moved_to(
                op.questionnaire_id, op.participant_id, step, furthest
            ):
                self.hub.mark(room)
        for meeting_id, moves in shared.items():
            self.hub.send(PaceMsg(m=meeting_id, p=moves))

    async def _remote_moved(self, room: Room, message: PaceMsg) -> None:
        """Moves stored by another worker (one about a questionnaire this room does not hold yet
        waits for it: the other worker saw it opened first)."""
        for questionnaire_id, participant, step, furthest in message.p:
            room.pace.moved_to(questionnaire_id, participant, step, furthest)
