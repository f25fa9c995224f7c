"""The application factory: everything stateful is built in the lifespan, on app.state."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from server import logfilter
from server.db.database import Database
from server.db.engine import make_engine
from server.db.walsync import WalSync
from server.domain.agenda import Clock, SystemClock
from server.domain.errors import Code, DomainError
from server.guards import JoinGuard, OriginPolicy, RateLimiter
from server.httplimits import BodyLimit
from server.parsing import TemplateParser
from server.realtime.backends import make_broadcast
from server.realtime.beside_hub import BesideHub
from server.realtime.collector import Collector
from server.realtime.hub import Hub
from server.realtime.pace_hub import PaceHub
from server.realtime.transport import choose as choose_transport
from server.routes import agenda, api, auth, door, exports, join, live, pages, ws
from server.routes import beside as beside_routes
from server.routes import followup as followup_routes
from server.routes import network_pass as pass_routes
from server.routes import privacy as privacy_routes
from server.routes import questionnaires as questionnaire_routes
from server.routes import roles as role_routes
from server.routes import series as series_routes
from server.routes import series_report as series_report_routes
from server.routes.errors import error_response
from server.routes.schemas import ErrorOut
from server.services.batcher import AnswerBatcher, JoinBatcher
from server.services.writer import make_writer
from server.settings import Settings
from server.web import Pages

log = logging.getLogger("kring")
ACCOUNT_COUNT_CAP = 64  # failures counted per account: the slowdown is at its cap long before

# connect-src 'self' covers the page's own ws:// and wss:// origin too (CSP Level 3; the browser
# test's live websockets prove it in Chromium): no other host can be reached from a page.
# The codes of the framework's own refusals (no route, a wrong method, a body that is not JSON).
FRAMEWORK_CODES = {
    400: Code.INVALID_JSON,
    404: Code.NOT_FOUND,
    405: Code.METHOD_NOT_ALLOWED,
    413: Code.BODY_TOO_LARGE,
}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the app; ``clock`` is where the agenda's time comes from (tests pass one they advance)."""
    settings = settings or Settings()
    clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # After uvicorn has set up its loggers: no raw client addresses.
        logfilter.install(settings.access_log)
        db = Database(make_engine(settings.database_url, synchronous=settings.sqlite_synchronous))
        wal = WalSync.of(db.engine, settings.sqlite_synchronous)
        app.state.wal = wal
        if wal is not None:
            wal.start()
        hub = Hub(
            db,
            public_base=settings.public_base(),
            tick=settings.tick_seconds,
            naive=settings.naive_broadcast,
            broadcast=make_broadcast(settings.broadcast_url),
            stall_seconds=settings.ws_stall_seconds,
            clock=clock,
            collector=Collector(settings.gc_full_seconds),
            check_invariants=settings.check_invariants,
        )
        # The batches' commits: on this process's threads, or in a writer process.
        writer = make_writer(settings.batch_writer, db, settings.database_url, settings.sqlite_synchronous)
        await writer.start()
        batcher = AnswerBatcher(
            db,
            hub.answers_committed,
            window=settings.batch_window_seconds,
            max_batch=settings.batch_max,
            writes=hub.answer_writes,
            recount=settings.check_invariants,
            writer=writer,
            on_lost=hub.writes_lost,
        )
        app.state.writer = writer
        app.state.settings = settings
        app.state.clock = clock
        app.state.db = db
        app.state.hub = hub
        app.state.batcher = batcher
        beside = BesideHub(
            db,
            hub,
            window=settings.batch_window_seconds,
            max_batch=settings.batch_max,
            tap_rate=settings.reactions_per_second,
            tap_burst=settings.reactions_burst,
            check=settings.check_invariants,
        )
        app.state.beside = beside
        pace = PaceHub(db, hub, window=settings.batch_window_seconds, max_batch=settings.batch_max)
        app.state.pace = pace
        role_routes.attach(hub)
        app.state.transport = choose_transport(settings.ws_transport)
        log.info("websocket frames go out by the %s transport", app.state.transport.name)
        joins = JoinBatcher(
            db, window=settings.batch_window_seconds, max_batch=settings.batch_max, writer=writer
        )
        app.state.joins = joins
        app.state.pages = Pages(settings.templates_dir)
        app.state.origins = OriginPolicy.build(settings.public_base(), settings.extra_origins(), settings.dev)
        app.state.rate_limiter = RateLimiter(settings.ws_rate_per_minute, settings.ws_rate_burst)
        app.state.login_ip_guard = JoinGuard(
            settings.login_failures_per_ip, settings.login_failure_window_seconds
        )
        # Counts an account's failures from every address (for its slowdown); never blocks it.
        app.state.login_account_guard = JoinGuard(ACCOUNT_COUNT_CAP, settings.login_failure_window_seconds)
        app.state.join_guard = JoinGuard(settings.join_failures_allowed, settings.join_failure_window_seconds)
        app.state.login_pair_guard = JoinGuard(
            settings.login_failures_per_account, settings.login_failure_window_seconds
        )
        app.state.create_limiter = RateLimiter(settings.create_per_hour / 60, settings.create_burst)
        parser = TemplateParser(
            workers=settings.template_workers,
            queue=settings.template_queue,
            seconds=settings.template_parse_seconds,
        )
        app.state.template_parser = parser
        await hub.start()
        batcher.start()
        joins.start()
        await beside.start()
        await pace.start()
        try:
            yield
        finally:
            await batcher.stop()  # commit what is pending before the sockets close
            await beside.stop()
            await pace.stop()
            await joins.stop()
            await writer.close()
            await hub.stop()
            parser.close()
            db.close()
            if wal is not None:
                wal.stop()

    app = FastAPI(
        title="Kring",
        summary="Live group polling for facilitators of workshops and learning networks",
        version="0.1.0",
        lifespan=lifespan,
        # The Swagger and ReDoc pages load their scripts from a CDN: no third-party requests,
        # so only the schema is served (docs/api.md is the reference).
        docs_url=None,
        redoc_url=None,
        # Every route: a body over its limit is refused from Content-Length or while it streams
        # (server/httplimits.py), before FastAPI reads it.
        responses={413: {"model": ErrorOut, "description": "`body_too_large`: over this route's body limit"}},
        # Kring reports to no one. FastAPI's native OpenTelemetry otherwise looks up the global
        # providers on every request: 5% of the server's time in a join storm.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        # English, or the language the request asks for where the message is a Text (its details
        # matter: a template's line and problem); the pages send their own language, and show the
        # other codes in it from the catalogue.
        return error_response(exc, request.headers.get("accept-language"))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(app, request.scope))
        code = FRAMEWORK_CODES.get(exc.status_code, Code.HTTP_ERROR)
        return JSONResponse(
            {"error": {"code": code, "message": str(exc.detail)}},
            status_code=exc.status_code,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for error in exc.errors()[:3]:
            where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
            parts.append(f"{where}: {error.get('msg', 'invalid')}")
        message = "Invalid request: " + "; ".join(parts) + "."
        return JSONResponse({"error": {"code": Code.INVALID_REQUEST, "message": message}}, status_code=422)

    @app.get("/healthz", include_in_schema=False)
    async def healthz(request: Request) -> JSONResponse:
        hub: Hub | None = getattr(request.app.state, "hub", None)
        if hub is not None and hub.broken:  # KRING_CHECK_INVARIANTS found a difference
            return JSONResponse({"status": "invariant broken", "found": hub.broken[:3]}, status_code=500)
        return JSONResponse({"status": "ok"})

    app.include_router(api.router)
    app.include_router(live.router)
    app.include_router(join.router)
    app.include_router(agenda.router)
    app.include_router(door.router)
    app.include_router(beside_routes.router)
    app.include_router(questionnaire_routes.router)
    app.include_router(role_routes.router)
    app.include_router(privacy_routes.router)
    app.include_router(followup_routes.router)
    app.include_router(series_routes.router)
    app.include_router(series_report_routes.router)
    app.include_router(pass_routes.router)
    app.include_router(exports.router)
    app.include_router(auth.router)
    app.include_router(ws.router)
    app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")
    app.include_router(pages.router)
    app.add_middleware(join.JoinFastPath)  # inside SecurityHeaders: its answers get the headers
    app.add_middleware(BodyLimit, default_limit=settings.http_max_body_bytes)  # around every route
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ws.SocketFastPath)  # outermost of ours: websockets skip the HTTP stack
    if settings.proxies():
        # The client's address (for every per-address limit and the log's pseudonyms) is taken
        # from X-Forwarded-For only when the connection comes from a listed proxy. `kring serve`
        # turns uvicorn's own handling off, which believes 127.0.0.1 by default.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.proxies())
    return app


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method some route accepts at this path (Starlette names only the first route's)."""
    methods: set[str] = set()

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if hasattr(route, "original_router"):
                walk(route.original_router.routes)
            elif getattr(route, "methods", None) and route.path_regex.match(scope["path"]):
                methods.update(route.methods)

    walk(list(app.routes))
    return sorted(methods)


class SecurityHeaders:
    """Pure ASGI (no BaseHTTPMiddleware): adds headers without touching websockets."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = {
                    b"content-security-policy": CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"same-origin",
                    b"x-frame-options": b"DENY",
                }
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
