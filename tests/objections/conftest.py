from __future__ import annotations

from pathlib import Path

import pytest

from shuzheng.config import get_settings
from shuzheng.objections import service


@pytest.fixture(autouse=True)
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Evidence files go to the test's own directory."""
    monkeypatch.setattr(get_settings(), "var_dir", tmp_path)
    return tmp_path


@pytest.fixture
def corrections(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Ingest's apply_correction, recorded: these tests are about the workflow around it (the real
    correction is tested in test_correction.py when ingest provides it)."""
    calls: list[tuple] = []

    def recorded(session, actor, code, key_values, changes, reason):  # type: ignore[no-untyped-def]
        calls.append((code, key_values, changes, reason))
        return 7

    monkeypatch.setattr(service, "apply_correction", recorded)
    return calls
