"""Templates parsed in a worker process: bounded in time and in how many wait, never on the loop."""

from __future__ import annotations

import asyncio

import pytest

from server.domain.errors import DomainError
from server.draaiboek import TemplateError
from server.parsing import TemplateParser

SMALL = "format: kring-draaiboek/1\ntitle: Klein\nblocks:\n  - title: Start\n    duration: 5\n"


def heavy(options: int = 12) -> str:
    """~1 MB a legitimate template can be: 500 choice questions of long options (about a second)."""
    out = ["format: kring-draaiboek/1\ntitle: Groot\nblocks:\n"]
    line = "Mogelijkheid met een wat langere omschrijving " * 3
    for b in range(100):
        out.append(f"  - title: Blok {b}\n    duration: 5\n    activities:\n")
        for _ in range(5):
            out.append("      - kind: choice\n        prompt: Vraag\n        settings:\n          options:\n")
            out += [f"            - {o} {line}\n" for o in range(options)]
    return "".join(out)


async def test_parser_reads_a_template_and_says_its_problem() -> None:
    parser = TemplateParser(workers=1, queue=2, seconds=30)
    try:
        assert (await parser.parse(SMALL, "klein.yaml")).title == "Klein"
        with pytest.raises(TemplateError) as caught:
            await parser.parse("format: kring-draaiboek/1\nblocks: " + "[" * 1500, "diep.yaml")
        assert caught.value.line == 2 and caught.value.problem == "nested more than 40 levels deep"
        assert caught.value.message.msgid == "{where}: {problem}"  # still a Text, said in any language
    finally:
        parser.close()


async def test_parser_kills_a_parse_past_its_time_and_goes_on() -> None:
    parser = TemplateParser(workers=1, queue=2, seconds=0.05)
    try:
        with pytest.raises(TemplateError) as caught:
            await parser.parse(heavy(), "groot.yaml")
        assert caught.value.problem == "reading it took longer than 0.05 seconds"
        parser.seconds = 30  # a new worker takes over
        assert (await parser.parse(SMALL, "klein.yaml")).title == "Klein"
    finally:
        parser.close()


async def test_parser_refuses_past_its_queue_at_once() -> None:
    parser = TemplateParser(workers=1, queue=1, seconds=30)
    try:
        first = asyncio.create_task(parser.parse(heavy(), "een.yaml"))
        second = asyncio.create_task(parser.parse(SMALL, "twee.yaml"))
        while parser.waiting < 1:  # the first one parses, the second waits
            await asyncio.sleep(0)
        with pytest.raises(DomainError) as caught:
            await parser.parse(SMALL, "drie.yaml")
        assert caught.value.code == "busy"
        assert len((await first).blocks) == 100 and (await second).title == "Klein"
    finally:
        parser.close()
