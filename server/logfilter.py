"""What uvicorn logs, made fit to keep: client addresses become salted pseudonyms, and a
client's protocol fault is a one-line warning rather than a traceback it could flood the log with."""

from __future__ import annotations

import hashlib
import logging
import secrets

# uvicorn's access lines ('%s - "GET / HTTP/1.1" 200') and websocket lines ('%s - "WebSocket
# /ws/X" [accepted]') pass the client's "host:port" as their first argument.
LOGGERS = ("uvicorn.access", "uvicorn.error")


class ClientAddressFilter(logging.Filter):
    """Replaces the client address by ``client-<8 hex digits>``: the same for one address while
    the process runs (a flood stays visible), unlinkable to the address (the salt is never kept)."""

    def __init__(self) -> None:
        super().__init__()
        self._salt = secrets.token_bytes(16)

    def pseudonym(self, client: str) -> str:
        host = client.rsplit(":", 1)[0]  # uvicorn writes "host:port"; the port changes per connection
        return "client-" + hashlib.blake2b(host.encode(), key=self._salt, digest_size=4).hexdigest()

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if (
            isinstance(record.msg, str)
            and record.msg.startswith('%s - "')
            and isinstance(args, tuple)
            and args
        ):
            record.args = (self.pseudonym(str(args[0])), *args[1:])
        return True


class ClientFaultFilter(logging.Filter):
    """uvicorn refuses a text frame that is not UTF-8 (close 1007) and logs the refusal as an
    error with a traceback: one per hostile frame. It is the client's fault, handled: a warning."""

    FAULTS = ("Invalid UTF-8 sequence received from client",)

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith(self.FAULTS):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


def install() -> None:
    """Once per process, on the loggers uvicorn writes client addresses to."""
    shared = (
        next(
            (
                f
                for name in LOGGERS
                for f in logging.getLogger(name).filters
                if isinstance(f, ClientAddressFilter)
            ),
            None,
        )
        or ClientAddressFilter()
    )
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if shared not in logger.filters:
            logger.addFilter(shared)
    errors = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, ClientFaultFilter) for f in errors.filters):
        errors.addFilter(ClientFaultFilter())
