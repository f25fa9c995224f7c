"""A quiz in a draaiboek: accepted with its settings, refused on bad ones with the line."""

from __future__ import annotations

import pytest

from server.draaiboek import TemplateError, parse, to_yaml

TEMPLATE = """\
format: kring-draaiboek/1
title: Kennissnack
blocks:
  - title: Quiz
    duration: 15
    activities:
      - kind: quiz
        prompt: Welke vier V's?
        settings:
          options: [Vertrouwen, Snelheid, Visie]
          correct: [0]
          seconds: 20
"""


def test_a_quiz_in_a_template_is_accepted_and_written_back() -> None:
    template = parse(TEMPLATE, "quiz.yaml")
    activity = template.blocks[0].activities[0]
    assert activity.kind == "quiz"
    want = {"options": ["Vertrouwen", "Snelheid", "Visie"], "correct": [0], "seconds": 20}
    assert activity.settings == want
    assert parse(to_yaml(template), "again.yaml").blocks[0].activities[0].settings == activity.settings


@pytest.mark.parametrize(
    ("before", "after", "problem"),
    [
        ("correct: [0]", "correct: [3]", "correct: there is no option 3; use 0 to 2"),
        ("correct: [0]", "correct: []", "correct"),
        ("seconds: 20", "seconds: 4", "seconds: Input should be greater than or equal to 5"),
        ("seconds: 20", "seconds: 121", "seconds: Input should be less than or equal to 120"),
        ("options: [Vertrouwen, Snelheid, Visie]", "options: [Vertrouwen]", "options"),
    ],
)
def test_bad_quiz_settings_are_refused_with_the_line(before: str, after: str, problem: str) -> None:
    with pytest.raises(TemplateError) as refused:
        parse(TEMPLATE.replace(before, after), "quiz.yaml")
    message = str(refused.value)
    assert message.startswith("quiz.yaml:9: ") and problem in message
