"""A live meeting in memory: its activities, incremental tallies, connections and frames."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any, Literal

from server import i18n, kinds
from server.domain.agenda import Clock, SystemClock, agenda_view, phone_view
from server.domain.errors import Code, DomainError
from server.domain.meeting import ActivityInfo, MeetingInfo, accepting
from server.kinds import Change, KindSettings, Moderation, Sheet, Tally, get, new_tally, settings_for
from server.realtime.beside import RoomBeside
from server.realtime.connection import Connection
from server.realtime.messages import (
    AgendaOut,
    AnswerIn,
    ErrorOut,
    MineOut,
    ResultsOut,
    SnapshotOut,
    StateOut,
    WithdrawIn,
    dump,
)
from server.services.answers import AnswerOp, StoredAnswer
from server.services.keys import hash_key
from server.services.meetings import MeetingAuth
from server.text import Text

Audience = Literal["presenter", "host"]
PRESENCE_TTL = 15.0  # seconds a worker's presence report counts without a refresh
Own = dict[str, tuple[int, dict[str, Any], int]]  # slot -> (entry id, payload, revision)
Version = tuple[int, int]  # (entry id, revision): ids are never reused, revisions only grow


class Room:
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
        self.set_meeting(meeting)

    # -- loading ---------------------------------------------------------------------------

    def set_meeting(self, meeting: MeetingInfo) -> None:
        before = self.meeting.current
        agenda_before = phone_view(self.meeting.agenda)
        self.meeting = meeting
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
        if before != after:  # a phone's own view may change with the status (a quiz's reveal)
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

    def participant_for_token(self, token: str) -> tuple[int, str | None] | None:
        participant_id = self._tokens.get(hash_key(token))
        if participant_id is None:
            return None
        return participant_id, self.nicknames.get(participant_id)

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
            if change.nickname is not None:
                self.nicknames[change.participant] = change.nickname
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
            activity = accepting(self.meeting.current, message.activity_id)
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
                connection.push(dump(ErrorOut(code="forbidden", message="This screen's key was revoked.")))
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
        return self.dirty_state or self.dirty_results or self.dirty_snapshot or self.beside.dirty

    # -- frames ------------------------------------------------------------------------------

    def _mark_state(self) -> None:
        self._state_frame = None
        self._results_cache = None
        self.dirty_state = True
        self.dirty_results = True
        self.dirty_snapshot = True

    def results(
        self, activity: ActivityInfo, audience: Literal["host", "presenter", "participant"]
    ) -> dict[str, Any]:
        sheets, index = self.sheets(activity.id)
        moderation = self._moderation[activity.id]
        return kinds.results(sheets, index, moderation, audience, now=self.clock.now(), say=self.say)

    def sheets(self, activity_id: int) -> tuple[list[Sheet], int]:
        """The meeting's activities in agenda order, as the kinds' meeting-level facets read them,
        and where ``activity_id`` stands among them."""
        ordered = sorted(self.meeting.activities, key=lambda a: (a.position, a.id))
        sheets = [
            Sheet(a.id, a.kind, self._settings[a.id], self.tallies[a.id], a.status, a.opened_at)
            for a in ordered
        ]
        return sheets, next(i for i, a in enumerate(ordered) if a.id == activity_id)

    def phones_see_results(self, activity: ActivityInfo | None) -> bool:
        # Some kinds need the results to take part (the check-out words are what phones step in
        # on, the groups tell people who to find): phones always see those.
        return activity is not None and (
            activity.show_results_phones or get(activity.kind).results_on_phones_always
        )

    def state_frame(self) -> str:
        """The phones' shared state frame; rebuilt when the state changed, or when it carries
        results and answers came in since (a reconnecting phone never gets stale results)."""
        activity = self.meeting.current
        stale = self._state_version != self.version and self.phones_see_results(activity)
        if self._state_frame is None or stale:
            self.seq += 1
            self._state_version = self.version
            self._state_frame = dump(
                StateOut(
                    seq=self.seq,
                    v=self.version,
                    meeting=self.meeting.public(),
                    activity=activity.public() if activity else None,
                    results=self.results(activity, "participant")
                    if activity and self.phones_see_results(activity)
                    else None,
                    agenda=self.phone_agenda(),
                )
            )
        return self._state_frame

    def mine_frame(self, participant_id: int) -> str | None:
        activity = self.meeting.current
        if activity is None:
            return None
        own = self.own.get(activity.id, {}).get(participant_id, {})
        tally = self.tallies.get(activity.id)
        # A check-out phone's own words may lie outside the bounded list that every phone gets.
        words = tally.mentioned(own) if tally is not None else None
        sheets, index = self.sheets(activity.id)
        personal = kinds.personal(sheets, index, participant_id, now=self.clock.now(), say=self.say)
        return dump(
            MineOut(
                activity_id=activity.id,
                participant={"nickname": self.nicknames.get(participant_id)},
                answers={
                    slot: {"entry_id": entry, "value": payload}
                    for slot, (entry, payload, _rev) in own.items()
                },
                words=words,
                own=personal,
            )
        )

    def results_frame(self) -> str | None:
        """The phones' results frame, built once per room version (shared by flush and greet)."""
        activity = self.meeting.current
        if not self.phones_see_results(activity):
            return None
        assert activity is not None
        cached = self._results_cache
        if cached is not None and cached[0] == (activity.id, self.version):
            return cached[1]
        self.seq += 1
        frame = dump(
            ResultsOut(
                seq=self.seq,
                v=self.version,
                activity_id=activity.id,
                results=self.results(activity, "participant"),
            )
        )
        self._results_cache = ((activity.id, self.version), frame)
        return frame

    def snapshot_frame(self, audience: Audience, burst: dict[str, int] | None = None) -> str:
        self.seq += 1
        activity = self.meeting.current
        hidden = activity is not None and not activity.show_results_presenter
        results = None
        responses = respondents = 0
        if activity is not None:
            tally = self.tallies[activity.id]
            responses, respondents = tally.responses(), tally.respondents()
            if audience == "host" or not hidden:
                results = self.results(activity, audience)
        return dump(
            SnapshotOut(
                seq=self.seq,
                v=self.version,
                audience=audience,
                meeting={
                    **self.meeting.public(),
                    "join_url": self.join_url,
                    "show_schedule": self.meeting.show_schedule,
                },
                participants=self.participants,
                activities=[a.public() for a in self.meeting.activities],
                activity=activity.public() if activity else None,
                responses=responses,
                respondents=respondents,
                results=results,
                results_hidden=hidden,
                agenda=agenda_view(
                    self.meeting.agenda,
                    self.clock.now(),
                    host=audience == "host",
                    say=self.say,
                    schedule=audience == "host" or self.meeting.show_schedule,
                ),
                beside=self.beside.screen_view(audience, burst),
            )
        )

    def say(self, message: Text) -> str:
        """A message in the meeting's language."""
        return i18n.say(message, self.meeting.language)

    def phone_agenda(self) -> dict[str, Any] | None:
        """ "Nu: …" and "Straks: …" for the phones, when the meeting runs from an agenda."""
        now, following = phone_view(self.meeting.agenda)
        if now is None and following is None:
            return None
        return {"now": now, "next": following}

    def send_agenda(self) -> None:
        """The agenda's live clock to the big screens and remotes (called once a second)."""
        agenda = self.meeting.agenda
        if not agenda.running:
            return
        screens = [c for c in self.screens if not c.closed]
        if not screens:
            return
        now = self.clock.now()
        frames: dict[str, str] = {}
        for connection in screens:
            role = connection.role
            if role not in frames:
                view = agenda_view(
                    agenda,
                    now,
                    host=role == "host",
                    say=self.say,
                    schedule=role == "host" or self.meeting.show_schedule,
                )
                frames[role] = dump(AgendaOut(agenda=view))
            connection.put_latest("agenda", frames[role])

    def greet(self, connection: Connection) -> None:
        """A (re)connecting client first gets the full current state."""
        if connection.role == "participant":
            assert connection.participant_id is not None
            connection.put_latest("state", self.state_frame())
            mine = self.mine_frame(connection.participant_id)
            if mine is not None:
                connection.put_latest("mine", mine)
            self.beside.greet(connection)
        else:
            connection.put_latest("snapshot", self.snapshot_frame(connection.role))

    def flush(self, naive: bool = False) -> None:
        """Build each changed frame once and park it on every connection that needs it.

        ``naive`` is the benchmark's baseline: every recipient gets a frame serialised for it.
        """
        phones = [c for c in self.phones if not c.closed] if self.dirty_state or self.dirty_results else []
        if self.dirty_state:
            self._state_frame = None
            frame = self.state_frame()
            for connection in phones:
                connection.put_latest("state", frame)
                connection.drop("results")  # the state frame carries the current results
                if self.dirty_mine:
                    assert connection.participant_id is not None
                    mine = self.mine_frame(connection.participant_id)
                    if mine is not None:
                        connection.put_latest("mine", mine)
        elif self.dirty_results:
            results = self.results_frame()
            if results is not None:
                for connection in phones:
                    if naive:
                        self._results_cache = None
                        results = self.results_frame() or results
                    connection.put_latest("results", results)
        # The taps of this tick ride on the screens' one frame: a burst, never a frame per tap.
        burst = self.beside.burst.take()
        screens_dirty = self.dirty_snapshot or self.dirty_results or self.dirty_state
        if screens_dirty or self.beside.dirty_screens or burst:
            frames: dict[str, str] = {}
            for connection in self.screens:
                if not connection.closed:
                    role: Audience = "host" if connection.role == "host" else "presenter"
                    if role not in frames or naive:
                        frames[role] = self.snapshot_frame(role, burst)
                    connection.put_latest("snapshot", frames[role])
        self.beside.dirty_screens = False
        self.beside.flush_phones(self.phones)
        self.dirty_state = self.dirty_results = self.dirty_snapshot = self.dirty_mine = False
