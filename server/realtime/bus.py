"""The typed message bus between workers: what one worker tells the others, and how it travels.

Every message is a pydantic model in one discriminated union (on ``t``). A worker builds them from
its own committed data, queues them, and publishes the tick's messages together (one PUBLISH per
tick, whatever the answer rate); a receiving worker validates each message before it acts on it.
The broadcast backend delivers at most once, so these are notifications: the database stays the
truth, and a worker that lost messages (or got one it cannot read) reloads from it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from server.kinds import Change
from server.realtime.backends import Broadcast

log = logging.getLogger("kring.bus")

PRESENCE_HEARTBEAT = 5.0  # seconds between presence reports when the count stays the same
PUBLISH_CHUNK = 2_000  # messages per PUBLISH payload (a tick rarely carries more than one chunk)
OUTBOX_LIMIT = 10_000  # queued messages beyond which the others resynchronise from the database

# One changed answer row: participant, slot, entry id, new payload (None: withdrawn), nickname, revision.
ChangeRow = tuple[int, str, int, dict[str, Any] | None, str | None, int]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChangesMsg(_Message):
    """Committed answer rows of one activity: the receiving room applies them, version-checked."""

    t: Literal["changes"] = "changes"
    m: int  # meeting id
    a: int  # activity id
    c: list[ChangeRow]

    @classmethod
    def of(
        cls, meeting_id: int, activity_id: int, changes: list[Change], versions: Mapping[int, tuple[int, int]]
    ) -> ChangesMsg:
        rows: list[ChangeRow] = []
        for change in changes:
            version = versions.get(change.entry_id)
            rev = version[1] if version else 0
            new = dict(change.new) if change.new is not None else None
            rows.append((change.participant, change.slot, change.entry_id, new, change.nickname, rev))
        # Built from this worker's own commit: nothing to validate on the way out.
        return cls.model_construct(m=meeting_id, a=activity_id, c=rows)

    def decode(self) -> tuple[list[Change], dict[int, tuple[int, int]]]:
        changes: list[Change] = []
        versions: dict[int, tuple[int, int]] = {}
        for participant, slot, entry_id, new, nickname, rev in self.c:
            # The old value is the receiving room's own copy; Room.apply fills it in.
            changes.append(Change(participant, slot, entry_id, None, new, nickname))
            versions[entry_id] = (entry_id, rev)
        return changes, versions


class StructureMsg(_Message):
    """The meeting itself changed (activities, the current one, keys): reload it, not its answers."""

    t: Literal["structure"] = "structure"
    m: int


class ResetMsg(_Message):
    """An activity's answers were cleared."""

    t: Literal["reset"] = "reset"
    m: int
    a: int


class ErasedMsg(_Message):
    """Participants erased themselves ("vergeet mij"): forget them and reload the room."""

    t: Literal["erased"] = "erased"
    m: int
    p: list[int]


class DeletedMsg(_Message):
    """The meeting is gone: close its room."""

    t: Literal["deleted"] = "deleted"
    m: int


class PresenceMsg(_Message):
    """How many participants the sending worker has connected to a meeting."""

    t: Literal["presence"] = "presence"
    m: int
    n: int = Field(ge=0)


class ResyncMsg(_Message):
    """The sender lost messages on the way out: every worker reloads its rooms from the database."""

    t: Literal["resync"] = "resync"


class BesideMsg(_Message):
    """Q&A or reactions settings changed: reload the meeting's board."""

    t: Literal["beside"] = "beside"
    m: int


class TapsMsg(_Message):
    """Reaction taps counted on the sending worker since its last report, by reaction."""

    t: Literal["taps"] = "taps"
    m: int
    c: dict[str, Annotated[int, Field(ge=0)]]


class PaceMsg(_Message):
    """Phones' moves in a questionnaire, stored by the sending worker: (questionnaire, participant,
    step, furthest step) each."""

    t: Literal["pace"] = "pace"
    m: int
    p: list[tuple[int, int, Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)]]]


class SignalMsg(_Message):
    """ "Nog 5 minuten" for the meeting's remotes."""

    t: Literal["signal"] = "signal"
    m: int
    n: int
    at: str


BusMessage = Annotated[
    ChangesMsg
    | StructureMsg
    | ResetMsg
    | ErasedMsg
    | DeletedMsg
    | PresenceMsg
    | ResyncMsg
    | BesideMsg
    | TapsMsg
    | SignalMsg
    | PaceMsg,
    Field(discriminator="t"),
]
RoomMessage = (
    ChangesMsg
    | StructureMsg
    | ResetMsg
    | ErasedMsg
    | DeletedMsg
    | PresenceMsg
    | BesideMsg
    | TapsMsg
    | SignalMsg
    | PaceMsg
)


class Envelope(BaseModel):
    """One PUBLISH: the sending worker and a chunk of its tick's messages."""

    model_config = ConfigDict(extra="forbid")

    w: str
    batch: list[BusMessage]


class _Raw(BaseModel):
    """The envelope before its messages are read one by one (one bad message spoils no other)."""

    w: str
    batch: list[Any]


_message = TypeAdapter[BusMessage](BusMessage)


class Unreadable(ValueError):
    """A message from another worker that does not validate; ``meeting_id`` when it names one."""

    def __init__(self, meeting_id: int | None, error: ValidationError) -> None:
        super().__init__(str(error))
        self.meeting_id = meeting_id


def read_message(data: Any) -> BusMessage:
    """One message from another worker, validated; raises Unreadable."""
    try:
        return _message.validate_python(data)
    except ValidationError as error:
        meeting_id = data.get("m") if isinstance(data, dict) else None
        raise Unreadable(meeting_id if type(meeting_id) is int else None, error) from None


class Bus:
    """This worker's outbox to the others, and the reading of what they publish."""

    def __init__(self, broadcast: Broadcast) -> None:
        self.broadcast = broadcast
        self._outbox: list[BusMessage] = []
        self._presence_sent: dict[int, tuple[int, float]] = {}
        self._resync_owed = False

    @property
    def shared(self) -> bool:
        return self.broadcast.shared

    @property
    def worker_id(self) -> str:
        return self.broadcast.worker_id

    def queue(self, message: BusMessage) -> bool:
        """Queue a message for the next publish; False when there is nobody to tell."""
        if not self.broadcast.shared:
            return False
        self._outbox.append(message)
        if len(self._outbox) > OUTBOX_LIMIT:
            # Redis is gone for long: the others will resynchronise from the database anyway.
            self._outbox.clear()
            self._resync_owed = True
        return True

    def forget_presence(self) -> None:
        """Report every room's presence again with the next publish."""
        self._presence_sent.clear()

    def report_presence(self, counts: Mapping[int, int], now: float) -> None:
        """Queue the presence of rooms whose count changed, or whose last report grows old."""
        for meeting_id, count in counts.items():
            sent = self._presence_sent.get(meeting_id)
            if sent is None or sent[0] != count or now - sent[1] > PRESENCE_HEARTBEAT:
                self._outbox.append(PresenceMsg(m=meeting_id, n=count))
                self._presence_sent[meeting_id] = (count, now)

    def encode(self) -> list[bytes]:
        """The outbox as PUBLISH payloads (emptying it)."""
        messages = self._outbox
        if self._resync_owed:
            messages = [ResyncMsg(), *messages]
        self._outbox = []
        worker = self.broadcast.worker_id
        chunks = (messages[i : i + PUBLISH_CHUNK] for i in range(0, len(messages), PUBLISH_CHUNK))
        return [Envelope.model_construct(w=worker, batch=c).model_dump_json().encode() for c in chunks]

    async def publish(self) -> None:
        if not self.broadcast.shared or not self._outbox:
            return
        if await self.broadcast.publish(self.encode()):
            self._resync_owed = False
        else:
            # These messages are lost to the other workers: when Redis is back, they reload.
            self._resync_owed = True
            self._presence_sent.clear()

    def unwrap(self, raw: bytes) -> tuple[str, list[Any]] | None:
        """The sender and its raw messages; None for this worker's own publish or an unreadable one."""
        try:
            envelope = _Raw.model_validate_json(raw)
        except ValidationError:
            log.warning("dropped an unreadable publish from another worker")
            return None
        if envelope.w == self.broadcast.worker_id:
            return None
        return envelope.w, envelope.batch
