"""The Q&A board: votes one per participant, moderation, the bounded views; the reaction set."""

from __future__ import annotations

import pytest

from server.domain.errors import DomainError
from server.domain.qa import PHONE_TOP, STAGE_TOP, QaBoard, Question, first_status, question_text
from server.domain.reactions import DEFAULT_SET, Burst, reaction_set


def board(n: int = 3) -> QaBoard:
    qa = QaBoard(open=True)
    for i in range(1, n + 1):
        qa.add(Question(i, participant=100 + i, text=f"vraag {i}", nickname=None, status="visible"))
    return qa


def test_qa_vote_counts_once_per_participant_and_withdraws() -> None:
    qa = board()
    assert qa.vote(1, 7, True) and not qa.vote(1, 7, True)  # a second vote changes nothing
    assert qa.questions[1].votes == 1 and qa.mine(7)["votes"] == [1]
    assert qa.vote(1, 7, False) and not qa.vote(1, 7, False)
    assert qa.questions[1].votes == 0 and qa.mine(7)["votes"] == []


def test_qa_refuses_own_hidden_unknown_and_closed() -> None:
    qa = board()
    with pytest.raises(DomainError, match="own question"):
        qa.can_vote(1, 101)
    qa.moderate(2, "hide")
    for question in (2, 99):
        with pytest.raises(DomainError) as refused:
            qa.can_vote(question, 7)
        assert refused.value.code == "unknown_question"
    qa.open = False
    with pytest.raises(DomainError) as closed:
        qa.can_ask(7)
    assert closed.value.code == "qa_closed"


def test_qa_profanity_and_premoderation_hold_a_question_back() -> None:
    assert first_status("Hoe gaan we verder?", premoderate=False) == "visible"
    assert first_status("Hoe gaan we verder?", premoderate=True) == "pending"
    assert first_status("wat een shit plan", premoderate=False) == "pending"
    assert question_text("  Hoe   gaan\twe verder? ") == "Hoe gaan we verder?"
    with pytest.raises(DomainError):
        question_text("x" * 281)


def test_qa_views_are_bounded_and_ranked() -> None:
    qa = board(60)
    for voter in range(5):
        qa.vote(42, voter, True)
    qa.vote(7, 1, True)
    phone = qa.phone_view()
    assert phone is not None and len(phone["questions"]) == PHONE_TOP and phone["count"] == 60
    assert [q["id"] for q in phone["questions"][:3]] == [42, 7, 1]
    qa.moderate(42, "highlight")
    stage = qa.stage_view()
    assert stage is not None and len(stage["questions"]) == STAGE_TOP
    assert stage["highlighted"]["id"] == 42 and 42 not in [q["id"] for q in stage["questions"]]
    qa.moderate(42, "answer")  # answering ends the highlight and sends it down the list
    assert qa.highlighted is None and qa.ranked()[-1].id == 42
    assert len(qa.host_view()["questions"]) == 60


def test_reaction_sets_and_bursts() -> None:
    assert reaction_set(["idea", "heart"]) == ["idea", "heart"]
    for bad in ([], ["heart", "heart"], ["fire"], list(DEFAULT_SET) * 2):
        with pytest.raises(DomainError):
            reaction_set(bad)
    burst = Burst()
    for _ in range(300):
        burst.add("heart", 3)
    burst.add("clap", None)
    assert burst.take() == {"heart": 300, "clap": 1} and burst.take() is None
    assert burst.take_unsaved() == {(3, "heart"): 300, (None, "clap"): 1}
