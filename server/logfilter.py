"""What uvicorn logs, made fit to keep: client addresses become salted pseudonyms, and a
client's protocol fault is a one-line warning rather than a traceback it could flood the log with."""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Literal

# uvicorn's access lines ('%s - "GET / HTTP/1.1" 200') and websocket lines ('%s - "WebSocket
# /ws/X" [accepted]') pass the client's "host:port" as their first argument.
LOGGERS = ("uvicorn.access", "uvicorn.error")


class ClientAddressFilter(logging.Filter):
    """Replaces the client address by ``client-<8 hex digits>``: the same for one address while
    the process runs (a flood stays visible), unlinkable to the address (the salt is never kept).
    A websocket line loses its query: a phone's join there carries its nickname and join secret."""

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
            rest = args[1:]
            if record.msg.startswith('%s - "WebSocket ') and rest and "?" in str(rest[0]):
                rest = (str(rest[0]).split("?", 1)[0] + "?…", *rest[1:])
            record.args = (self.pseudonym(str(args[0])), *rest)
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


AccessLog = Literal["off", "errors", "all"]


class AccessLevelFilter(logging.Filter):
    """``KRING_ACCESS_LOG``: which of uvicorn's per-request lines are kept. A venue's 10,000 joins
    are 1.5 MB of lines that say "200" (a POST, a websocket accepted); "errors" keeps the requests
    refused or failed (4xx, 5xx), where a flood or a misconfigured proxy shows; "off" keeps none."""

    def __init__(self, mode: AccessLog) -> None:
        super().__init__()
        self.mode = mode

    def filter(self, record: logging.LogRecord) -> bool:
        if self.mode == "all" or not (isinstance(record.msg, str) and record.msg.startswith('%s - "')):
            return True  # not an access line (startup, warnings, tracebacks): always kept
        if self.mode == "off":
            return False
        status = record.args[-1] if isinstance(record.args, tuple) and record.args else None
        # HTTP lines end with the status; websocket lines too ("403"), or say "[accepted]".
        return (isinstance(status, int) and status >= 400) or record.msg.endswith('" 403')


def install(access_log: AccessLog = "errors") -> None:
    """Once per process, on the loggers uvicorn writes client addresses to; a later call (another
    app in the same process) sets the access log's level anew."""
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
    for name in LOGGERS:
        logger = logging.getLogger(name)
        level = next((f for f in logger.filters if isinstance(f, AccessLevelFilter)), None)
        if level is None:
            logger.addFilter(AccessLevelFilter(access_log))
        else:
            level.mode = access_log
    errors = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, ClientFaultFilter) for f in errors.filters):
        errors.addFilter(ClientFaultFilter())
