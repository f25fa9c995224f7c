"""Runtime configuration, read from ``KRING_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KRING_", extra="ignore")

    database_url: str = "sqlite:///./kring.db"
    # Where phones reach this server, e.g. "http://192.168.1.20:8000". Unset: `kring serve`
    # picks the machine's LAN address and says so.
    public_url: str | None = None
    host: str = "0.0.0.0"
    port: int = Field(default=8000, ge=1, le=65535)
    # memory:// for one process; redis://... to share rooms between workers.
    broadcast_url: str = "memory://"
    default_language: Literal["nl", "en"] = "nl"
    # Result snapshots per room are coalesced to at most one per tick.
    tick_seconds: float = Field(default=0.1, gt=0, le=5)
    # Group commit: a lone answer is committed at once; those arriving during a commit form the
    # next transaction, which under load also gathers for this long after the first of them.
    batch_window_seconds: float = Field(default=0.003, ge=0, le=1)
    batch_max: int = Field(default=500, ge=1, le=10_000)
    # SQLite: "normal" writes each commit to the WAL (a crash or kill -9 loses nothing acknowledged)
    # and flushes the WAL to the disk once a second (a power cut can lose the last second's);
    # "full" flushes in every commit (a few ms each, more on a busy disk).
    sqlite_synchronous: Literal["normal", "full"] = "normal"
    # Where those batches (and the joins') are committed: "process", a writer process of its own
    # (server/services/writer.py), so that the event loop does not share its interpreter lock
    # with the writes; "thread", this process's database threads.
    batch_writer: Literal["thread", "process"] = "process"
    ws_max_message_bytes: int = Field(default=64 * 1024, ge=1024)
    ws_ping_interval: float = Field(default=20.0, gt=0)
    ws_ping_timeout: float = Field(default=20.0, gt=0)
    # Frames a client may fall behind by before it is disconnected.
    ws_max_backlog: int = Field(default=256, ge=8)
    # A client whose socket takes no frame for this long has stopped reading and is dropped.
    ws_stall_seconds: float = Field(default=10.0, gt=0)
    # A full garbage collection stops everything (about 1 s with 10,000 phones): the server runs
    # it when quiet, and at least this often; 0 leaves Python's own schedule.
    gc_full_seconds: float = Field(default=600.0, ge=0)
    # Testing and debugging: after every committed batch of answers, recount the tallies of the
    # activities it touched from the database (in the batch's own transaction) and compare the
    # room's; a difference is logged as CRITICAL, makes /healthz answer 500 and closes the room's
    # sockets (1011). Costs a read of those activities' answers per batch; one worker only.
    check_invariants: bool = False
    # uvicorn's line per request and websocket: "errors" keeps those refused or failed (4xx, 5xx),
    # "all" every one (10,000 joins: 1.5 MB), "off" none. Client addresses are pseudonyms.
    access_log: Literal["off", "errors", "all"] = "errors"
    # How frames reach the sockets: "auto" takes the fast path where the installed uvicorn has
    # what it needs (server/realtime/transport.py); "plain" only Starlette's public send.
    ws_transport: Literal["auto", "plain"] = "auto"
    # Benchmark baseline: a broadcast for every answer, serialised per recipient, compression on.
    naive_broadcast: bool = False
    # Cookies carry the Secure flag: unset, exactly when the public URL is https.
    cookie_secure: bool | None = None
    # How long a facilitator's login lasts.
    session_days: int = Field(default=14, ge=1, le=365)
    # Websocket upgrades are accepted only from the public origin and these (comma-separated).
    allowed_origins: str = ""
    # Development: also accept pages served from loopback (127.0.0.1, localhost).
    dev: bool = False
    # Messages a participant may send per minute (and in one burst) before `rate_limited`.
    ws_rate_per_minute: int = Field(default=120, ge=1)
    ws_rate_burst: int = Field(default=40, ge=1)
    # Reaction taps a participant may send per second (and in one burst); they do not count
    # against the message limit above, and taps beyond these are dropped with a `rate_limited`.
    reactions_per_second: float = Field(default=5.0, gt=0, le=100)
    reactions_burst: int = Field(default=10, ge=1, le=1000)
    # Unknown join codes one client may try within the window before getting 429.
    join_failures_allowed: int = Field(default=20, ge=1)
    join_failure_window_seconds: float = Field(default=60.0, gt=0)
    # Failed facilitator logins allowed per client address, and per account from one address,
    # within the window. Past the per-account count, every try for that account (from anywhere)
    # first waits: 1 s, doubling per further failure, at most login_slowdown_max_seconds. The
    # owner on another address still gets in; a guesser gets a try every few seconds at best.
    login_failures_per_ip: int = Field(default=20, ge=1)
    login_failures_per_account: int = Field(default=5, ge=1)
    login_failure_window_seconds: float = Field(default=300.0, gt=0)
    login_slowdown_max_seconds: float = Field(default=8.0, ge=0, le=60)
    # Meetings (and imports) one address may create without logging in: a burst, then per hour.
    create_burst: int = Field(default=30, ge=1)
    create_per_hour: int = Field(default=60, ge=1)
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated addresses
    # or networks, "*" for any). Empty: the connecting address is the client, always; a header
    # naming another client is ignored, so no per-address limit can be dodged with it.
    trusted_proxies: str = ""
    # HTTP limits (server/httplimits.py, docs/security.md): a request's line and headers, the time
    # they may take to arrive, how long a body may pause, a body's size (templates may send
    # 4 MiB, an import 20 MB), and how long an idle kept-alive connection stays open.
    http_max_head_bytes: int = Field(default=32 * 1024, ge=4096)
    http_head_seconds: float = Field(default=10.0, gt=0)
    http_body_idle_seconds: float = Field(default=10.0, gt=0)
    http_max_body_bytes: int = Field(default=256 * 1024, ge=64 * 1024)
    http_keep_alive_seconds: float = Field(default=5.0, gt=0)
    # Facilitators' own templates are parsed in worker processes (server/parsing.py): at most
    # this many at once, this many more waiting, each killed after this many seconds.
    template_workers: int = Field(default=1, ge=1, le=16)
    template_queue: int = Field(default=8, ge=0)
    template_parse_seconds: float = Field(default=10.0, gt=0)
    # GDPR: a meeting is deleted this many days after it was last used (`kring purge`);
    # a meeting may set its own period.
    retention_days: int = Field(default=90, ge=1, le=3650)
    # Times in spreadsheets and the wrap-up report are shown in this zone (UTC in the JSON export).
    timezone: str = "Europe/Amsterdam"
    static_dir: Path = Path(__file__).resolve().parent.parent / "web" / "static"
    templates_dir: Path = Path(__file__).resolve().parent.parent / "web" / "templates"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use a name like Europe/Amsterdam") from None
        return value

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def proxies(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    def extra_origins(self) -> list[str]:
        return [o.strip() for o in self.allowed_origins.split(",") if o.strip()]

    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.public_base().lower().startswith("https://")

    def public_base(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://127.0.0.1:{self.port}"
