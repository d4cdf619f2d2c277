"""The hotline taxonomy: request type (诉求类型) × topic (诉求领域), stable ASCII codes with Chinese labels.

The codes are the contract shared by intake, routing (权责清单), the classifier and hotspot detection;
labels may be reworded, codes never change once requests carry them.
"""

from __future__ import annotations

from dataclasses import dataclass

from shuzheng.errors import field_error


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    label: str


TYPES: tuple[Category, ...] = (
    Category("consult", "咨询"),
    Category("help", "求助"),
    Category("complaint", "投诉"),
    Category("report", "举报"),
    Category("suggestion", "建议"),
    Category("praise", "表扬"),
)

TOPICS: tuple[Category, ...] = (
    Category("water", "供水"),
    Category("heating", "供热"),
    Category("gas", "燃气"),
    Category("power", "供电"),
    Category("noise", "噪音"),
    Category("property", "物业"),
    Category("market", "市场监管"),
    Category("traffic", "交通"),
    Category("urban", "城管"),
    Category("environment", "环保"),
    Category("education", "教育"),
    Category("medical", "医疗"),
    Category("social_security", "社保"),
    Category("housing", "住房"),
    Category("household", "户籍"),
    Category("employment", "劳动就业"),
    Category("food_safety", "食品安全"),
    Category("other", "其他"),
)

TYPE_LABELS: dict[str, str] = {c.code: c.label for c in TYPES}
TOPIC_LABELS: dict[str, str] = {c.code: c.label for c in TOPICS}

# The fallback used when nothing better is known; such requests go to a dispatcher.
DEFAULT_TYPE = "help"
OTHER_TOPIC = "other"


def type_label(code: str | None) -> str:
    return TYPE_LABELS.get(code or "", "未分类")


def topic_label(code: str | None) -> str:
    return TOPIC_LABELS.get(code or "", "未分类")


def check_type(code: str, field: str = "type_code") -> str:
    """Return `code` if it is a known request type, else raise a 422 naming the field."""
    if code not in TYPE_LABELS:
        raise field_error(field, f"未知的诉求类型“{code}”，可选：{'、'.join(TYPE_LABELS)}")
    return code


def check_topic(code: str, field: str = "topic_code") -> str:
    """Return `code` if it is a known topic, else raise a 422 naming the field."""
    if code not in TOPIC_LABELS:
        raise field_error(field, f"未知的诉求领域“{code}”，可选：{'、'.join(TOPIC_LABELS)}")
    return code
