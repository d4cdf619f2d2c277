"""The current time, in one place so tests can move it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """Aware UTC now (or the frozen instant in tests)."""
    return _frozen if _frozen is not None else dt.datetime.now(dt.UTC)


def today_in_china() -> dt.date:
    return now().astimezone(CHINA_TZ).date()


@contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    global _frozen
    previous, _frozen = _frozen, at.astimezone(dt.UTC)
    try:
        yield
    finally:
        _frozen = previous


def advance(delta: dt.timedelta) -> None:
    """Move a frozen clock forward (tests only)."""
    global _frozen
    if _frozen is None:
        raise RuntimeError("clock is not frozen")
    _frozen = _frozen + delta
