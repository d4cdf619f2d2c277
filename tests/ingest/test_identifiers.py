"""The vectorised 身份证号 and 统一社会信用代码 checks agree with python-stdnum, value for value, on
thousands of generated numbers — valid ones and every common kind of corruption."""

import datetime as dt
import random

from stdnum.cn import ric
from stdnum.cn import uscc as stdnum_uscc

from shuzheng.catalog.spec import DataType, FieldSpec, IdentifierKind
from shuzheng.ingest import validate
from shuzheng.kit.identifiers import make_uscc
from tests.ingest.helpers import person_spec, run_engine, write_csv

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def stdnum_ric_valid(number: str) -> bool:
    try:
        return ric.is_valid(number)
    except KeyError:  # stdnum's own bug for a known province with an unknown county
        return False


def id_numbers(rnd: random.Random, count: int) -> list[str]:
    regions = validate.birth_regions()
    out = []
    while len(out) < count:
        code, lo, hi = rnd.choice(regions)
        year = rnd.randint(max(lo, 1900), min(hi, 2025)) if max(lo, 1900) <= min(hi, 2025) else 1990
        birth = dt.date(year, 1, 1) + dt.timedelta(days=rnd.randint(0, 364))
        body = f"{code}{birth:%Y%m%d}{rnd.randint(0, 999):03d}"
        number = body + ric.calc_check_digit(body + "0")
        kind = rnd.randint(0, 5)
        if kind == 1:  # another check character
            number = number[:-1] + rnd.choice([c for c in "0123456789X" if c != number[-1]])
        elif kind == 2:  # one digit mistyped
            i = rnd.randint(0, 16)
            number = number[:i] + str((int(number[i]) + rnd.randint(1, 9)) % 10) + number[i + 1 :]
        elif kind == 3:  # a day that does not exist
            number = number[:10] + "0230" + number[14:17]
            number += ric.calc_check_digit(number + "0")
        elif kind == 4:  # a region that did not exist that year, or at all
            number = rnd.choice(["379902", "110199", "990101", code]) + number[6:17]
            number = number + ric.calc_check_digit(number + "0")
        out.append(number)
    return out


def usccs(rnd: random.Random, count: int) -> list[str]:
    out = []
    for _ in range(count):
        org = "".join(rnd.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
        number = make_uscc(
            rnd.choice(["91", "92", "93", "11", "12", "52"]), f"{rnd.randint(110000, 659999)}", org
        )
        kind = rnd.randint(0, 3)
        if kind == 1:
            number = number[:-1] + rnd.choice([c for c in ALPHABET if c != number[-1]])
        elif kind == 2:
            i = rnd.randint(8, 16)
            number = number[:i] + rnd.choice([c for c in ALPHABET if c != number[i]]) + number[i + 1 :]
        elif kind == 3:
            number = number[:5] + "I" + number[6:]  # not a digit in the region part
        out.append(number)
    return out


def spec():
    return person_spec(
        code="900001001-test-00003",
        fields=(
            FieldSpec("n", "序号", DataType.STRING, required=True, is_key=True),
            FieldSpec("id", "身份证号", DataType.STRING, identifier=IdentifierKind.ID_NUMBER),
            FieldSpec("uscc", "统一社会信用代码", DataType.STRING, identifier=IdentifierKind.USCC),
        ),
        rules=(),
    )


def test_identifier_checks_agree_with_stdnum(tmp_path) -> None:
    rnd = random.Random(20261122)
    ids, codes = id_numbers(rnd, 3000), usccs(rnd, 3000)
    path = write_csv(
        tmp_path / "ids.csv",
        [[str(i), a, b] for i, (a, b) in enumerate(zip(ids, codes, strict=True))],
        header=["序号", "身份证号", "统一社会信用代码"],
    )
    run = run_engine(tmp_path, spec(), path)
    bad_id = {int(r["n"]) for r in run.rejects if any(e["field"] == "id" for e in r["_errors"])}
    bad_uscc = {int(r["n"]) for r in run.rejects if any(e["field"] == "uscc" for e in r["_errors"])}
    expected_bad_id = {i for i, number in enumerate(ids) if not stdnum_ric_valid(number)}
    expected_bad_uscc = {i for i, number in enumerate(codes) if not stdnum_uscc.is_valid(number)}
    assert bad_id == expected_bad_id
    assert bad_uscc == expected_bad_uscc
    # Both sides of the comparison are well represented.
    assert 1000 < len(expected_bad_id) < 2500 and 1000 < len(expected_bad_uscc) < 2500


def test_check_character_formula_is_stdnum_s() -> None:
    rnd = random.Random(7)
    import duckdb

    con = duckdb.connect()
    try:
        bodies = ["".join(rnd.choice("0123456789") for _ in range(17)) for _ in range(2000)]
        sql = validate.ric_check_char("CAST(b AS BIGINT)")
        got = [
            r[0]
            for r in con.execute(
                f"SELECT {sql} FROM (SELECT unnest($1::VARCHAR[]) AS b)", [bodies]
            ).fetchall()
        ]
        assert got == [ric.calc_check_digit(b + "0") for b in bodies]
        orgs = ["".join(rnd.choice(ALPHABET) for _ in range(17)) for _ in range(2000)]
        sql = validate.uscc_check_char("b")
        got = [
            r[0]
            for r in con.execute(f"SELECT {sql} FROM (SELECT unnest($1::VARCHAR[]) AS b)", [orgs]).fetchall()
        ]
        assert got == [stdnum_uscc.calc_check_digit(o + "0") for o in orgs]
    finally:
        con.close()
