"""Normalisation and validation, cell by cell: what is cleaned, what is refused and why."""

import datetime as dt
from decimal import Decimal

import duckdb
import pytest
from stdnum.cn import ric

from shuzheng.catalog.spec import DataType, FieldSpec
from tests.ingest.helpers import people, person_id, person_spec, run_engine, typed_spec, uscc, write_csv

TYPED_HEADER = [
    "编码",
    "日期",
    "时间",
    "数量",
    "金额",
    "是否有效",
    "统一社会信用代码",
    "手机号",
    "行政区划代码",
    "备注",
    "车牌",
]
GOOD = [
    "A1",
    "2023-07-12",
    "2023-07-12 08:30:00",
    "12",
    "3.50",
    "是",
    uscc(1),
    "13812345678",
    "370802",
    "ok",
    "B12345",
]


def typed_run(tmp_path, *changes: dict[int, str]):
    rows = []
    for n, change in enumerate(changes):
        row = list(GOOD)
        row[0] = f"A{n}"
        for index, value in change.items():
            row[index] = value
        rows.append(row)
    return run_engine(tmp_path, typed_spec(), write_csv(tmp_path / "t.csv", rows, header=TYPED_HEADER))


@pytest.mark.parametrize(
    "written",
    [
        "2023年7月12日",
        "2023/7/12",
        "20230712",
        "2023.07.12",
        "2023-7-12",
        "2023-07-12",
        " 2023 年 7 月 12 日 ",
        "２０２３－０７－１２",
    ],
)
def test_dates_in_the_formats_people_write(tmp_path, written) -> None:
    run = typed_run(tmp_path, {1: written})
    assert run.result.rejected == 0, run.rejected_rows()
    assert run.data[0]["day"] == dt.date(2023, 7, 12)


@pytest.mark.parametrize("written", ["2023-02-30", "2023年2月30日", "20230230", "2023-13-01", "2023/2/29"])
def test_impossible_dates_are_rejected_as_not_existing(tmp_path, written) -> None:
    run = typed_run(tmp_path, {1: written})
    assert run.rejected_rows() == {2: ["日期不存在"]}
    assert run.rejects[0]["_errors"][0]["value"] == written


@pytest.mark.parametrize("written", ["明天", "23-7-12", "epoch", "2023-07", "0000-01-01"])
def test_things_that_are_not_dates(tmp_path, written) -> None:
    run = typed_run(tmp_path, {1: written})
    assert run.result.rejected == 1
    assert run.rejects[0]["_errors"][0]["field"] == "day"


def test_full_width_digits_and_letters_become_half_width(tmp_path) -> None:
    run = typed_run(tmp_path, {3: "１２", 10: "Ｂ１２３４５", 7: "１３８１２３４５６７８", 9: "ＡＢ　ｃ"})
    assert run.result.rejected == 0, run.rejected_rows()
    row = run.data[0]
    assert (row["count"], row["plate"], row["phone"], row["text"]) == (12, "B12345", "13812345678", "AB c")


def test_whitespace_is_trimmed_and_collapsed(tmp_path) -> None:
    run = typed_run(tmp_path, {9: "  a \t b  ", 3: " 1 2 ", 7: "138 1234 5678"})
    row = run.data[0]
    assert (row["text"], row["count"], row["phone"]) == ("a b", 12, "13812345678")


def test_blank_and_null_markers_are_missing_values(tmp_path) -> None:
    run = typed_run(tmp_path, {9: "NULL", 4: "", 3: "N/A"})
    assert run.result.rejected == 0
    assert (run.data[0]["text"], run.data[0]["amount"], run.data[0]["count"]) == (None, None, None)


def test_numbers_booleans_and_their_mistakes(tmp_path) -> None:
    run = typed_run(
        tmp_path,
        {3: "1,000", 4: "¥1,234.50", 5: "否"},
        {3: "12.0"},
        {3: "1e3"},
        {3: "0x12"},
        {3: "1001"},
        {4: "-1"},
        {5: "也许"},
        {4: "abc"},
    )
    assert (
        run.data[0]["count"] == 1000
        and run.data[0]["amount"] == Decimal("1234.5")
        and run.data[0]["flag"] is False
    )
    assert run.data[1]["count"] == 12
    assert run.rejected_rows() == {
        4: ["应为整数"],
        5: ["应为整数"],
        6: ["不能大于1000"],
        7: ["不能小于0"],
        8: ["应为“是”或“否”"],
        9: ["应为数字"],
    }


def test_identifiers_codes_patterns_and_lengths(tmp_path) -> None:
    bad_uscc = uscc(2)[:-1] + ("0" if uscc(2)[-1] != "0" else "1")
    run = typed_run(
        tmp_path,
        {6: bad_uscc},
        {6: "9137080012345678"},
        {7: "23812345678"},
        {8: "37080"},
        {9: "这段备注显然超过了十个字"},
        {10: "b12345x"},
        {6: uscc(3).lower()},  # lower case is only a typing difference
    )
    assert run.rejected_rows() == {
        2: ["统一社会信用代码校验位不正确"],
        3: ["统一社会信用代码应为18位"],
        4: ["手机号应为以1开头的11位数字"],
        5: ["行政区划代码应为6位（或乡镇9位）数字"],
        6: ["超过最大长度10个字符"],
        7: ["格式不符合要求"],
    }
    assert run.data[0]["uscc"] == uscc(3)


def test_id_number_problems_each_have_their_reason(tmp_path) -> None:
    good = person_id(1)
    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    no_such_birth = "370802" + "19900230" + "123"
    no_such_birth += __import__("stdnum.cn.ric", fromlist=["x"]).calc_check_digit(no_such_birth + "0")
    rows = [
        [wrong_check, "甲", "1", "1990-05-17", ""],
        [good[:17], "乙", "1", "1990-05-17", ""],
        [no_such_birth, "丙", "1", "1990-02-28", ""],
        [
            person_id(2).lower()[:-1] + "x" if person_id(2).endswith("X") else person_id(2),
            "丁",
            "1",
            "1990-05-17",
            "",
        ],
        ["37080219900517123A", "戊", "1", "1990-05-17", ""],
        [person_id(3, dt.date(1975, 5, 17)), "己", "1", "1975-05-17", ""],  # 370802 did not exist in 1975
    ]
    run = run_engine(tmp_path, person_spec(), write_csv(tmp_path / "p.csv", rows))
    assert run.rejected_rows() == {
        2: ["身份证号校验位不正确"],
        3: ["身份证号应为18位"],
        4: ["身份证号中的出生日期不存在"],
        6: ["身份证号只能包含数字，最后一位可以是X"],
        7: ["身份证号中的地区码不存在（或出生时尚未设立）"],
    }


def test_required_fields_and_the_birth_date_rule(tmp_path) -> None:
    rows = people(3)
    rows[0][1] = ""
    rows[1][3] = "1985-01-09"  # the 身份证号 says 1985-01-15
    rows[2][2] = "3"
    run = run_engine(tmp_path, person_spec(), write_csv(tmp_path / "p.csv", rows))
    assert run.rejected_rows() == {
        2: ["必填项为空"],
        3: ["身份证号中的出生日期与出生日期不一致"],
        4: ["不在代码表中（可选：1、2、9）"],
    }
    categories = {r.reason: r.category for r in run.result.reasons}
    assert categories["必填项为空"] == "completeness"
    assert categories["身份证号中的出生日期与出生日期不一致"] == "consistency"
    assert run.result.rows_failing == {"completeness": 1, "consistency": 1, "validity": 1}


def test_a_row_with_several_problems_lists_each_field_once(tmp_path) -> None:
    rows = people(1)
    rows[0][2] = "7"
    rows[0][3] = "2023-02-30"
    run = run_engine(tmp_path, person_spec(), write_csv(tmp_path / "p.csv", rows))
    assert sorted(run.rejected_rows()[2]) == sorted(["不在代码表中（可选：1、2、9）", "日期不存在"])


def test_duplicate_keys_reject_every_copy(tmp_path) -> None:
    rows = people(4)
    rows.append(list(rows[1]))
    rows.append(list(rows[1]))
    run = run_engine(tmp_path, person_spec(), write_csv(tmp_path / "p.csv", rows))
    assert run.result.accepted == 3
    assert set(run.rejected_rows()) == {3, 6, 7}
    value = run.rejects[0]["_errors"][0]["value"]
    assert "共3行" in value and "首次出现在第3行" in value
    assert run.result.rows_failing == {"uniqueness": 3}


def test_traditional_characters_become_simplified_where_the_field_asks(tmp_path) -> None:
    rows = people(2)
    rows[0][1], rows[0][4] = "張偉", "臺灣省臺北市萬華區"
    spec = person_spec()
    run = run_engine(tmp_path, spec, write_csv(tmp_path / "p.csv", rows))
    assert (run.data[0]["name"], run.data[0]["address"]) == ("张伟", "台湾省台北市万华区")
    assert run.data[1]["name"] == "居民2"


def test_completeness_counts_filled_cells(tmp_path) -> None:
    rows = people(4)
    rows[0][4] = ""
    rows[1][2] = "x"  # filled but invalid: still filled
    run = run_engine(tmp_path, person_spec(), write_csv(tmp_path / "p.csv", rows))
    assert run.result.filled == {"id_number": 4, "name": 4, "sex": 4, "birth_date": 4, "address": 3}


def test_row_numbers_stay_exact_when_a_large_file_is_read_on_several_threads(tmp_path) -> None:
    """DuckDB splits a file this size between threads; the pipeline numbers rows as they stream out,
    which is only right if the check query keeps source order (no join, no window)."""
    path = tmp_path / "large.csv"
    count, every = 400_000, 9_973
    con = duckdb.connect()
    con.execute("SET threads = 4")
    # Valid numbers of 370802 (1985–2012 births), a wrong check character on every `every`-th row.
    con.execute(
        f"""
        COPY (
          WITH n AS (SELECT i, '370802' || strftime(DATE '1985-01-01' + CAST(i % 9000 AS INTEGER), '%Y%m%d')
                               || lpad(CAST(i // 9000 AS VARCHAR), 3, '0') AS body FROM range({count}) t(i))
          SELECT body || CASE WHEN i % {every} = 0 THEN 'Y' ELSE '?' END AS 身份证号, '居民' || i AS 姓名,
                 '1' AS 性别, strftime(DATE '1985-01-01' + CAST(i % 9000 AS INTEGER), '%Y-%m-%d') AS 出生日期,
                 '地址' || i AS 户籍地址
          FROM n
        ) TO '{path}' (HEADER)
        """
    )
    con.close()
    # The check characters, from stdnum (the file above has placeholders).
    text = path.read_text(encoding="utf-8").split("\n")
    for n in range(1, len(text)):
        if text[n]:
            number, rest = text[n].split(",", 1)
            check = ric.calc_check_digit(number[:17] + "0")
            if number[17] == "Y":
                check = "0" if check != "0" else "1"
            text[n] = number[:17] + check + "," + rest
    path.write_text("\n".join(text), encoding="utf-8")

    run = run_engine(tmp_path, person_spec(), path)
    expected = {i + 2: ["身份证号校验位不正确"] for i in range(0, count, every)}
    assert run.rejected_rows() == expected
    assert run.result.accepted == count - len(expected)
    names = [row["name"] for row in run.data]
    assert names[:3] == ["居民1", "居民2", "居民3"]
    assert names == sorted(names, key=lambda name: int(name[2:]))  # data kept in source order


def test_a_long_code_list_and_a_region_error_beside_another_fields_error(tmp_path) -> None:
    fields = list(person_spec().fields)
    fields[2] = FieldSpec("sex", "性别", DataType.STRING, code_list=tuple(f"{n:03d}" for n in range(200)))
    spec = person_spec(fields=tuple(fields))
    rows = people(3)
    rows[0][2] = "007"
    rows[1][2] = "7"
    rows[2][0] = person_id(9, dt.date(1975, 5, 17))  # 370802 did not exist in 1975
    rows[2][3] = "1975-05-17"
    rows[2][2] = "200"
    run = run_engine(tmp_path, spec, write_csv(tmp_path / "p.csv", rows))
    assert run.rejected_rows()[3] == [
        "不在代码表中（可选：000、001、002、003、004、005、006、007、008、009等）"
    ]
    assert sorted(run.rejected_rows()[4]) == sorted(
        [
            "身份证号中的地区码不存在（或出生时尚未设立）",
            "不在代码表中（可选：000、001、002、003、004、005、006、007、008、009等）",
        ]
    )
    assert 2 not in run.rejected_rows()
