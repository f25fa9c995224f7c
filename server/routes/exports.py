"""HTTP routes for after the meeting: exports, the wrap-up report, and restoring an archive."""

from __future__ import annotations

import asyncio
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from server.deps import CurrentHost, DatabaseDep, HubDep, SettingsDep, current_account
from server.domain.errors import Code, DomainError
from server.routes import schemas
from server.routes.shared import host_responses, load_meeting, may_create_anonymously, meeting_out
from server.services import archive, export_data, exports
from server.services.accounts import Account

router = APIRouter(
    prefix="/api", responses={400: {"model": schemas.ErrorOut}, 422: {"model": schemas.ErrorOut}}
)
IMPORT_MAX_BYTES = 20 * 1024 * 1024


def _download(content: bytes | str, media_type: str, data: export_data.MeetingData, suffix: str) -> Response:
    name = exports.download_name(data, suffix)
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def _file(media_type: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media_type: {}}, "description": "The file, as an attachment"}, **host_responses}


@router.get("/meetings/{code}/export.json", response_class=Response, responses=_file("application/json"))
async def export_json(meeting_id: CurrentHost, db: DatabaseDep) -> Response:
    """Everything, versioned (`kring-export/1`, see docs/export-format.md); can be imported again."""
    data = await db.run(export_data.load, meeting_id)
    return _download(exports.to_json(data), "application/json", data, "json")


@router.get("/meetings/{code}/export.csv.zip", response_class=Response, responses=_file("application/zip"))
async def export_csv(meeting_id: CurrentHost, db: DatabaseDep, settings: SettingsDep) -> Response:
    """One CSV per activity (UTF-8 with BOM, formulas neutralised) and a summary, in a zip."""
    data = await db.run(export_data.load, meeting_id)
    return _download(exports.to_csv_zip(data, settings.zone()), "application/zip", data, "csv.zip")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/meetings/{code}/export.xlsx", response_class=Response, responses=_file(XLSX))
async def export_xlsx(meeting_id: CurrentHost, db: DatabaseDep, settings: SettingsDep) -> Response:
    """A workbook: a summary sheet and one sheet per activity, typed cells, frozen headers."""
    data = await db.run(export_data.load, meeting_id)
    return _download(exports.to_xlsx(data, settings.zone()), XLSX, data, "xlsx")


Nicknames = Annotated[bool, Query(description="false: leave every nickname out of the report")]
Private = Annotated[bool, Query(description="true: include facilitator-only activities (the exploreervraag)")]


# matplotlib's font caches are shared between threads: one report is drawn at a time.
REPORT_LOCK = threading.Lock()


async def _report(
    meeting_id: int, db: DatabaseDep, settings: SettingsDep, nicknames: bool, private: bool, *, pdf: bool
) -> tuple[export_data.MeetingData, str | bytes]:
    """The report as HTML (or printed to PDF), drawn off the event loop: a live room keeps running."""
    from server.services import report  # matplotlib is heavy: loaded on the first report, not at start

    data = await db.run(export_data.load, meeting_id)
    options = report.ReportOptions(nicknames=nicknames, private=private)

    def build() -> str | bytes:
        with REPORT_LOCK:
            html = report.render_html(data, options, settings.zone())
        return report.render_pdf(html) if pdf else html  # ReportUnavailable: 503 report_unavailable

    return data, await asyncio.to_thread(build)


@router.get("/meetings/{code}/report.html", response_class=Response, responses=_file("text/html"))
async def report_html(
    meeting_id: CurrentHost,
    db: DatabaseDep,
    settings: SettingsDep,
    nicknames: Nicknames = True,
    private: Private = False,
) -> Response:
    """The wrap-up report to send to the group, as one self-contained HTML file."""
    data, html = await _report(meeting_id, db, settings, nicknames, private, pdf=False)
    return _download(html, "text/html; charset=utf-8", data, "html")


@router.get(
    "/meetings/{code}/report.pdf",
    response_class=Response,
    responses={**_file("application/pdf"), 503: {"model": schemas.ErrorOut, "description": "No Chromium"}},
)
async def report_pdf(
    meeting_id: CurrentHost,
    db: DatabaseDep,
    settings: SettingsDep,
    nicknames: Nicknames = True,
    private: Private = False,
) -> Response:
    """The wrap-up report as PDF (printed by headless Chromium)."""
    data, pdf = await _report(meeting_id, db, settings, nicknames, private, pdf=True)
    return _download(pdf, "application/pdf", data, "pdf")


@router.get("/meetings/{code}/draaiboek.html", response_class=Response, responses=_file("text/html"))
async def draaiboek_html(meeting_id: CurrentHost, db: DatabaseDep, settings: SettingsDep) -> Response:
    """The facilitator's draaiboek, to read or print: the meeting's notes (preparation, set-up,
    follow-up) and every block with its time, goal, werkvorm, who, materials and polls. No answers."""
    from server.services import sheet

    data = await db.run(export_data.load, meeting_id)
    return _download(
        sheet.render_html(data, settings.zone()), "text/html; charset=utf-8", data, "draaiboek.html"
    )


@router.post(
    "/import",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.MeetingCreated,
    responses={
        401: {"model": schemas.ErrorOut, "description": "`login_required` once accounts exist"},
        413: {"model": schemas.ErrorOut, "description": "`too_large`: over 20 MB"},
        429: {"model": schemas.ErrorOut, "description": "`too_many_meetings` from this address"},
    },
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}, "required": True}
    },
)
async def import_meeting(
    request: Request,
    account: Annotated[Account | None, Depends(current_account)],
    db: DatabaseDep,
    hub: HubDep,
) -> dict[str, Any]:
    """Restore a meeting from its JSON export (`export.json`): a new code and new keys, every
    activity closed. Its retention period starts again now."""
    if account is None:
        await may_create_anonymously(request, db)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > IMPORT_MAX_BYTES:
            raise DomainError(Code.TOO_LARGE, "The export is larger than 20 MB.")
    owner = account.id if account is not None else None
    restored = await db.run(lambda s: archive.restore(s, bytes(body), owner_id=owner))
    meeting = await load_meeting(db, restored.meeting_id)
    base = hub.public_base
    return {
        **meeting_out(meeting, hub).model_dump(),
        "host_key": restored.host_key,
        "presenter_key": restored.presenter_key,
        "host_url": f"{base}/m/{restored.code}/remote#key={restored.host_key}",
        "presenter_url": f"{base}/m/{restored.code}/present#key={restored.presenter_key}",
    }
