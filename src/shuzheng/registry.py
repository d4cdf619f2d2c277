"""Domains register themselves by convention, not by editing a central list. A domain is a top-level
package of shuzheng; the platform picks up whichever of these it has:

- `models.py`              — SQLAlchemy models (seen by metadata and Alembic);
- `api.py` / `pages.py`    — a FastAPI `router`;
- `pages.py`               — `NAV: dict[Role, list[NavItem]]`, its entries in the role navigation;
- `cli.py`                 — `COMMANDS: dict[str, typer.Typer]`, its `shuzheng <name> …` groups;
- `demo.py`                — `load(session, city)`, its part of the demo city (run in `DEMO_ORDER`);
- `jobs.py`                — optionally `startup(app)`, run when the web application starts (`startup_hooks`).

A start-up hook gets the FastAPI app (`app.state.db`, `app.state.settings`) and must return at once:
slow work (training a model, filling a cache) goes to a thread the hook starts and returns, so that
serving starts without waiting and tests can wait for it (`app.state.startup_threads`). Hooks run in
domain order, on every start of every worker process, and not at all when `SHUZHENG_STARTUP_HOOKS`
is false (the test suite sets that; a test that wants a hook turns it on for its own app).
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable
from types import ModuleType
from typing import Any

import shuzheng

NOT_DOMAINS = frozenset({"web", "migrations"})


def domains() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules(shuzheng.__path__) if m.ispkg and m.name not in NOT_DOMAINS
    )


def domain_modules(kind: str) -> list[ModuleType]:
    """Each domain's `<kind>` module, in domain order. Only existing modules are imported, so a real
    import error in one still surfaces."""
    found = []
    for domain in domains():
        name = f"shuzheng.{domain}.{kind}"
        if importlib.util.find_spec(name) is not None:
            found.append(importlib.import_module(name))
    return found


def startup_hooks() -> list[Callable[[Any], object]]:
    """Each domain's `jobs.startup`, in domain order."""
    return [m.startup for m in domain_modules("jobs") if callable(getattr(m, "startup", None))]
