"""Searching the 一本账: one text key per resource, computed when a version is published, so a search is
a plain `LIKE` in the database on both SQLite and PostgreSQL, not a scan in Python.

The key holds, one per line (so a term never matches across two of them), lower-cased and NFKC-folded
(full-width letters and digits become half-width): the code, name, summary, source system, type,
theme, the provider's names, every field's label and name — and the pinyin of the name, of the
provider's short name and of each field label, both as initials (人口基础信息 → rkjcxx) and in full
(renkoujichuxinxi). pypinyin's phrase dictionary picks the reading of 多音字 in context (银行 → yh).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from pypinyin import Style, lazy_pinyin
from sqlalchemy import ColumnElement, and_

from shuzheng.catalog.models import CATALOG_TYPE_LABELS, THEMES, CatalogResource, CatalogType

MAX_TERMS = 5
MAX_TERM_LENGTH = 50


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower().strip()


def initials(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default"))


def full_pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text, errors="default"))


def search_key(snapshot: Mapping[str, Any], provider_name: str, provider_short_name: str) -> str:
    """The key of a published snapshot (see the module docstring)."""
    name = snapshot["name"]
    parts: list[str] = [
        snapshot["code"],
        name,
        snapshot.get("summary") or "",
        snapshot.get("source_system") or "",
        CATALOG_TYPE_LABELS.get(CatalogType(snapshot["catalog_type"]), ""),
        THEMES.get(snapshot.get("theme") or "", ""),
        provider_name,
        provider_short_name,
        initials(name),
        full_pinyin(name),
        initials(provider_short_name),
    ]
    for f in snapshot["fields"]:
        parts += [f["label"], f["name"], initials(f["label"])]
    return "\n".join(dict.fromkeys(p for p in (fold(x) for x in parts) if p))


def terms(query: str | None) -> list[str]:
    """The words of a query (at most five, each at most fifty characters)."""
    words = [w[:MAX_TERM_LENGTH] for w in fold(query or "").split()]
    return list(dict.fromkeys(w for w in words if w))[:MAX_TERMS]


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matches(query: str | None) -> ColumnElement[bool] | None:
    """A WHERE clause: every word of the query occurs in the resource's key (None: no query)."""
    words = terms(query)
    if not words:
        return None
    return and_(*(CatalogResource.search_key.like(_like(w), escape="\\") for w in words))


def name_matches(query: str | None) -> Iterable[ColumnElement[bool]]:
    """Resources whose name holds the first word come first in results."""
    words = terms(query)
    return [CatalogResource.name.like(_like(words[0]), escape="\\")] if words else []
