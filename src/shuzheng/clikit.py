"""What every CLI command shares: settings, one unit of work per command, and domain errors printed in
Chinese with a non-zero exit status instead of a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

import typer
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from shuzheng.config import get_settings
from shuzheng.db import Database
from shuzheng.errors import DomainError

F = TypeVar("F", bound=Callable[..., Any])


def database() -> Database:
    return Database(get_settings().database_url)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    db = database()
    try:
        with db.unit_of_work() as session:
            yield session
    finally:
        db.dispose()


def fail(message: str, code: int = 2) -> None:
    typer.secho(f"错误：{message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def friendly_errors(func: F) -> F:
    """Turn domain errors and an unreachable database into one clear line and an exit status."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DomainError as err:
            details = err.details
            if isinstance(details, list):
                for d in details:
                    if isinstance(d, dict) and "field" in d:
                        typer.secho(f"  - {d['field']}：{d.get('message', '')}", err=True)
            fail(err.message)
        except OperationalError:
            fail("无法连接数据库，请检查 SHUZHENG_DATABASE_URL 以及数据库服务是否已启动", code=3)

    return wrapper  # type: ignore[return-value]


def echo(message: str = "") -> None:
    typer.echo(message)


def is_tty() -> bool:
    return sys.stdout.isatty()
