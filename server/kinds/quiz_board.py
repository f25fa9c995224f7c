"""A quiz's scores across the meeting: speed points, the streak bonus, the running total, the
leaderboard (its top 10 for every screen, and each phone's own rank) and the generated names.

Standings are counted from the tallies of the meeting's quiz questions in agenda order, once per
change: the result is cached on the current question's tally, keyed by every tally's version, so a
thousand phones asking for their own rank in one tick cost one count and a thousand look-ups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from server.kinds.base import Item, Results, Say
from server.kinds.bounds import QUIZ_TOP
from server.kinds.series import Sheet
from server.text import C_

MAX_POINTS = 1000  # a right answer at once
MIN_POINTS = 500  # a right answer in the last moment: speed counts, knowing counts more
STREAK_STEP = 100  # each right answer in a row before this one adds this much ...
STREAK_MAX = 500  # ... up to this bonus
ALIAS_STEP = 131

# "Blauwe Reiger": generated names for players without a nickname. Every Dutch animal here is a
# de-word, so the adjective's -e always fits.
ADJECTIVES = (
    C_("nickname", "Blue"),
    C_("nickname", "Red"),
    C_("nickname", "Green"),
    C_("nickname", "Yellow"),
    C_("nickname", "Purple"),
    C_("nickname", "Orange"),
    C_("nickname", "Pink"),
    C_("nickname", "Golden"),
    C_("nickname", "Silver"),
    C_("nickname", "Swift"),
    C_("nickname", "Clever"),
    C_("nickname", "Brave"),
    C_("nickname", "Cheerful"),
    C_("nickname", "Quiet"),
    C_("nickname", "Wise"),
    C_("nickname", "Nimble"),
)
ANIMALS = (
    C_("nickname", "Heron"),
    C_("nickname", "Fox"),
    C_("nickname", "Owl"),
    C_("nickname", "Otter"),
    C_("nickname", "Badger"),
    C_("nickname", "Hedgehog"),
    C_("nickname", "Frog"),
    C_("nickname", "Blackbird"),
    C_("nickname", "Swan"),
    C_("nickname", "Duck"),
    C_("nickname", "Sparrow"),
    C_("nickname", "Woodpecker"),
    C_("nickname", "Magpie"),
    C_("nickname", "Hare"),
    C_("nickname", "Beaver"),
    C_("nickname", "Dragonfly"),
    C_("nickname", "Butterfly"),
    C_("nickname", "Mole"),
    C_("nickname", "Falcon"),
    C_("nickname", "Seal"),
)


# -- the results' shape, per audience alike (phones see no right answer before the reveal) --


class QuizOption(Item):
    index: int
    text: str
    count: int | None  # null until the reveal (phones and the big screen)
    percent: float | None
    correct: bool | None


class QuizScore(Item):
    rank: int
    name: str | None
    points: int
    seconds: float | None = None
    total: int | None = None
    streak: int | None = None
    participant: int | None = None  # the tally's own list, for the exports' participant numbers


class QuizStandings(Item):
    top: list[QuizScore]
    players: int
    question: int
    questions: int
    final: bool


class QuizResults(Results):
    seconds: int
    correct: list[int]
    options: list[QuizOption]
    right: int | None
    top: list[QuizScore]
    phase: str | None = None  # waiting, open or reveal
    left_ms: int | None = None
    deadline: str | None = None
    standings: QuizStandings | None = None


class QuizAnswers(Protocol):
    """What the standings read from a quiz question's tally (QuizTally)."""

    answers: dict[int, tuple[tuple[int, ...], int, str | None]]
    version: int
    board_cache: object


def speed_points(ms: int, seconds: int) -> int:
    """Points for a right answer: MAX_POINTS at once, falling linearly to MIN_POINTS at the deadline."""
    span = seconds * 1000
    late = min(max(ms, 0), span)
    return round(MAX_POINTS - (MAX_POINTS - MIN_POINTS) * late / span)


def streak_bonus(before: int) -> int:
    """The bonus for a right answer after ``before`` right answers in a row."""
    return min(before * STREAK_STEP, STREAK_MAX)


def rank_in(descending: Sequence[int], score: int) -> int:
    """1 + how many scored more (tied scores share a rank: 1, 2, 2, 4)."""
    low, high = 0, len(descending)
    while low < high:  # the first position whose score is not above ``score``
        middle = (low + high) // 2
        if descending[middle] > score:
            low = middle + 1
        else:
            high = middle
    return low + 1


def alias(participant: int, say: Say) -> str:
    """The generated name of a participant: the same one on every screen, in the meeting's language."""
    # A step coprime with the 320 names: participants who joined one after another (ids in a row)
    # get 320 different names before one comes again, and neighbours look nothing alike.
    spread = (participant * ALIAS_STEP) % (len(ADJECTIVES) * len(ANIMALS))
    adjective = ADJECTIVES[spread % len(ADJECTIVES)]
    animal = ANIMALS[spread // len(ADJECTIVES)]
    return f"{say(adjective)} {say(animal)}"


@dataclass(slots=True)
class Player:
    total: int = 0
    streak: int = 0
    points: int = 0  # in the question the standings stand at (with its streak bonus)
    correct: bool = False
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Own:
    total: int
    rank: int | None  # None: not in the standings yet (nothing answered so far)
    players: int
    streak: int
    points: int
    correct: bool


@dataclass(slots=True)
class Standings:
    players: dict[int, Player]
    question: int  # this question's number among the meeting's quiz questions (1-based)
    questions: int
    final: bool  # no quiz question after this one: the podium
    order: list[tuple[int, Player]] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)  # descending, for the ranks

    def __post_init__(self) -> None:
        self.order = sorted(self.players.items(), key=lambda p: (-p[1].total, -p[1].points, p[0]))
        self.totals = [player.total for _, player in self.order]

    def rank(self, total: int) -> int:
        return rank_in(self.totals, total)

    def view(self, say: Say) -> dict[str, Any]:
        """What every screen gets: the top QUIZ_TOP by running total (bounded, whatever the hall)."""
        return {
            "top": [
                {
                    "rank": self.rank(player.total),
                    "name": player.name or alias(participant, say),
                    "points": player.points,
                    "total": player.total,
                    "streak": player.streak,
                }
                for participant, player in self.order[:QUIZ_TOP]
            ],
            "players": len(self.players),
            "question": self.question,
            "questions": self.questions,
            "final": self.final,
        }

    def own(self, participant: int) -> Own:
        player = self.players.get(participant)
        if player is None:
            return Own(0, None, len(self.players), 0, 0, False)
        return Own(
            player.total,
            self.rank(player.total),
            len(self.players),
            player.streak,
            player.points,
            player.correct,
        )


def standings(sheets: Sequence[Sheet], index: int, *, revealed: bool) -> Standings:
    """The running total at ``sheets[index]``: every quiz question before it, and this one too once
    it is revealed (before that its answers tell nothing). Cached on this question's tally."""
    quiz = sheets[index].kind
    ours = [(i, sheet) for i, sheet in enumerate(sheets) if sheet.kind == quiz]
    counted = [sheet for i, sheet in ours if i < index or (i == index and revealed)]
    key = (
        index,
        revealed,
        len(ours),
        *((id(s.tally), _tally(s).version, id(s.settings), s.status) for s in counted),
    )
    holder = _tally(sheets[index])
    cached = holder.board_cache
    if isinstance(cached, tuple) and cached[0] == key:
        found: Standings = cached[2]
        return found
    players: dict[int, Player] = {}
    for sheet in counted:
        if sheet.status == "idle":
            continue  # never opened: nobody could answer, so no streak breaks on it
        right = set(getattr(sheet.settings, "correct", ()))
        seconds = int(getattr(sheet.settings, "seconds", 1))
        answers = _tally(sheet).answers
        for participant, (_options, _ms, nickname) in answers.items():
            player = players.setdefault(participant, Player())
            if nickname:
                player.name = nickname
        for participant, player in players.items():
            answer = answers.get(participant)
            player.correct = answer is not None and set(answer[0]) == right
            if player.correct and answer is not None:
                player.points = speed_points(answer[1], seconds) + streak_bonus(player.streak)
                player.streak += 1
            else:
                player.points = 0
                player.streak = 0
            player.total += player.points
    number = sum(1 for i, _ in ours if i <= index)
    result = Standings(players, number, len(ours), final=number == len(ours))
    # The sheets are kept with the key: their ids stay theirs as long as the cache lives.
    holder.board_cache = (key, tuple(counted), result)
    return result


def _tally(sheet: Sheet) -> QuizAnswers:
    return cast(QuizAnswers, sheet.tally)
