"""The writer process (server/services/writer.py starts it as ``python -m
server.services.writer_process FD``, its socket's descriptor, with KRING_DATABASE_URL and
KRING_SQLITE_SYNCHRONOUS set): it commits the batches of answers and joins on its own engine, so
that the event loop does not share an interpreter lock with them.

One batch at a time, in the order they came: the same order, and the same transaction per batch,
as the database threads give. It ends when the server closes its end of the socket (a stop, or
the server's death: a server killed with -9 takes its writer with it at the next read).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
from typing import Any

log = logging.getLogger("kring.writer")


def serve(sock: socket.socket, database_url: str, synchronous: str = "normal") -> None:
    # A Ctrl-C in the terminal, or a service manager's SIGTERM to the whole group, reaches this
    # process too: it ignores them and ends when the server, stopping, has sent its last batch
    # and closed the socket (or at once, if the server is gone).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(levelname)s:%(name)s:%(message)s")
    # Imported here: the spawned process imports this module before it knows what to do.
    from server.db.database import Database
    from server.db.engine import make_engine
    from server.services import writer_wire as wire
    from server.services.answers import commit_and_recount, commit_batch
    from server.services.participants import join_batch

    db = Database(
        make_engine(database_url, synchronous="full" if synchronous == "full" else "normal"), threads=1
    )
    sock.sendall(wire.dumps(("ready", os.getpid())))
    try:
        while True:
            frame = wire.read_frame(sock)
            if frame is None:
                return
            request, body = wire.loads(frame)
            reply: tuple[str, Any]
            try:
                if request == "answers":
                    recount, rows = body
                    commit = commit_and_recount if recount else commit_batch
                    batch = db.transaction(commit, wire.ops_from(rows))
                    reply = ("ok", wire.batch_out(batch))
                elif request == "joins":
                    reply = ("ok", wire.joined_rows(db.transaction(join_batch, wire.joins_from(body))))
                else:
                    reply = ("error", f"unknown request {request!r}")
            except Exception as exc:  # the transaction rolled back: nothing of this batch is stored
                log.exception("a %s batch failed in the writer", request)
                reply = ("error", f"{type(exc).__name__}: {exc}"[:300])
            sock.sendall(wire.dumps(reply))
    except (BrokenPipeError, ConnectionResetError):
        return
    finally:
        db.close()


if __name__ == "__main__":
    serve(
        socket.socket(fileno=int(sys.argv[1])),
        os.environ["KRING_DATABASE_URL"],
        os.environ.get("KRING_SQLITE_SYNCHRONOUS", "normal"),
    )
