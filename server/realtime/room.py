"""A live meeting in memory: its activities, incremental tallies and connections.

What it sends is built by the RoomFrames half it inherits (frames.py).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping

from server.domain.agenda import Clock, SystemClock, phone_view
from server.domain.errors import Code, DomainError
from server.domain.meeting import ActivityInfo, MeetingInfo, accepting
from server.kinds import Change, KindSettings, Moderation, Tally, get, new_tally, settings_for
from server.kinds.series import InMeeting
from server.realtime.beside import RoomBeside
from server.realtime.connection import Connection
from server.realtime.frames import Own, RoomFrames
from server.realtime.messages import (
    AnswerIn,
    ErrorOut,
    NicknameOut,
    WithdrawIn,
    dump,
)
from server.realtime.pace import RoomPace
from server.services.answers import AnswerOp, StoredAnswer
from server.services.keys import hash_key
from server.services.meetings import MeetingAuth

PRESENCE_TTL = 15.0  # seconds a worker's presence report counts without a refresh
Version = tuple[int, int]  # (entry id, revision): ids are never reused, revisions only grow


class Room(RoomFrames):
    def __init__(
        self, meeting: MeetingInfo, auth: MeetingAuth, join_url: str, clock: Clock | None = None
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.meeting = meeting
        self.auth = auth
        self.join_url = join_url
        self.tallies: dict[int, Tally] = {}
        self.own: dict[int, dict[int, Own]] = defaultdict(dict)
        # The version a withdrawn slot had, so that a late, older delta cannot bring it back.
        self.gone: dict[tuple[int, int, str], Version] = {}
        # Participants connected to other workers, as they last reported: worker -> (count, when).
        self.remote_presence: dict[str, tuple[int, float]] = {}
        self.nicknames: dict[int, str | None] = {}
        # Participant token hash -> id, for those who joined here: their websocket needs no query.
        self._tokens: dict[str, int] = {}
        # Phones and screens apart: a tick that only changes the big screen never walks the phones.
        self.phones: set[Connection] = set()
        self.screens: set[Connection] = set()
        self.present: Counter[int] = Counter()
        self.seq = 0
        self.version = 0
        self.dirty_state = True
        self.dirty_results = True
        self.dirty_snapshot = True
        self.dirty_mine = True
        self._settings: dict[int, KindSettings] = {}
        self._moderation: dict[int, Moderation] = {}
        self._state_frame: str | None = None
        self._results_cache: tuple[tuple[int, int], str] | None = None
        self._state_version = -1
        self.beside = RoomBeside()  # Q&A and reactions beside the activities
        self.pace = RoomPace()  # the self-paced questionnaire, when one is open
        self.set_meeting(meeting)

    # -- loading ---------------------------------------------------------------------------

    def set_meeting(self, meeting: MeetingInfo) -> None:
        before = self.meeting.current
        agenda_before = phone_view(self.meeting.agenda)
        self.meeting = meeting
        if self.pace.sync(meeting.questionnaire):
            self.dirty_mine = True
        self._settings = {a.id: settings_for(a.kind, a.settings) for a in meeting.activities}
        self._moderation = {a.id: Moderation.from_json(a.moderation) for a in meeting.activities}
        for activity in meeting.activities:
            self.tallies.setdefault(activity.id, new_tally(activity.kind))
        known = {a.id for a in meeting.activities}
        for gone in set(self.tallies) - known:
            del self.tallies[gone]
            self.own.pop(gone, None)
        after = meeting.current
        if (
            before is None
            or after is None
            or before != after
            or self._state_frame is None
            or agenda_before != phone_view(meeting.agenda)
        ):
            self._mark_state()
        if _own_view_changed(before, after):
            self.dirty_mine = True
        self.dirty_results = True
        self.dirty_snapshot = True

    def load_answers(self, answers: list[StoredAnswer]) -> None:
        """Rebuild every tally from the stored rows (on load, and to resynchronise)."""
        for activity in self.meeting.activities:
            self.tallies[activity.id] = new_tally(activity.kind)
        self.own.clear()
        self.gone.clear()
        by_activity: dict[int, list[Change]] = defaultdict(list)
        versions: dict[int, Version] = {}
        for a in answers:
            by_activity[a.activity_id].append(
                Change(a.participant_id, a.slot, a.entry_id, None, a.payload, a.nickname)
            )
            versions[a.entry_id] = (a.entry_id, a.rev)
        for activity_id, changes in by_activity.items():
            self.apply(activity_id, changes, versions)
        self.dirty_mine = True
        self._mark_state()

    def remember_token(self, token: str, participant_id: int) -> None:
        if token:
            self._tokens[hash_key(token)] = participant_id

    def set_nickname(self, participant_id: int, nickname: str | None) -> None:
        """The participant's nickname as this room knows it. When it changes (a rejoin with
        another nickname, from this phone or another device of the participant's), its phones
        here are told: no frame the room shares with every phone names anyone."""
        before = self.nicknames.get(participant_id)
        self.nicknames[participant_id] = nickname
        if before == nickname or not self.present.get(participant_id):
            return
        frame = dump(NicknameOut(nickname=nickname))
        for connection in self.phones:
            if connection.participant_id == participant_id:
                connection.push(frame)

    def participant_for_token(self, token: str) -> tuple[int, str | None] | None:
        participant_id = self._tokens.get(hash_key(token))
        if participant_id is None:
            return None
        return participant_id, self.nicknames.get(participant_id)

    def forget(self, participant_ids: Collection[int]) -> None:
        """Erased participants ("vergeet mij"): their cookies open nothing here, their phones close."""
        gone = set(participant_ids)
        self._tokens = {token: pid for token, pid in self._tokens.items() if pid not in gone}
        for pid in gone:
            self.nicknames.pop(pid, None)
        for connection in list(self.phones):
            if connection.participant_id in gone:
                connection.close_soon(4401, "forgotten")

    # -- answers -----------------------------------------------------------------------------

    def apply(self, activity_id: int, changes: list[Change], versions: Mapping[int, Version]) -> int:
        """Apply row changes idempotently and in any order: a change older than what this room
        holds for its slot is skipped. The old value comes from the room's own copy, so deltas
        from other workers stay exact. Returns how many changes took effect."""
        tally = self.tallies.get(activity_id)
        if tally is None:  # deleted meanwhile
            return 0
        own = self.own[activity_id]
        applied = 0
        for change in changes:
            version = versions.get(change.entry_id, (change.entry_id, 0))
            mine = own.setdefault(change.participant, {})
            current = mine.get(change.slot)
            gone_key = (activity_id, change.participant, change.slot)
            held = (current[0], current[2]) if current else self.gone.get(gone_key, (0, 0))
            if version <= held:
                continue
            old = current[1] if current else None
            if current is not None and current[0] != change.entry_id:
                # The slot was emptied and filled again elsewhere: retire the old entry first.
                tally.apply(Change(change.participant, change.slot, current[0], old, None))
                old = None
            tally.apply(
                Change(change.participant, change.slot, change.entry_id, old, change.new, change.nickname)
            )
            if change.new is None:
                mine.pop(change.slot, None)
                self.gone[gone_key] = version
            else:
                mine[change.slot] = (change.entry_id, dict(change.new), version[1])
                self.gone.pop(gone_key, None)
            if change.nickname is not None and self.nicknames.get(change.participant) != change.nickname:
                self.set_nickname(change.participant, change.nickname)  # as the answer's worker knew it
            applied += 1
        self.version += applied
        self.dirty_results = True
        self.dirty_snapshot = True
        return applied

    def reset(self, activity_id: int) -> None:
        activity = self.meeting.activity(activity_id)
        self.tallies[activity_id] = new_tally(activity.kind)
        self.own.pop(activity_id, None)
        self.gone = {k: v for k, v in self.gone.items() if k[0] != activity_id}
        self.version += 1
        self.dirty_mine = True
        self._mark_state()

    def prepare(self, participant_id: int, message: AnswerIn | WithdrawIn) -> AnswerOp:
        """Check the message's shape; what passes goes to the batcher.

        Only what a resend could never pass is refused here. Whether the answer still fits the
        room (the activity open, the word still there, a pick left) is decided after the batch
        recognised resends: a resend of a stored answer gets its ack again, whatever changed
        since. The room's own verdict travels along as the op's ``refusal``."""
        try:
            activity = accepting(self.meeting.answerable(message.activity_id), message.activity_id)
            refusal = None
        except DomainError as closed:
            refusal = closed
            try:
                activity = self.meeting.activity(message.activity_id)
            except DomainError:
                raise closed from None
        kind = get(activity.kind)
        settings = self._settings[activity.id]
        if isinstance(message, WithdrawIn):
            try:
                kind.validate_withdraw(settings, message.slot)
                if kind.locked:
                    raise DomainError(
                        Code.ANSWER_LOCKED, "Your answer is locked once sent.", slot=message.slot
                    )
            except DomainError:
                if refusal is not None:
                    raise refusal from None
                raise
            return AnswerOp(
                self.meeting.id,
                activity.id,
                participant_id,
                message.client_id,
                "withdraw",
                message.slot,
                None,
                refusal=refusal,
            )
        try:
            payload = kind.normalise_answer(settings, message.slot, message.value)
        except DomainError:
            if refusal is not None:  # a closed activity is the better reason to give
                raise refusal from None
            raise
        stored = payload
        if refusal is None:
            # Measured now, as the server receives it: a batch that commits later changes nothing.
            opened = activity.opened_at
            since = (self.clock.now() - opened).total_seconds() if opened is not None else None
            try:
                stored = kind.stamp(settings, payload, since_open=since)
            except DomainError as late:
                refusal = late
        return AnswerOp(
            self.meeting.id,
            activity.id,
            participant_id,
            message.client_id,
            "answer",
            message.slot,
            stored,
            self.nicknames.get(participant_id),
            pick=kind.pick(settings),
            refusal=refusal,
            sent=payload if stored is not payload else None,
            locked=kind.locked,
        )

    # -- presence ----------------------------------------------------------------------------

    @property
    def connections(self) -> list[Connection]:
        return [*self.phones, *self.screens]

    def add(self, connection: Connection) -> None:
        (self.phones if connection.role == "participant" else self.screens).add(connection)
        if connection.participant_id is not None:
            self.present[connection.participant_id] += 1
            self.dirty_snapshot = True

    def remove(self, connection: Connection) -> None:
        (self.phones if connection.role == "participant" else self.screens).discard(connection)
        pid = connection.participant_id
        if pid is not None and self.present[pid] > 0:
            self.present[pid] -= 1
            if self.present[pid] == 0:
                del self.present[pid]
            self.dirty_snapshot = True

    def set_auth(self, auth: MeetingAuth) -> None:
        """New key hashes; screens opened with a key that is no longer valid (rotated, or a
        role's key revoked) are closed."""
        old = self.auth
        self.auth = auth
        for connection in list(self.screens):
            via = connection.via
            if via is not None and via != "session" and auth.hash_for(via) != old.hash_for(via):
                connection.push(dump(ErrorOut(code=Code.FORBIDDEN, message="This screen's key was revoked.")))
                connection.close_when_sent(4403, "key revoked")

    def report_presence(self, worker: str, count: int) -> None:
        self.remote_presence[worker] = (count, time.monotonic())
        self.dirty_snapshot = True

    @property
    def participants(self) -> int:
        """Distinct participants connected here, plus what other workers last reported."""
        now = time.monotonic()
        remote = sum(n for n, seen in self.remote_presence.values() if now - seen < PRESENCE_TTL)
        return len(self.present) + remote

    @property
    def dirty(self) -> bool:
        return (
            self.dirty_state
            or self.dirty_results
            or self.dirty_snapshot
            or self.beside.dirty
            or self.pace.dirty
        )

    def _mark_state(self) -> None:
        self._state_frame = None
        self._results_cache = None
        self.dirty_state = True
        self.dirty_results = True
        self.dirty_snapshot = True


def _own_view_changed(before: ActivityInfo | None, after: ActivityInfo | None) -> bool:
    """Whether the phones' own-answers frames change with the current activity: another one is
    current, or the same one changed and its kind shows each phone a view of its own that moves
    with its status (a quiz's reveal: each phone's points and rank). Any other kind's own answers
    stay as they are through a reveal, a close or moderation: resending them to every phone was
    a frame serialised per phone for nothing."""
    if (before.id if before else None) != (after.id if after else None):
        return True
    return after is not None and before != after and isinstance(get(after.kind), InMeeting)
