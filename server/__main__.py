"""The ``kring`` command: serve, demo, migrate, user, template, new, export, import, purge."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from typing import Any

from server import series_commands
from server.meeting_commands import export, import_, new, purge, template
from server.settings import Settings


def lan_address() -> str | None:
    """The address other machines on the LAN reach us at.

    Connecting a UDP socket only selects a route; it sends no packet.
    """
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.254.254.254", 1))
        address = str(probe.getsockname()[0])
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def resolve_settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "host", None):
        overrides["host"] = args.host
    if getattr(args, "port", None):
        overrides["port"] = args.port
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    if getattr(args, "broadcast_url", None):
        overrides["broadcast_url"] = args.broadcast_url
    if getattr(args, "dev", False):
        overrides["dev"] = True
    settings = Settings(**overrides)
    if not settings.public_url:
        address = lan_address()
        if address is None:
            print("No LAN address found; phones on other machines cannot reach this server.")
            address = "127.0.0.1"
        settings = settings.model_copy(update={"public_url": f"http://{address}:{settings.port}"})
        print(
            f"KRING_PUBLIC_URL is not set: phones will use {settings.public_url} "
            "(this machine's LAN address)."
        )
    return settings


def create_demo(settings: Settings, theme: str = "Inclusie") -> None:
    from server import qr
    from server.db.database import Database
    from server.db.engine import make_engine
    from server.services import templates
    from server.services.demo import create_demo as make_demo

    db = Database(make_engine(settings.database_url, synchronous=settings.sqlite_synchronous))
    try:
        if settings.default_language == "nl":
            # The real run sheet: the kick-off draaiboek with its agenda and every activity.
            kickoff = templates.builtin("kickoff")
            created = db.transaction(lambda s: templates.create_from_template(s, kickoff, {"thema": theme}))
        else:
            created = db.transaction(make_demo, theme, settings.default_language)
    finally:
        db.close()
    base = settings.public_base()
    code = created.meeting.code
    # The QR code and the link carry the join secret (in the fragment): a room behind one
    # address is never locked out by a guesser among it. Typed, the code alone works.
    join_url = f"{base}/{code}#j={created.meeting.join_secret}"
    print()
    print(qr.terminal(join_url))
    print()
    print(f"  Demo meeting:  {created.meeting.title}")
    print(f"  Join code:     {code}")
    print(f"  Join URL:      {join_url}")
    blocks, activities = len(created.meeting.blocks), len(created.meeting.activities)
    if blocks:
        print(f"  Agenda:        {blocks} blocks, {activities} activities")
    print(f"  Big screen:    {base}/m/{code}/present#key={created.presenter_key}")
    print(f"  Remote (host): {base}/m/{code}/remote#key={created.host_key}")
    print(
        f"  Big screen you drive with → ← (your own laptop): {base}/m/{code}/present#key={created.host_key}"
    )
    print("  Keep the remote links to yourself: they control the meeting.")
    print()


LOOPBACK = ("127.", "::1", "localhost")


def open_instance_warning(settings: Settings) -> str | None:
    """Listening beyond this machine with no facilitator account: anyone who reaches the port
    may create meetings (rate-limited per address, not refused). Said plainly at start."""
    from server.db.database import Database
    from server.db.engine import make_engine
    from server.services import accounts

    if settings.host.startswith(LOOPBACK):
        return None
    db = Database(make_engine(settings.database_url, synchronous=settings.sqlite_synchronous))
    try:
        if db.transaction(accounts.accounts_exist):
            return None
    finally:
        db.close()
    return (
        f"WARNING: listening on {settings.host}:{settings.port} with no facilitator account: anyone "
        "on the network can create meetings here. Create one with `kring user add EMAIL` (then "
        "only logged-in facilitators can), or listen on loopback only with --host 127.0.0.1."
    )


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app
    from server.db.migrate import upgrade
    from server.realtime.transport import choose as choose_transport

    settings = resolve_settings(args)
    upgrade(settings.database_url)
    warning = open_instance_warning(settings)
    if warning:
        print(warning)
    if args.demo:
        create_demo(settings)
    workers = args.workers or 1
    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        # ~316 KiB per connection in uvicorn when on; the naive baseline turns it on, as its
        # defaults would.
        "ws_per_message_deflate": settings.naive_broadcast,
        # websockets' sans-I/O protocol: server/realtime/transport.py writes fan-out frames
        # straight to its transport (what "auto" picks too; named, as the fast path needs it).
        "ws": "websockets-sansio",
        "ws_max_size": settings.ws_max_message_bytes,
        "ws_ping_interval": settings.ws_ping_interval,
        "ws_ping_timeout": settings.ws_ping_timeout,
        "timeout_graceful_shutdown": 10,
        # httptools with a bounded request head and timers for silent, slow and stalled
        # connections (server/httplimits.py); uvicorn's keep-alive timer after each response.
        "http": "server.httplimits:KringHttpProtocol",
        "timeout_keep_alive": settings.http_keep_alive_seconds,
        # uvloop, accepting waiting connections in batches (server/loop.py; uvicorn's own loop
        # with KRING_WS_TRANSPORT=plain); a backlog as deep as the kernel allows
        # (net.core.somaxconn) for a hall scanning the QR code.
        "loop": choose_transport(settings.ws_transport).loop,
        "backlog": 65_535,
        "log_level": os.environ.get("KRING_LOG_LEVEL", "info"),
        # uvicorn would believe X-Forwarded-For from 127.0.0.1 (its default): any process on this
        # host could then dodge every per-address limit. The app decides (KRING_TRUSTED_PROXIES).
        "proxy_headers": False,
        # Off: uvicorn does not even format the lines (server/logfilter.py filters the rest).
        "access_log": settings.access_log != "off",
    }
    if workers > 1:
        if settings.broadcast_url.startswith("memory"):
            print("--workers > 1 needs --broadcast-url redis://... so that workers share rooms.")
            return 2
        os.environ.update(
            KRING_DEV="1" if settings.dev else "0",
            KRING_PUBLIC_URL=settings.public_base(),
            KRING_DATABASE_URL=settings.database_url,
            KRING_BROADCAST_URL=settings.broadcast_url,
        )
        uvicorn.run("server.app:create_app", factory=True, workers=workers, **common)
    else:
        uvicorn.run(create_app(settings), **common)
    return 0


def demo(args: argparse.Namespace) -> int:
    from server.db.migrate import upgrade

    settings = resolve_settings(args)
    upgrade(settings.database_url)
    create_demo(settings, args.theme)
    return 0


def migrate(args: argparse.Namespace) -> int:
    from server.db.migrate import upgrade

    settings = Settings(**({"database_url": args.database_url} if args.database_url else {}))
    upgrade(settings.database_url)
    print("Database is at the latest schema.")
    return 0


def user(args: argparse.Namespace) -> int:
    import getpass

    from server.db.database import Database
    from server.db.engine import make_engine
    from server.db.migrate import upgrade
    from server.domain.errors import DomainError
    from server.services import accounts

    settings = Settings(**({"database_url": args.database_url} if args.database_url else {}))
    upgrade(settings.database_url)
    db = Database(make_engine(settings.database_url, synchronous=settings.sqlite_synchronous))
    try:
        if args.action == "add":
            if args.password_stdin:
                password = sys.stdin.readline().rstrip("\n")
            else:
                password = getpass.getpass("Password (10 characters or more): ")
                if getpass.getpass("Again: ") != password:
                    print("The passwords differ.")
                    return 1
            account = db.transaction(accounts.add_user, args.email, password, args.name or "")
            print(f"Facilitator account {account.email} created. Creating meetings now needs a login.")
        elif args.action == "remove":
            db.transaction(accounts.remove_user, args.email)
            print(f"Removed {args.email}.")
        else:
            for account in db.transaction(accounts.list_users):
                print(f"{account.email}\t{account.name}")
    except DomainError as exc:
        print(exc.message)
        return 1
    finally:
        db.close()
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="kring", description="Live group polling for facilitators.")
    commands = root.add_subparsers(dest="command", required=True)

    serve_cmd = commands.add_parser("serve", help="serve Kring (applies database migrations first)")
    serve_cmd.add_argument("--host", help="interface to listen on (default 0.0.0.0)")
    serve_cmd.add_argument("--port", type=int, help="port (default $KRING_PORT or 8000)")
    serve_cmd.add_argument("--database-url", help="default $KRING_DATABASE_URL or sqlite:///./kring.db")
    serve_cmd.add_argument("--broadcast-url", help="memory:// (default) or redis://host:port/db")
    serve_cmd.add_argument("--workers", type=int, help="worker processes (needs --broadcast-url redis://)")
    serve_cmd.add_argument("--demo", action="store_true", help="create a demo meeting and print its links")
    serve_cmd.add_argument("--dev", action="store_true", help="also accept pages served from loopback")
    serve_cmd.set_defaults(func=serve)

    demo_cmd = commands.add_parser("demo", help="create a demo meeting and print its join URL and QR code")
    demo_cmd.add_argument("--database-url")
    demo_cmd.add_argument("--port", type=int)
    demo_cmd.add_argument("--theme", default="Inclusie")
    demo_cmd.set_defaults(func=demo)

    user_cmd = commands.add_parser("user", help="facilitator accounts: add, list, remove")
    user_cmd.add_argument("action", choices=["add", "list", "remove"])
    user_cmd.add_argument("email", nargs="?", default="")
    user_cmd.add_argument("--name", default="")
    user_cmd.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    user_cmd.add_argument("--database-url")
    user_cmd.set_defaults(func=user)

    migrate_cmd = commands.add_parser("migrate", help="upgrade the database to the latest schema")
    migrate_cmd.add_argument("--database-url")
    migrate_cmd.set_defaults(func=migrate)

    template_cmd = commands.add_parser("template", help="draaiboek templates: list, validate FILE, show NAME")
    template_cmd.add_argument("action", choices=["list", "validate", "show"])
    template_cmd.add_argument("target", nargs="?", default="", help="a YAML file (validate) or a name (show)")
    template_cmd.set_defaults(func=template)

    new_cmd = commands.add_parser("new", help="create a meeting from a template and print its links")
    new_cmd.add_argument("--template", default="kickoff", help="a built-in name or a .yaml file")
    new_cmd.add_argument(
        "--set", action="append", metavar="NAME=VALUE", help="a placeholder, e.g. thema=Inclusie"
    )
    new_cmd.add_argument("--title", help="instead of the template's title")
    new_cmd.add_argument("--database-url")
    new_cmd.set_defaults(func=new)

    export_cmd = commands.add_parser("export", help="write a meeting's results to a file")
    export_cmd.add_argument("code", help="the meeting's join code")
    export_cmd.add_argument(
        "--format",
        choices=["json", "csv", "xlsx", "pdf", "html", "template"],
        default="json",
        help="template: the agenda and activities as a draaiboek YAML file, to reuse",
    )
    export_cmd.add_argument(
        "--out", help="the file to write (default: kring-<title>-<date>.<ext>, as the browser saves it)"
    )
    export_cmd.add_argument("--no-nicknames", action="store_true", help="report: leave nicknames out")
    export_cmd.add_argument("--private", action="store_true", help="report: include facilitator-only answers")
    export_cmd.add_argument("--database-url")
    export_cmd.set_defaults(func=export)

    import_cmd = commands.add_parser("import", help="restore a meeting from its JSON export")
    import_cmd.add_argument("file")
    import_cmd.add_argument("--database-url")
    import_cmd.set_defaults(func=import_)

    purge_cmd = commands.add_parser(
        "purge", help="delete meetings and series whose retention period has passed, or one participant"
    )
    purge_cmd.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    purge_cmd.add_argument(
        "--participant",
        metavar="CODE",
        help="erase the pseudonym behind this personal code, in its whole series",
    )
    purge_cmd.add_argument("--database-url")
    purge_cmd.set_defaults(func=purge)

    series_commands.add_parser(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
