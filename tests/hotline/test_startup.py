"""At application start the hotline classifier learns the dispatchers' corrections from the database, in
a background thread (registry.py's start-up hooks: `jobs.startup`); the test suite turns hooks off."""

from __future__ import annotations

import logging
import threading

import pytest
from fastapi.testclient import TestClient

from shuzheng import registry
from shuzheng.app import create_app
from shuzheng.config import Settings, get_settings
from shuzheng.db import Database
from shuzheng.hotline import classify, jobs, service
from shuzheng.hotline.models import ClassificationFeedback, HotlineRequest
from tests.conftest import ThrowawayDatabase

# The shipped model files this under 其他; a dispatcher corrects it to 城管 (as in test_classify.py).
CORRECTED = "小区门口的快递驿站把快递堆在人行道上"


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """No process-wide model yet, as after a restart; whatever the test trains is put back afterwards."""
    monkeypatch.setattr(classify, "_classifier", None)


def _shipped_size() -> int:
    return len(classify.load_training_set())


def test_the_hotline_start_up_hook_is_found_by_convention() -> None:
    assert jobs.startup in registry.startup_hooks()


def test_the_test_suite_runs_no_start_up_hooks(app, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    assert get_settings().startup_hooks is False
    called: list[object] = []
    monkeypatch.setattr(jobs, "startup", called.append)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
    assert called == [] and app.state.startup_threads == []


def test_warm_up_returns_at_once_and_learns_the_corrections_it_reads_in_its_thread(no_model: None) -> None:
    release = threading.Event()
    read_in: list[str] = []

    def corrections() -> list[tuple[str, str, str]]:
        read_in.append(threading.current_thread().name)
        release.wait(30)
        return [(CORRECTED, "complaint", "urban")]

    thread = classify.warm_up(corrections)
    assert thread.is_alive()  # the caller (the application's start-up) did not wait
    release.set()
    thread.join(120)
    assert not thread.is_alive() and read_in == ["hotline-classifier-warm-up"]
    model = classify.get_classifier()
    assert model.size == _shipped_size() + 1
    assert model.predict(CORRECTED).topic_code == "urban"


def test_an_invalid_correction_is_left_out_and_unreadable_ones_leave_the_shipped_model(
    no_model: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="shuzheng.hotline.classify"):
        classify.warm_up(
            lambda: [(CORRECTED, "complaint", "urban"), ("有人在河里电鱼", "complaint", "fishing")]
        ).join(120)
    assert classify.get_classifier().size == _shipped_size() + 1
    assert "1 invalid correction(s) left out" in caplog.text
    assert "电鱼" not in caplog.text  # what citizens said is not logged

    def unreadable() -> list[tuple[str, str, str]]:
        raise RuntimeError("database unreachable")

    classify.reset()
    with caplog.at_level(logging.ERROR, logger="shuzheng.hotline.classify"):
        classify.warm_up(unreadable).join(120)
    assert classify.get_classifier().size == _shipped_size()
    assert "corrections could not be read" in caplog.text


def test_starting_the_application_trains_with_the_corrections_in_the_database(
    fresh_database: ThrowawayDatabase, no_model: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(engine=fresh_database.engine)
    with db.unit_of_work() as s:
        req = HotlineRequest(
            channel="phone",
            status="pending",
            type_code="complaint",
            topic_code="other",
            title=CORRECTED[:30],
            content=CORRECTED,
        )
        s.add(req)
        s.flush()
        s.add(
            ClassificationFeedback(
                request_id=req.id,
                predicted_type="complaint",
                predicted_topic="other",
                corrected_type="complaint",
                corrected_topic="urban",
            )
        )
    # Reading the corrections waits until the test has seen the application serve.
    release = threading.Event()
    real = service.corrections

    def slow_corrections(session):  # type: ignore[no-untyped-def]
        release.wait(30)
        return real(session)

    monkeypatch.setattr(service, "corrections", slow_corrections)
    app = create_app(get_settings().model_copy(update={"startup_hooks": True}), database=db)
    assert isinstance(app.state.settings, Settings) and app.state.startup_threads == []
    with TestClient(app) as client:
        [thread] = app.state.startup_threads
        assert thread.is_alive() and client.get("/healthz").status_code == 200
        release.set()
        thread.join(120)
    assert not thread.is_alive()
    model = classify.get_classifier()
    assert model.size == _shipped_size() + 1
    assert (model.predict(CORRECTED).type_code, model.predict(CORRECTED).topic_code) == ("complaint", "urban")
