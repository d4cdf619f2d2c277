"""Domains register themselves by convention, not by editing a central list. A domain is a top-level
package of shuzheng; the platform picks up whichever of these it has:

- `models.py`              — SQLAlchemy models (seen by metadata and Alembic);
- `api.py` / `pages.py`    — a FastAPI `router`;
- `pages.py`               — `NAV: dict[Role, list[NavItem]]`, its entries in the role navigation;
- `cli.py`                 — `COMMANDS: dict[str, typer.Typer]`, its `shuzheng <name> …` groups;
- `demo.py`                — `load(session, city)`, its part of the demo city (run in `DEMO_ORDER`).
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from types import ModuleType

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
