"""Server-rendered pages: a Jinja2 environment with the i18n extension, one per app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from server.i18n import translations


class Pages:
    def __init__(self, templates_dir: Path) -> None:
        self.env = Environment(
            loader=FileSystemLoader(str(templates_dir)),
            autoescape=select_autoescape(["html", "xml"]),
            extensions=["jinja2.ext.i18n"],
        )

    def render(self, name: str, language: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        env = self.env.overlay()
        env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
        html = env.get_template(name).render(lang=language, **context)
        return HTMLResponse(html, status_code=status_code)
