"""Health, metrics, request ids, body limits, unknown routes, and a database that is down."""

import json
import logging

from fastapi import Request
from fastapi.testclient import TestClient

from shuzheng.app import create_app
from shuzheng.config import Settings
from shuzheng.db import Database
from shuzheng.web.middleware import allow_body


def test_healthz_checks_the_database(client) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["database"] == "ok"


def test_healthz_and_api_say_503_when_the_database_is_down(tmp_path) -> None:
    # A PostgreSQL port where nothing listens: the app must start and answer, not crash.
    settings = Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:9/none")
    app = create_app(settings, Database(settings.database_url, connect_args={"connect_timeout": 2}))
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/healthz")
        assert r.status_code == 503 and r.json()["database"] == "unreachable"
        r = c.post("/api/auth/token", json={"login": "a", "password": "b"})
        assert r.status_code == 503 and r.json()["error"]["code"] == "database_unavailable"


def test_metrics_count_requests_by_route_and_errors(client) -> None:
    client.get("/healthz")
    client.get("/api/no-such-thing")
    text = client.get("/metrics").text
    assert 'shuzheng_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert 'shuzheng_http_errors_total{code="not_found"}' in text
    assert "shuzheng_http_request_duration_seconds_bucket" in text


def test_request_id_is_returned_and_kept_from_the_caller(client) -> None:
    assert len(client.get("/healthz").headers["x-request-id"]) >= 8
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123-def"}).headers["x-request-id"]
        == "abc-123-def"
    )


def test_unknown_api_route_is_a_json_404(client) -> None:
    r = client.get("/api/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_wrong_method_is_a_405_envelope(client) -> None:
    r = client.delete("/api/auth/token")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_oversized_body_is_refused_with_413(session, test_database) -> None:
    settings = Settings(max_body_bytes=1024)
    app = create_app(settings, Database(engine=test_database.engine))
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/api/auth/token", content=b"x" * 5000, headers={"content-type": "application/json"})
        assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"

        def chunks():
            for _ in range(10):
                yield b"y" * 500

        r = c.post("/api/auth/token", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413


def test_a_route_may_raise_the_body_limit_for_its_own_request(session, test_database) -> None:
    app = create_app(Settings(max_body_bytes=1024), Database(engine=test_database.engine))

    @app.post("/api/test-large-upload")
    async def large(request: Request) -> dict[str, int]:
        allow_body(request.scope, 8000)
        return {"size": len(await request.body())}

    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.post("/api/test-large-upload", content=b"x" * 5000).json() == {"size": 5000}
        refused = c.post("/api/test-large-upload", content=b"x" * 9000)
        assert refused.status_code == 413 and refused.json()["error"]["details"]["max_bytes"] == 8000

        def chunks():  # type: ignore[no-untyped-def]
            for _ in range(20):
                yield b"y" * 500

        assert c.post("/api/test-large-upload", content=chunks()).status_code == 413
        # Every other route keeps the app-wide limit.
        other = c.post("/api/auth/token", content=b"x" * 5000, headers={"content-type": "application/json"})
        assert other.status_code == 413 and other.json()["error"]["details"]["max_bytes"] == 1024


def test_unexpected_errors_never_leak_a_traceback(app) -> None:
    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("secret internals 13812345678")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/api/boom")
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error"
    assert "secret" not in r.text and "Traceback" not in r.text


def test_access_log_is_json_without_query_strings(client, caplog) -> None:
    from shuzheng.web.logs import JsonFormatter

    logger = logging.getLogger("shuzheng.http")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    previous_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        client.get("/healthz?id_number=110105194912310020")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)
    line = JsonFormatter().format(records[-1])
    entry = json.loads(line)
    assert entry["route"] == "/healthz" and entry["status"] == 200 and entry["request_id"] != "-"
    assert "110105194912310020" not in line


def test_each_domain_serves_its_own_static_folder(client) -> None:
    r = client.get("/static/objections/stats.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    assert client.get("/static/vendor/echarts/echarts.min.js").status_code == 200
