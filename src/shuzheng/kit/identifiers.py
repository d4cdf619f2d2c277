"""Chinese identifiers, validated with python-stdnum, with a reason in Chinese naming what is wrong."""

from __future__ import annotations

import datetime as dt

from stdnum import exceptions as sx
from stdnum.cn import ric, uscc

from shuzheng.errors import ValidationFailed, field_error
from shuzheng.kit.clock import today_in_china


def validate_id_number(value: str, *, field: str = "id_number") -> str:
    """Check a 18-digit 居民身份证号码 (checksum, real birth date, known birth region). Returns it compacted."""
    number = ric.compact(value or "")
    if len(number) != 18:
        raise field_error(field, "身份证号应为18位")
    if not number[:-1].isdigit() or not (number[-1].isdigit() or number[-1] == "X"):
        raise field_error(field, "身份证号只能包含数字，最后一位可以是X")
    if number[-1] != ric.calc_check_digit(number):
        raise field_error(field, "身份证号校验位不正确")
    try:
        birth = ric.get_birth_date(number)
    except sx.ValidationError:
        raise field_error(field, "身份证号中的出生日期不存在") from None
    if birth > today_in_china() or birth.year < 1900:
        raise field_error(field, "身份证号中的出生日期不合理")
    try:
        ric.get_birth_place(number)
    except (sx.ValidationError, KeyError):
        # stdnum raises KeyError for a known province with an unknown county (e.g. 379902).
        raise field_error(field, "身份证号中的地区码不存在") from None
    return number


def validate_uscc(value: str, *, field: str = "uscc") -> str:
    """Check a 18-character 统一社会信用代码 (GB 32100). Returns it compacted."""
    try:
        return uscc.validate(value or "")
    except sx.InvalidLength:
        raise field_error(field, "统一社会信用代码应为18位") from None
    except sx.InvalidChecksum:
        raise field_error(field, "统一社会信用代码校验位不正确") from None
    except sx.ValidationError:
        raise field_error(field, "统一社会信用代码格式不正确") from None


def birth_date_of(id_number: str) -> dt.date:
    return ric.get_birth_date(id_number)


def make_id_number(region6: str, birth: dt.date, sequence: int) -> str:
    """Build a valid 身份证号 (for demo data and tests): region, birth date, 3-digit sequence, check digit."""
    body = f"{region6}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_uscc(registration_authority: str, region6: str, organisation_code8: str) -> str:
    """Build a valid 统一社会信用代码: 2-char authority/type, 6-digit region, 9-char organisation code
    (8 chars + its GB 11714 check), and the GB 32100 check character."""
    org = organisation_code8 + _gb11714_check(organisation_code8)
    body = f"{registration_authority}{region6}{org}"
    return body + uscc.calc_check_digit(body + "0")


def _gb11714_check(code8: str) -> str:
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    total = sum(alphabet.index(c) * w for c, w in zip(code8, weights, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def is_valid_phone(value: str) -> bool:
    v = value.replace(" ", "").replace("-", "")
    return len(v) == 11 and v.isdigit() and v.startswith("1") and v[1] in "3456789"


def validate_phone(value: str, *, field: str = "phone") -> str:
    v = (value or "").replace(" ", "").replace("-", "")
    if not is_valid_phone(v):
        raise field_error(field, "手机号应为以1开头的11位数字")
    return v


__all__ = [
    "ValidationFailed",
    "birth_date_of",
    "make_id_number",
    "make_uscc",
    "validate_id_number",
    "validate_phone",
    "validate_uscc",
]
