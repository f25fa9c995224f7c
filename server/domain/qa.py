"""Q&A beside the activities: questions from the hall, their votes, moderation and bounded views."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from server.domain.errors import Code, DomainError
from server.domain.words import clean_text, is_profane
from server.text import N_

QUESTION_MAX_LENGTH = 280
QUESTIONS_PER_PARTICIPANT = 20  # a phone cannot flood the host's list
PHONE_TOP = 20  # questions every phone gets (by votes); its own come on top of these
STAGE_TOP = 8  # questions on the big screen
MINE_VOTES = 200  # the newest votes a phone is told about (it can only see PHONE_TOP + its own)

Status = Literal["pending", "visible", "hidden"]
STATUSES: tuple[Status, ...] = ("pending", "visible", "hidden")
Action = Literal["approve", "hide", "show", "answer", "unanswer", "highlight", "unhighlight"]
ACTIONS: tuple[Action, ...] = ("approve", "hide", "show", "answer", "unanswer", "highlight", "unhighlight")


def question_text(raw: str) -> str:
    """A question as stored: cleaned like an open answer, one to QUESTION_MAX_LENGTH characters."""
    return clean_text(raw, max_length=QUESTION_MAX_LENGTH, allow_newlines=False)


def first_status(text: str, *, premoderate: bool) -> Status:
    """Where a new question starts: pending when the host approves first, or when it holds a word
    of the profanity lists (the host may still approve it); otherwise visible at once."""
    return "pending" if premoderate or is_profane(text) else "visible"


@dataclass(slots=True)
class Question:
    id: int
    participant: int
    text: str
    nickname: str | None  # None: asked anonymously
    status: Status
    answered: bool = False
    voters: set[int] = field(default_factory=set)
    flagged: bool = False  # held back by the profanity filter

    @property
    def votes(self) -> int:
        return len(self.voters)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "nickname": self.nickname,
            "votes": self.votes,
            "answered": self.answered,
        }

    def for_host(self) -> dict[str, Any]:
        return {**self.public(), "status": self.status, "flagged": self.flagged}


@dataclass
class QaBoard:
    """A meeting's Q&A as a room holds it; changed only by what was committed."""

    open: bool = False
    premoderate: bool = False
    highlighted: int | None = None
    questions: dict[int, Question] = field(default_factory=dict)
    voted: dict[int, list[int]] = field(default_factory=dict)  # participant -> question ids, oldest first
    version: int = 0

    # -- changes (after their commit) ---------------------------------------------------------

    def add(self, question: Question) -> None:
        self.questions[question.id] = question
        self.version += 1

    def vote(self, question_id: int, participant: int, up: bool) -> bool:
        """Apply a committed vote or its withdrawal; False when it changed nothing."""
        question = self.questions.get(question_id)
        if question is None or (participant in question.voters) == up:
            return False
        mine = self.voted.setdefault(participant, [])
        if up:
            question.voters.add(participant)
            mine.append(question_id)
        else:
            question.voters.discard(participant)
            mine.remove(question_id)
        self.version += 1
        return True

    def moderate(self, question_id: int, action: Action) -> None:
        question = self.questions[question_id]
        if action in ("approve", "show"):
            question.status = "visible"
        elif action == "hide":
            question.status = "hidden"
            if self.highlighted == question_id:
                self.highlighted = None
        elif action in ("answer", "unanswer"):
            question.answered = action == "answer"
            if question.answered and self.highlighted == question_id:
                self.highlighted = None
        elif action == "highlight":
            self.highlighted = question_id
        elif self.highlighted == question_id:  # unhighlight
            self.highlighted = None
        self.version += 1

    # -- checks (before the batcher) -----------------------------------------------------------

    def can_ask(self, participant: int) -> None:
        if not self.open:
            raise DomainError(Code.QA_CLOSED, N_("Q&A is closed."))
        asked = sum(1 for q in self.questions.values() if q.participant == participant)
        if asked >= QUESTIONS_PER_PARTICIPANT:
            raise DomainError(
                Code.TOO_MANY_QUESTIONS,
                N_("You can ask at most {n} questions.", n=QUESTIONS_PER_PARTICIPANT),
                maximum=QUESTIONS_PER_PARTICIPANT,
            )

    def can_vote(self, question_id: int, participant: int) -> None:
        if not self.open:
            raise DomainError(Code.QA_CLOSED, N_("Q&A is closed."))
        question = self.questions.get(question_id)
        if question is None or question.status != "visible":
            raise DomainError(Code.UNKNOWN_QUESTION, N_("There is no such question (any more)."))
        if question.participant == participant:
            raise DomainError(Code.OWN_QUESTION, N_("You cannot vote for your own question."))

    # -- views -------------------------------------------------------------------------------

    def ranked(self) -> list[Question]:
        """Visible questions: open ones by votes (then oldest first), answered ones after them."""
        visible = [q for q in self.questions.values() if q.status == "visible"]
        return sorted(visible, key=lambda q: (q.answered, -q.votes, q.id))

    def _highlight(self) -> dict[str, Any] | None:
        question = self.questions.get(self.highlighted) if self.highlighted is not None else None
        return question.public() if question is not None and question.status == "visible" else None

    def phone_view(self) -> dict[str, Any] | None:
        """What every phone gets: the top PHONE_TOP (null: Q&A is closed)."""
        if not self.open:
            return None
        ranked = self.ranked()
        return {
            "premoderate": self.premoderate,
            "questions": [q.public() for q in ranked[:PHONE_TOP]],
            "count": len(ranked),
            "highlighted": self._highlight(),
        }

    def mine(self, participant: int) -> dict[str, Any]:
        """One phone's own questions (whatever their status) and the questions it voted for."""
        own = [
            {**q.public(), "status": q.status}
            for q in self.questions.values()
            if q.participant == participant
        ]
        return {"questions": own, "votes": self.voted.get(participant, [])[-MINE_VOTES:]}

    def stage_view(self) -> dict[str, Any] | None:
        """The big screen: the top STAGE_TOP open questions and the highlighted one."""
        if not self.open:
            return None
        ranked = [q for q in self.ranked() if not q.answered and q.id != self.highlighted]
        return {
            "questions": [q.public() for q in ranked[:STAGE_TOP]],
            "count": len(ranked),
            "highlighted": self._highlight(),
        }

    def host_view(self) -> dict[str, Any]:
        """The remote: every question with its status, newest first (the remote sorts it)."""
        return {
            "open": self.open,
            "premoderate": self.premoderate,
            "highlighted": self.highlighted,
            "questions": [q.for_host() for q in sorted(self.questions.values(), key=lambda q: -q.id)],
        }
