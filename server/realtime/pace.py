"""A room's self-paced questionnaire: where each phone is, and the frames built from it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from server.domain.meeting import ActivityInfo, MeetingInfo
from server.domain.pace import PaceBoard, Questionnaire
from server.kinds import Tally
from server.realtime.connection import Connection
from server.realtime.messages import PaceOut, dump

Own = Mapping[int, Mapping[int, Mapping[str, tuple[int, dict[str, Any], int]]]]


class RoomPace:
    """The open questionnaire of a room (or none) and every phone's step in it. Changed after a
    commit of steps, or when the meeting opens or closes a questionnaire."""

    def __init__(self) -> None:
        self.board = PaceBoard()
        self.dirty_screens = False
        self.dirty_phones = False
        # Phones whose step was read from the database (a room loaded, resynchronised): told it.
        self.moved: set[int] = set()
        # Moves from another worker about a questionnaire this room has not seen opened yet.
        self._early: dict[int, list[tuple[int, int, int]]] = {}

    @property
    def questionnaire(self) -> Questionnaire | None:
        return self.board.questionnaire

    @property
    def dirty(self) -> bool:
        return self.dirty_screens or self.dirty_phones or bool(self.moved)

    def sync(self, questionnaire: Questionnaire | None) -> bool:
        """The meeting's questionnaire as loaded; True when it is another one (its steps are then
        read from the database by the caller: a new one has none yet)."""
        if questionnaire == self.board.questionnaire:
            return False
        held = self.board.questionnaire
        same = held is not None and questionnaire is not None and held.id == questionnaire.id
        self.board = PaceBoard(questionnaire, self.board.where if same else {})
        self.dirty_screens = self.dirty_phones = True
        if questionnaire is not None:
            for participant, step, furthest in self._early.pop(questionnaire.id, []):
                self.board.put(participant, step, furthest)
        self._early = {
            q: moves for q, moves in self._early.items() if questionnaire is None or q > questionnaire.id
        }
        return not same and questionnaire is not None

    def load(self, questionnaire_id: int, rows: Iterable[tuple[int, int, int]]) -> None:
        if self.questionnaire is None or self.questionnaire.id != questionnaire_id:
            return
        for participant, step, furthest in rows:
            self.board.put(participant, step, furthest)
            self.moved.add(participant)
        self.dirty_screens = True

    def moved_to(self, questionnaire_id: int, participant: int, step: int, furthest: int) -> bool:
        """A committed move (here or on another worker); False when it is about another
        questionnaire than the one this room holds."""
        held = self.questionnaire
        if held is None or held.id != questionnaire_id:
            if held is None or questionnaire_id > held.id:  # a newer one, not yet seen opened here
                self._early.setdefault(questionnaire_id, []).append((participant, step, furthest))
            return False
        self.board.put(participant, step, furthest)
        self.dirty_screens = True
        return True

    # -- frames ------------------------------------------------------------------------------

    def phone_view(self, meeting: MeetingInfo) -> dict[str, Any] | None:
        """The questionnaire in the phones' state frame: its steps, in order."""
        questionnaire = self.questionnaire
        if questionnaire is None:
            return None
        return {
            "id": questionnaire.id,
            "steps": [meeting.activity(step).public() for step in questionnaire.steps],
        }

    def pace_frame(self, participant: int, own: Own) -> str | None:
        questionnaire = self.questionnaire
        if questionnaire is None:
            return None
        step, furthest = self.board.where.get(participant, (0, 0))
        answers = {
            str(activity_id): {
                slot: {"entry_id": entry, "value": payload}
                for slot, (entry, payload, _rev) in own.get(activity_id, {}).get(participant, {}).items()
            }
            for activity_id in questionnaire.steps
        }
        return dump(
            PaceOut(
                questionnaire_id=questionnaire.id,
                step=min(step, questionnaire.length),
                furthest=min(furthest, questionnaire.length),
                answers=answers,
            )
        )

    def screen_view(
        self, meeting: MeetingInfo, tallies: Mapping[int, Tally], own: Own
    ) -> dict[str, Any] | None:
        """For the big screen and the remote: every step with how many got past it and answered;
        a phone has started once it moved or answered a step."""
        questionnaire = self.questionnaire
        if questionnaire is None:
            return None
        progress = self.board.progress()
        started = set(self.board.where)
        for activity_id in questionnaire.steps:
            started.update(p for p, slots in own.get(activity_id, {}).items() if slots)
        on = list(progress["on"])
        if on:  # who answered without moving on is on the first step
            on[0] += len(started) - len(self.board.where)
        steps: list[dict[str, Any]] = []
        for i, activity_id in enumerate(questionnaire.steps):
            activity: ActivityInfo = meeting.activity(activity_id)
            tally = tallies.get(activity_id)
            steps.append(
                {
                    "activity_id": activity_id,
                    "kind": activity.kind,
                    "prompt": activity.prompt,
                    "status": activity.status,
                    "done": progress["done"][i],
                    "on": on[i],
                    "respondents": tally.respondents() if tally is not None else 0,
                }
            )
        return {
            "id": questionnaire.id,
            "steps": steps,
            "started": len(started),
            "completed": progress["completed"],
        }

    def greet(self, connection: Connection, own: Own) -> None:
        assert connection.participant_id is not None
        frame = self.pace_frame(connection.participant_id, own)
        if frame is not None:
            connection.put_latest("pace", frame)

    def flush_phones(self, phones: Iterable[Connection], own: Own, *, everyone: bool) -> None:
        """Each phone's own frame when the questionnaire (or the state) changed, or to the phones
        whose step was moved elsewhere. Called by the room's flush, once per tick at most."""
        everyone = everyone or self.dirty_phones
        if self.questionnaire is not None and (everyone or self.moved):
            for connection in phones:
                pid = connection.participant_id
                if connection.closed or pid is None or not (everyone or pid in self.moved):
                    continue
                frame = self.pace_frame(pid, own)
                if frame is not None:
                    connection.put_latest("pace", frame)
        self.dirty_phones = False
        self.moved = set()
