"""The template worker process (server/parsing.py starts it): it yields the CPU to the server.

It lowers its own priority before it imports the template reader, so that its start (a second
of imports) and every parse run on what the event loop leaves over: on a 2-core machine a parse
at the same priority took the loop's core often enough to hold a phone's ping up to 650 ms.
"""

from __future__ import annotations

import contextlib
import os
from multiprocessing.connection import Connection
from typing import Any

Reply = tuple[str, Any, Any, Any]
NICENESS = 10


def serve(conn: Connection) -> None:
    """Parse what comes in, send back the template or the problem, until told to stop."""
    with contextlib.suppress(OSError, AttributeError):  # no nice() on every platform
        os.nice(NICENESS)
    from server.draaiboek import TemplateError, parse

    conn.send("ready")  # imported: the time limit counts parsing only
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        text, source = job
        reply: Reply
        try:
            reply = ("ok", parse(text, source), None, None)
        except TemplateError as exc:
            reply = ("invalid", exc.source, exc.line, exc.problem)
        except Exception as exc:  # a fault in the loader, not in the file: said once, in one line
            reply = ("fault", source, None, f"{type(exc).__name__}: {exc}"[:300])
        conn.send(reply)
