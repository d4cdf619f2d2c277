"""The application factory: wiring only. Each domain contributes its `api.router` and `pages.router`,
and its `jobs.startup(app)` runs when the application starts (registry.py)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

import shuzheng
from shuzheng.config import Settings, get_settings
from shuzheng.db import Database
from shuzheng.web.deps import get_database
from shuzheng.web.errors import install_error_handlers
from shuzheng.web.logs import configure_logging
from shuzheng.web.metrics import Metrics
from shuzheng.web.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from shuzheng.web.templating import PACKAGE_DIR


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    app = FastAPI(
        title="数政 shuzheng",
        version=shuzheng.__version__,
        description="城市数字政府平台 API：一体化大数据平台、一网通办、一网统管、一网协同",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.startup_threads = []
    app.state.db = database or Database(settings.database_url)
    app.state.metrics = Metrics()

    install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics)
    _mount_static(app)

    _add_operations_routes(app)
    _include_domain_routers(app)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    run_startup_hooks(app)
    yield


def run_startup_hooks(app: FastAPI) -> list[threading.Thread]:
    """Each domain's `jobs.startup(app)`, unless `startup_hooks` is off. The threads they return are
    kept in `app.state.startup_threads`."""
    if not app.state.settings.startup_hooks:
        return []
    from shuzheng.registry import startup_hooks

    for hook in startup_hooks():
        started = hook(app)
        if isinstance(started, threading.Thread):
            app.state.startup_threads.append(started)
    return list(app.state.startup_threads)


def _mount_static(app: FastAPI) -> None:
    """Shared assets at /static/, and each domain's own `static/` folder at /static/<domain>/."""
    from shuzheng.registry import domains

    for domain in domains():
        folder = PACKAGE_DIR / domain / "static"
        if folder.is_dir():
            app.mount(f"/static/{domain}", StaticFiles(directory=folder), name=f"static-{domain}")
    app.mount("/static", StaticFiles(directory=PACKAGE_DIR / "web" / "static"), name="static")


def _include_domain_routers(app: FastAPI) -> None:
    from shuzheng.registry import domain_modules

    for module in domain_modules("api") + domain_modules("pages"):
        app.include_router(module.router)


def ping(db: Database) -> None:
    """SELECT 1 on a raw driver connection: a probe must not queue behind writers for a transaction."""
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
    finally:
        raw.close()


def _add_operations_routes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["运维"], summary="健康检查（含数据库）")
    def healthz() -> Response:
        try:
            ping(app.state.db)
        except Exception:
            return JSONResponse(
                {"status": "unavailable", "database": "unreachable", "message": "数据库无法连接"},
                status_code=503,
            )
        return JSONResponse({"status": "ok", "database": "ok", "version": shuzheng.__version__})

    @app.get("/metrics", tags=["运维"], summary="Prometheus 指标")
    def metrics() -> Response:
        return Response(generate_latest(app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


__all__ = ["create_app", "get_database"]
