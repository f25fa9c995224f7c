"""What a live room sends, and to whom: the frames built from its state, once per change.

The room (room.py) knows the meeting, the tallies, who is connected; this part turns that into
the phones' state, results and own answers, and the screens' snapshots per audience, builds
each changed frame once, and parks it on every connection that needs it (the latest replaces
an unsent older one). The ticker calls ``flush``; a (re)connecting client is ``greet``-ed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from server import i18n, kinds
from server.domain.agenda import Clock, agenda_view, phone_view
from server.domain.meeting import ActivityInfo, MeetingInfo
from server.kinds import KindSettings, Moderation, Sheet, Tally, get
from server.kinds.series import InMeeting
from server.realtime.beside import RoomBeside
from server.realtime.connection import Connection
from server.realtime.messages import AgendaOut, MineOut, ResultsOut, SnapshotOut, StateOut, dump
from server.realtime.pace import RoomPace
from server.text import Text

Audience = Literal["presenter", "host"]
Own = dict[str, tuple[int, dict[str, Any], int]]  # slot -> (entry id, payload, revision)


@dataclass(slots=True)
class MineBatch:
    """What the own-answers frames of one flush share: the phones' activity, its answers by
    participant and whether its kind shows each phone a view of its own (``InMeeting``), looked
    up once; the one frame of every phone without answers; and for a kind with a view per
    phone, the meeting's sheets and the time, built once."""

    activity: ActivityInfo | None
    answers: dict[int, Own]
    personal: bool
    blank: str | None = None  # the frame of a phone without answers, the same for all of them
    sheets: tuple[list[Sheet], int] | None = None
    now: datetime | None = None


class RoomFrames:
    """The frame-building half of a Room (which inherits it): the attributes below are the room's."""

    clock: Clock
    meeting: MeetingInfo
    join_url: str
    tallies: dict[int, Tally]
    own: dict[int, dict[int, Own]]
    phones: set[Connection]
    screens: set[Connection]
    beside: RoomBeside
    pace: RoomPace
    seq: int
    version: int
    dirty_state: bool
    dirty_results: bool
    dirty_snapshot: bool
    dirty_mine: bool
    _settings: dict[int, KindSettings]
    _moderation: dict[int, Moderation]
    _state_frame: str | None
    _results_cache: tuple[tuple[int, int], str] | None
    _state_version: int

    if TYPE_CHECKING:

        @property
        def participants(self) -> int: ...

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

    @property
    def phone_activity(self) -> ActivityInfo | None:
        """What the phones answer together; none while a questionnaire goes at each one's pace."""
        return None if self.pace.questionnaire is not None else self.meeting.current

    def state_frame(self) -> str:
        """The phones' shared state frame; rebuilt when the state changed, or when it carries
        results and answers came in since (a reconnecting phone never gets stale results)."""
        activity = self.phone_activity
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
                    questionnaire=self.pace.phone_view(self.meeting),
                )
            )
        return self._state_frame

    def mine_batch(self) -> MineBatch:
        activity = self.phone_activity
        if activity is None:
            return MineBatch(None, {}, personal=False)
        personal = isinstance(get(activity.kind), InMeeting)
        return MineBatch(activity, self.own.get(activity.id, {}), personal=personal)

    def mine_frame(self, participant_id: int, batch: MineBatch | None = None) -> str | None:
        """A phone's own answers to the current activity. ``batch`` is what the phones' frames
        of one flush share: when a question opens, the phones without answers all get the same
        frame, serialised once (nothing in it names the phone: its nickname comes in a frame of
        its own, ``nickname``). A kind with a view of its own for each phone
        (``InMeeting.personal``) is never shared; the meeting's sheets it reads are built once
        per flush. Only such a kind has that view (``kinds.personal`` is None for others)."""
        if batch is None:
            batch = self.mine_batch()
        activity = batch.activity
        if activity is None:
            return None
        own = batch.answers.get(participant_id)
        if not own and not batch.personal:
            if batch.blank is None:
                batch.blank = self._mine(activity, {}, None)
            return batch.blank
        personal = None
        if batch.personal:
            if batch.sheets is None:
                batch.sheets, batch.now = self.sheets(activity.id), self.clock.now()
            sheets, index = batch.sheets
            personal = kinds.personal(sheets, index, participant_id, now=batch.now, say=self.say)
        return self._mine(activity, own or {}, personal)

    def _mine(self, activity: ActivityInfo, own: Own, personal: dict[str, Any] | None) -> str:
        tally = self.tallies.get(activity.id)
        # A check-out phone's own words may lie outside the bounded list that every phone gets.
        words = tally.mentioned(own) if tally is not None else None
        return dump(
            MineOut(
                activity_id=activity.id,
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
        activity = self.phone_activity
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
                questionnaire=self.pace.screen_view(self.meeting, self.tallies, self.own),
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
            self.pace.greet(connection, self.own)
        else:
            connection.put_latest("snapshot", self.snapshot_frame(connection.role))

    def flush(self, naive: bool = False) -> None:
        """Build each changed frame once and park it on every connection that needs it.

        ``naive`` is the benchmark's baseline: every recipient gets a frame serialised for it.
        """
        phones = [c for c in self.phones if not c.closed] if self.dirty_state or self.dirty_results else []
        if self.dirty_state:
            batch = self.mine_batch() if self.dirty_mine else None
            self._state_frame = None
            frame = self.state_frame()
            for connection in phones:
                connection.drop("results")  # the state frame carries the current results
                mine = None
                if batch is not None:
                    assert connection.participant_id is not None
                    mine = self.mine_frame(connection.participant_id, batch)
                if mine is None:
                    connection.put_latest("state", frame)
                else:  # one write to the phone's transport for both
                    connection.put_latest_many(("state", frame), ("mine", mine))
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
        screens_dirty = (
            self.dirty_snapshot or self.dirty_results or self.dirty_state or self.pace.dirty_screens
        )
        self.pace.dirty_screens = False
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
        self.pace.flush_phones(self.phones, self.own, everyone=self.dirty_state and self.dirty_mine)
        self.dirty_state = self.dirty_results = self.dirty_snapshot = self.dirty_mine = False
