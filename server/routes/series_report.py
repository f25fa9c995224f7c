"""The series report as a download: HTML, or PDF printed by the meeting report's Chromium."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Response

from server.deps import DatabaseDep
from server.routes.exports import REPORT_LOCK
from server.routes.schemas import ErrorOut
from server.routes.series import CurrentSeries, series_responses
from server.routes.shared import api_router
from server.services.export_cells import slug

router = api_router()


def _file(media_type: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"content": {media_type: {}}, "description": "The file, as an attachment"},
        **series_responses,
    }


async def _series_report(series_id: int, db: DatabaseDep, *, pdf: bool) -> tuple[str, str | bytes]:
    from server.services import report, series_report  # matplotlib is heavy: loaded on first use

    data = await db.run(series_report.build, series_id)

    def build() -> str | bytes:
        with REPORT_LOCK:
            html = series_report.render_html(data)
        return report.render_pdf(html) if pdf else html  # ReportUnavailable: 503 report_unavailable

    return f"kring-{slug(data['title']) or 'series'}-series", await asyncio.to_thread(build)


def _download(content: str | bytes, media_type: str, name: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.get("/series/{series_id}/report.html", response_class=Response, responses=_file("text/html"))
async def series_report_html(opened: CurrentSeries, db: DatabaseDep) -> Response:
    """The series report: attendance per meeting, the trends (before and after) and the actions
    carried forward with their follow-through; aggregates only, none over fewer than 3 people."""
    name, html = await _series_report(opened[0], db, pdf=False)
    return _download(html, "text/html; charset=utf-8", f"{name}.html")


@router.get(
    "/series/{series_id}/report.pdf",
    response_class=Response,
    responses={**_file("application/pdf"), 503: {"model": ErrorOut, "description": "No Chromium"}},
)
async def series_report_pdf(opened: CurrentSeries, db: DatabaseDep) -> Response:
    """The series report as PDF (printed by headless Chromium)."""
    name, pdf = await _series_report(opened[0], db, pdf=True)
    return _download(pdf, "application/pdf", f"{name}.pdf")
