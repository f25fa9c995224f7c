"""A template past one of the loader's bounds is refused at the line where it passes it, fast."""

from __future__ import annotations

import pytest

from server.draaiboek import TemplateError, parse
from server.draaiboek.nodes import MAX_ACTIVITIES, MAX_BLOCKS, MAX_CHARACTERS, MAX_DEPTH, MAX_VALUES
from server.i18n import say

HEAD = "format: kring-draaiboek/1\ntitle: Groot\nblocks:\n"


def blocks(count: int) -> str:
    return HEAD + "".join(f"  - title: Blok {i}\n    duration: 5\n" for i in range(count))


def activities(count: int) -> str:
    per_block = 50
    out = [HEAD]
    for b in range(-(-count // per_block)):
        out.append(f"  - title: Blok {b}\n    duration: 5\n    activities:\n")
        out += ["      - kind: open\n        prompt: Vraag\n"] * min(per_block, count - b * per_block)
    return "".join(out)


def refusal(text: str) -> TemplateError:
    with pytest.raises(TemplateError) as caught:
        parse(text, "groot.yaml")
    return caught.value


def test_parse_refuses_deep_nesting_without_a_recursion_error() -> None:
    error = refusal("format: kring-draaiboek/1\ntitle: x\nblocks: " + "[" * 1500)
    assert error.line == 3 and error.problem == f"nested more than {MAX_DEPTH} levels deep"
    assert say(error.message, "nl") == f"groot.yaml:3: meer dan {MAX_DEPTH} niveaus diep genest"


def test_parse_stops_at_the_first_block_past_the_bound() -> None:
    assert len(parse(blocks(MAX_BLOCKS)).blocks) == MAX_BLOCKS
    error = refusal(blocks(25_000))  # ~1 MB (30,000 blocks took 3.5 s to read before the bounds)
    assert error.problem == f"more than {MAX_BLOCKS} blocks"
    assert error.line == 4 + 2 * MAX_BLOCKS


def test_parse_counts_activities_over_all_blocks() -> None:
    assert sum(len(b.activities) for b in parse(activities(MAX_ACTIVITIES)).blocks) == MAX_ACTIVITIES
    error = refusal(activities(MAX_ACTIVITIES + 1))
    assert error.problem == f"more than {MAX_ACTIVITIES} activities in all blocks together"


def test_parse_bounds_the_number_of_values_and_characters() -> None:
    many = HEAD + "  - title: x\n    duration: 5\n    k:\n" + "      - 1\n" * MAX_VALUES
    error = refusal(many)
    assert error.problem == f"more than {MAX_VALUES} values (keys, texts and list items)"
    assert error.line is not None and error.line < many.count("\n")  # stopped before the end
    error = refusal("#" * (MAX_CHARACTERS + 1))
    assert error.problem == f"the file is longer than {MAX_CHARACTERS} characters"
