"""``kring series``: make a series, add its next meeting from a template, list the series."""

from __future__ import annotations

import argparse
import sys

from sqlmodel import Session

from server.meeting_commands import database


def series(args: argparse.Namespace) -> int:
    from pathlib import Path

    from server.domain.errors import DomainError
    from server.draaiboek import TemplateError, load_file
    from server.services import series as service
    from server.services import templates
    from server.services.meetings import CreatedMeeting

    values: dict[str, str] = {}
    for pair in args.set or []:
        name, sep, value = pair.partition("=")
        if not sep:
            print(
                f"--set {pair!r}: write it as name=value, e.g. --set onderwerp=Leiderschap", file=sys.stderr
            )
            return 2
        values[name.strip()] = value
    if args.action == "create" and not args.target:
        print('kring series create "TITLE" [--theme THEME] [--retention-days N]', file=sys.stderr)
        return 2
    if args.action == "add" and not args.target.isdigit():
        print(
            "kring series add SERIES_NUMBER [--template NAME|FILE.yaml] [--set NAME=VALUE]", file=sys.stderr
        )
        return 2
    settings, db = database(args)
    base = settings.public_base()
    try:
        if args.action == "create":
            made = db.transaction(
                lambda s: service.create_series(
                    s, args.target, args.theme or "", args.language, retention_days=args.retention_days
                )
            )
            print(f"Series {made.series.title!r} created with number {made.series.id}.")
            print(f"  Series key (shown once; Authorization: Bearer): {made.key}")
            print(f"  Add its first meeting: kring series add {made.series.id}")
        elif args.action == "add":
            series_id = int(args.target)
            chosen = None
            if args.template:
                source = Path(args.template)
                chosen = (
                    load_file(source)
                    if source.suffix in (".yaml", ".yml")
                    else templates.builtin(args.template)
                )

            def add(session: Session) -> tuple[CreatedMeeting, int]:
                template = chosen or templates.builtin(
                    service.default_template(service.load(session, series_id).next_position())
                )
                return service.add_meeting(session, series_id, template, values, title=args.title)

            created, position = db.transaction(add)
            code = created.meeting.code
            print(f"Meeting {position} of the series: {created.meeting.title!r}, code {code}.")
            print(f"  Join:      {base}/{code}#j={created.meeting.join_secret}")
            print(f"  Presenter: {base}/m/{code}/present#key={created.presenter_key}")
            print(f"  Remote:    {base}/m/{code}/remote#key={created.host_key}")
        else:
            for info in db.transaction(service.list_for, None):
                print(
                    f"{info.id:>4}  {info.title}  ({len(info.meetings)} meetings, {info.pseudonyms} passes)"
                )
                for meeting in info.meetings:
                    print(
                        f"        {meeting.position}. {meeting.code}  {meeting.title}  "
                        f"({meeting.participants} joined, {meeting.pseudonyms} with a pass)"
                    )
    except (TemplateError, DomainError, OSError) as exc:
        print(getattr(exc, "message", None) or exc, file=sys.stderr)
        return 1
    finally:
        db.close()
    return 0


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser("series", help="a series of meetings (a lerend netwerk): create, add, list")
    cmd.add_argument("action", choices=["create", "add", "list"])
    cmd.add_argument("target", nargs="?", default="", help="create: the title; add: the series' number")
    cmd.add_argument("--theme", help="create: the theme (fills {{thema}} in its meetings' templates)")
    cmd.add_argument("--language", choices=["nl", "en"], default="nl")
    cmd.add_argument("--retention-days", type=int, help="create: days kept (default KRING_RETENTION_DAYS)")
    cmd.add_argument(
        "--template", help="add: a built-in name or a .yaml file (default: kickoff, then followup)"
    )
    cmd.add_argument("--set", action="append", metavar="NAME=VALUE", help="add: a placeholder")
    cmd.add_argument("--title", help="add: instead of the template's title")
    cmd.add_argument("--database-url")
    cmd.set_defaults(func=series)
