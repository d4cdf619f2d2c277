"""Matching a file's header row to the catalog's fields (信息项), by field name or Chinese label.

Departments rename columns ("证件号码" for 身份证号), add notes ("姓名（必填）"), merge header cells or
leave extra columns such as 序号. A required field that cannot be found, a duplicate or a blank header
stops the load with a Chinese explanation; when an unknown header resembles a missing field (by its
characters or its pinyin) the message suggests the mapping, which the loader can then pass explicitly.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from shuzheng.catalog.spec import FieldSpec, ResourceSpec
from shuzheng.errors import ValidationFailed

SUGGEST_AT = 0.5
# Notes people add to template headers: "姓名（必填）", "*出生日期", "金额(元)".
_NOTES = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]|[*＊※]")
_SPACES = re.compile(r"\s+")


def normalise_header(text: str | None) -> str:
    """Compare headers by this form: NFKC (full-width → half-width), notes and spaces removed, lower case."""
    value = unicodedata.normalize("NFKC", text or "").replace("\ufeff", "")
    value = _NOTES.sub("", value)
    return _SPACES.sub("", value).lower()


@lru_cache(maxsize=4096)
def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin  # loads its dictionaries (≈1 s): only when a header is unknown

    return "".join(lazy_pinyin(text))


def _similarity(header: str, spec: FieldSpec) -> float:
    h = normalise_header(header)
    label = normalise_header(spec.label)
    best = max(
        difflib.SequenceMatcher(None, h, label).ratio(),
        difflib.SequenceMatcher(None, h, spec.name.lower()).ratio(),
        difflib.SequenceMatcher(None, _pinyin(h), _pinyin(label)).ratio(),
    )
    # One containing the other ("户籍地址" / "地址") is a strong hint even when short.
    if h and label and (h in label or label in h):
        best = max(best, 0.75)
    return best


@dataclass(frozen=True)
class Suggestion:
    header: str
    field: str
    label: str
    score: float


@dataclass
class HeaderMapping:
    """Which source column (0-based) feeds each field; fields absent from the file are None."""

    columns: dict[str, int | None]
    ignored: list[str] = field(default_factory=list)  # headers that match no field (e.g. 序号)
    missing_optional: list[str] = field(default_factory=list)  # labels of optional fields not in the file

    @property
    def notes(self) -> list[str]:
        out = []
        if self.ignored:
            out.append("已忽略目录中没有的列：" + "、".join(self.ignored))
        if self.missing_optional:
            out.append("文件中没有这些选填信息项，按空值处理：" + "、".join(self.missing_optional))
        return out


def map_headers(
    headers: Sequence[str | None], spec: ResourceSpec, explicit: Mapping[str, str] | None = None
) -> HeaderMapping:
    """Map headers to fields or raise ValidationFailed naming every problem (with suggestions)."""
    explicit = dict(explicit or {})
    _check_explicit(explicit, spec)
    problems: list[dict[str, str]] = []
    by_key = _lookup(spec)
    columns: dict[str, int | None] = {f.name: None for f in spec.fields}
    unmatched: list[tuple[int, str]] = []
    last_named = max((i for i, h in enumerate(headers) if normalise_header(h)), default=-1)

    for index, header in enumerate(headers):
        text = (header or "").strip()
        if not normalise_header(text):
            if index < last_named:  # blank columns at the end are harmless (a trailing delimiter)
                problems.append(
                    {"field": f"第{index + 1}列", "message": "表头为空（可能是合并单元格或多余的空列）"}
                )
            continue
        target = explicit.get(text) or by_key.get(normalise_header(text))
        if target is None:
            unmatched.append((index, text))
            continue
        seen = columns[target]
        if seen is not None:
            problems.append(
                {
                    "field": target,
                    "message": f"表头重复：第{seen + 1}列“{headers[seen]}”和第{index + 1}列“{text}”"
                    f"都对应“{spec.field(target).label}”",
                }
            )
            continue
        columns[target] = index

    missing = [f for f in spec.fields if columns[f.name] is None]
    suggestions = suggest(unmatched, missing)
    for f in missing:
        hint = suggestions.get(f.name)
        if f.required or f.is_key or hint is not None:
            reason = "文件中缺少这一列" + (f"，可能是“{hint.header}”" if hint else "")
            problems.append({"field": f.name, "message": f"{f.label}：{reason}"})
    if problems:
        raise ValidationFailed(_summary(problems, suggestions), code="header_mismatch", details=problems)
    return HeaderMapping(
        columns=columns,
        ignored=[h for _, h in unmatched],
        missing_optional=[f.label for f in missing],
    )


def suggest(unmatched: Sequence[tuple[int, str]], missing: Sequence[FieldSpec]) -> dict[str, Suggestion]:
    """The most similar unknown header for each missing field (each header used at most once)."""
    scored = sorted(
        (
            Suggestion(header, f.name, f.label, _similarity(header, f))
            for _, header in unmatched
            for f in missing
        ),
        key=lambda s: -s.score,
    )
    chosen: dict[str, Suggestion] = {}
    used: set[str] = set()
    for s in scored:
        if s.score < SUGGEST_AT or s.field in chosen or s.header in used:
            continue
        chosen[s.field] = s
        used.add(s.header)
    return chosen


def _lookup(spec: ResourceSpec) -> dict[str, str]:
    table: dict[str, str] = {}
    for f in spec.fields:
        table.setdefault(normalise_header(f.label), f.name)
        table.setdefault(normalise_header(f.name), f.name)
    return table


def _check_explicit(explicit: Mapping[str, str], spec: ResourceSpec) -> None:
    names = {f.name for f in spec.fields}
    wrong = [f"{header}={target}" for header, target in explicit.items() if target not in names]
    if wrong:
        raise ValidationFailed(
            "列映射中有目录里不存在的信息项：" + "、".join(wrong),
            code="header_mismatch",
            details=[{"field": "mapping", "message": "不存在的信息项：" + "、".join(wrong)}],
        )


def _summary(problems: list[dict[str, str]], suggestions: Mapping[str, Suggestion]) -> str:
    text = "文件表头与目录不一致：" + "；".join(p["message"] for p in problems[:8])
    if len(problems) > 8:
        text += f"；等共{len(problems)}处"
    if suggestions:
        pairs = "，".join(f"{s.header}={s.field}" for s in suggestions.values())
        text += f"。如确认对应关系，可指定列映射（如 --map {pairs}）后重新加载"
    return text
