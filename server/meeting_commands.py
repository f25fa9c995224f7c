"""The ``kring`` commands on a database's meetings and templates: template, new, export, import and
purge (``server/__main__.py`` parses the command line and runs serve, demo, migrate and user)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from server.settings import Settings


def database(args: argparse.Namespace) -> tuple[Settings, Any]:
    from server.db.database import Database
    from server.db.engine import make_engine
    from server.db.migrate import upgrade

    settings = Settings(
        **({"database_url": args.database_url} if getattr(args, "database_url", None) else {})
    )
    upgrade(settings.database_url)
    return settings, Database(make_engine(settings.database_url, synchronous=settings.sqlite_synchronous))


def template(args: argparse.Namespace) -> int:
    from pathlib import Path

    from server.draaiboek import TemplateError, load_builtin, load_file, to_yaml
    from server.services.templates import summaries

    try:
        if args.action == "list":
            for item in summaries():
                asks = ", ".join(p["name"] for p in item["placeholders"]) or "-"
                print(
                    f"{item['name']:<10} {item['title']}\n{'':<10} {item['blocks']} blocks, "
                    f"{item['activities']} activities, {item['minutes']} min; placeholders: {asks}"
                )
        elif args.action == "validate":
            if not args.target:
                print("kring template validate FILE")
                return 2
            loaded = load_file(Path(args.target))
            activities = sum(len(b.activities) for b in loaded.blocks)
            print(f"{args.target}: OK ({len(loaded.blocks)} blocks, {activities} activities)")
        else:
            if not args.target:
                print("kring template show NAME")
                return 2
            print(to_yaml(load_builtin(args.target)), end="")
    except TemplateError as exc:
        print(exc, file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{args.target}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


def new(args: argparse.Namespace) -> int:
    from pathlib import Path

    from server.domain.errors import DomainError
    from server.draaiboek import TemplateError, load_file
    from server.services import templates

    values: dict[str, str] = {}
    for pair in args.set or []:
        name, sep, value = pair.partition("=")
        if not sep:
            print(f"--set {pair!r}: write it as name=value, e.g. --set thema=Inclusie", file=sys.stderr)
            return 2
        values[name.strip()] = value
    settings, db = database(args)
    try:
        source = Path(args.template)
        chosen = load_file(source) if source.suffix in (".yaml", ".yml") else templates.builtin(args.template)
        created = db.transaction(
            lambda s: templates.create_from_template(s, chosen, values, title=args.title)
        )
    except (TemplateError, DomainError, OSError) as exc:
        print(getattr(exc, "message", None) or exc, file=sys.stderr)
        return 1
    finally:
        db.close()
    base = settings.public_base()
    code = created.meeting.code
    print(f"Meeting {created.meeting.title!r} created with code {code}.")
    print(f"  {len(created.meeting.blocks)} blocks, {len(created.meeting.activities)} activities")
    print(f"  Join:      {base}/{code}#j={created.meeting.join_secret}")
    print(f"  Presenter: {base}/m/{code}/present#key={created.presenter_key}")
    print(f"  Remote:    {base}/m/{code}/remote#key={created.host_key}")
    return 0


EXTENSIONS = {"json": "json", "csv": "csv.zip", "xlsx": "xlsx", "pdf": "pdf", "html": "html"}


def export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from server.domain.errors import DomainError
    from server.domain.meeting import normalise_code
    from server.services import export_data, exports, meetings

    settings, db = database(args)
    try:
        meeting_id = db.transaction(meetings.meeting_id_for_code, normalise_code(args.code))
        if meeting_id is None:
            print(f"There is no meeting with code {args.code}.", file=sys.stderr)
            return 1
        data = db.transaction(export_data.load, meeting_id)
        if args.format == "template":
            from server.draaiboek import to_yaml
            from server.services.templates import template_of

            template = db.transaction(template_of, meeting_id)
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    finally:
        db.close()
    content: bytes
    if args.format == "template":
        content = to_yaml(template).encode("utf-8")
    elif args.format == "json":
        content = exports.to_json(data).encode("utf-8")
    elif args.format == "csv":
        content = exports.to_csv_zip(data, settings.zone())
    elif args.format == "xlsx":
        content = exports.to_xlsx(data, settings.zone())
    else:
        from server.services import report

        options = report.ReportOptions(nicknames=not args.no_nicknames, private=args.private)
        html = report.render_html(data, options, settings.zone())
        try:
            content = html.encode("utf-8") if args.format == "html" else report.render_pdf(html)
        except report.ReportUnavailable as exc:
            print(exc, file=sys.stderr)
            return 1
    # Without --out: the name the browser saves it as (GET /api/meetings/{code}/<file>).
    if args.out:
        out = Path(args.out)
    elif args.format == "template":
        out = Path(f"{template.name}.yaml")
    else:
        out = Path(exports.download_name(data, EXTENSIONS[args.format]))
    out.write_bytes(content)
    print(f"Wrote {out} ({len(content):,} bytes).")
    return 0


def import_(args: argparse.Namespace) -> int:
    from pathlib import Path

    from server.domain.errors import DomainError
    from server.services import archive

    settings, db = database(args)
    try:
        restored = db.transaction(lambda s: archive.restore(s, Path(args.file).read_bytes()))
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    finally:
        db.close()
    base = settings.public_base()
    print(f"Restored as meeting {restored.code}.")
    print(f"  Remote:    {base}/m/{restored.code}/remote#key={restored.host_key}")
    print(f"  Presenter: {base}/m/{restored.code}/present#key={restored.presenter_key}")
    return 0


def purge(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from server import privacy_commands
    from server.services import retention

    if getattr(args, "participant", None):
        return privacy_commands.purge_participant(args)
    settings, db = database(args)
    now = datetime.now(UTC)
    try:
        if args.dry_run:
            gone = db.transaction(retention.expired, now, settings.retention_days)
        else:
            gone = db.transaction(retention.purge, now, settings.retention_days)
        privacy_commands.purge_series(db, now, settings.retention_days, dry_run=args.dry_run)
    finally:
        db.close()
    verb = "Would delete" if args.dry_run else "Deleted"
    for meeting in gone:
        print(
            f"{verb} {meeting.code} {meeting.title!r}: last used {meeting.last_used:%Y-%m-%d}, "
            f"kept {meeting.retention_days} days"
        )
    print(f"{verb} {len(gone)} expired meeting(s).")
    return 0
