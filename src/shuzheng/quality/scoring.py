"""The quality score: five dimensions, each a share between 0 and 1, weighted into 0–100.

| dimension | 中文 | measured as | weight |
| --- | --- | --- | --- |
| completeness | 完整性 | filled cells ÷ all cells, averaged over the resource's fields | 20 |
| validity | 有效性 | rows without a type, code-list, pattern, range, length or identifier error ÷ rows | 35 |
| uniqueness | 唯一性 | rows whose key is not duplicated ÷ rows (1 when the resource has no key) | 15 |
| consistency | 一致性 | rows passing every cross-field rule ÷ rows (1 when there are no rules) | 15 |
| timeliness | 及时性 | 1 within the update cycle; falling linearly to 0 at twice the cycle | 15 |

Pure functions: the quality service feeds them what the loads measured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

WEIGHTS: dict[str, float] = {
    "completeness": 0.20,
    "validity": 0.35,
    "uniqueness": 0.15,
    "consistency": 0.15,
    "timeliness": 0.15,
}
LABELS = {
    "completeness": "完整性",
    "validity": "有效性",
    "uniqueness": "唯一性",
    "consistency": "一致性",
    "timeliness": "及时性",
}
GOOD, FAIR = 90.0, 75.0


@dataclass(frozen=True)
class Dimensions:
    completeness: float
    validity: float
    uniqueness: float
    consistency: float
    timeliness: float

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in WEIGHTS}

    @property
    def score(self) -> float:
        return score(self.as_dict())


def score(dimensions: Mapping[str, float]) -> float:
    """0–100, one decimal."""
    return round(100 * sum(WEIGHTS[name] * _share(dimensions[name]) for name in WEIGHTS), 1)


def grade(value: float) -> str:
    if value >= GOOD:
        return "优"
    if value >= FAIR:
        return "良"
    return "差"


def share_ok(rows: int, failing: int) -> float:
    return 1.0 if rows <= 0 else _share(1 - failing / rows)


def completeness(rows: int, filled: Mapping[str, int]) -> float:
    if rows <= 0 or not filled:
        return 1.0
    return _share(sum(min(n, rows) / rows for n in filled.values()) / len(filled))


def timeliness(age_days: float, cycle_days: int) -> float:
    """1 while the data is no older than its update cycle, then linearly down to 0 at two cycles."""
    if age_days <= cycle_days:
        return 1.0
    return _share(1 - (age_days - cycle_days) / cycle_days)


def _share(value: float) -> float:
    return max(0.0, min(1.0, float(value)))
