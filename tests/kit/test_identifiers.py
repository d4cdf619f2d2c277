import datetime as dt

import pytest

from shuzheng.errors import ValidationFailed
from shuzheng.kit.identifiers import (
    make_id_number,
    make_uscc,
    validate_id_number,
    validate_phone,
    validate_uscc,
)


def test_known_good_id_number_passes_and_is_compacted() -> None:
    assert validate_id_number(" 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1101051949123100", "18位"),
        ("11010519491231002A", "只能包含数字"),
        ("110105194912310021", "校验位"),
        (make_id_number("110105", dt.date(1949, 12, 31), 2)[:10] + "0230" + "0021", "校验位"),
    ],
)
def test_bad_id_numbers_say_why_in_chinese(value: str, reason: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_id_number(value)
    assert reason in info.value.message
    assert info.value.details[0]["field"] == "id_number"


def test_impossible_birth_date_with_valid_checksum_is_refused() -> None:
    body = "11010519490230002"  # 30 February
    from stdnum.cn import ric

    number = body + ric.calc_check_digit(body + "0")
    with pytest.raises(ValidationFailed, match="出生日期不存在"):
        validate_id_number(number)


@pytest.mark.parametrize("region", ["990105", "379902"])  # unknown province; known province, unknown county
def test_unknown_region_with_valid_checksum_is_refused(region: str) -> None:
    with pytest.raises(ValidationFailed, match="地区码不存在"):
        validate_id_number(make_id_number(region, dt.date(1980, 1, 1), 1))


def test_future_birth_date_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="不合理"):
        validate_id_number(make_id_number("110105", dt.date(2099, 1, 1), 1))


def test_generated_identifiers_are_valid() -> None:
    assert validate_id_number(make_id_number("370802", dt.date(1990, 2, 28), 17))
    assert validate_uscc(make_uscc("91", "370800", "MA3C4D5E")) == make_uscc("91", "370800", "MA3C4D5E")


def test_uscc_errors() -> None:
    assert validate_uscc("91110000600037341L")
    with pytest.raises(ValidationFailed, match="校验位"):
        validate_uscc("91110000600037341M")
    with pytest.raises(ValidationFailed, match="18位"):
        validate_uscc("9111000060003734")


def test_phone() -> None:
    assert validate_phone("138-1234-5678") == "13812345678"
    with pytest.raises(ValidationFailed, match="手机号"):
        validate_phone("1234")
