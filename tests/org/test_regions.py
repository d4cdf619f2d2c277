"""Regions: the national GB/T 2260 list from cpca, townships from an operator's CSV, the CLI."""

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from shuzheng.cli import app
from shuzheng.config import get_settings
from shuzheng.errors import PermissionDenied, ValidationFailed
from shuzheng.org import regions
from shuzheng.org.models import Region, RegionLevel
from tests import factories as f

runner = CliRunner()


def _all(session) -> dict[str, Region]:
    return {r.code: r for r in session.scalars(select(Region))}


def _count(session, level: RegionLevel | None = None) -> int:
    query = select(func.count()).select_from(Region)
    if level is not None:
        query = query.where(Region.level == level.value)
    return session.scalar(query)


def test_level_comes_from_the_code_structure() -> None:
    assert regions.level_of("370000") is RegionLevel.PROVINCE
    assert regions.level_of("370800") is RegionLevel.CITY
    assert regions.level_of("370811") is RegionLevel.COUNTY
    assert regions.level_of("469001") is RegionLevel.COUNTY


def test_national_list_loads_with_plausible_counts_and_no_dangling_parents(session) -> None:
    result = regions.load_national_regions(session)
    assert result.added > 3000
    counts = regions.count_by_level(session)
    assert counts[RegionLevel.PROVINCE] == 34  # incl. 台湾省, 香港, 澳门
    assert 330 <= counts[RegionLevel.CITY] <= 360
    assert 2800 <= counts[RegionLevel.COUNTY] <= 3000
    found = _all(session)
    for region in found.values():
        if region.level == RegionLevel.PROVINCE.value:
            assert region.parent_code is None, region.code
        else:
            assert region.parent_code in found, region.code
            parent = found[region.parent_code]
            assert region.code.startswith(parent.code[:2]), region.code
            assert parent.level != region.level, region.code
    assert found["370800"].name == "济宁市"
    assert found["370800"].parent_code == "370000"
    assert found["370811"].parent_code == "370800"
    assert all(r.official for r in found.values())


def test_municipalities_and_province_administered_counties_have_a_sensible_chain(session) -> None:
    regions.load_national_regions(session)
    path = [r.code for r in regions.region_path(session, "110101")]
    assert path[0] == "110000"
    assert path[-1] == "110101"
    assert "110100" in path or len(path) == 2
    # 琼海市 is administered by the province through 469000 (省直辖县级行政区划), never dangling.
    assert [r.code for r in regions.region_path(session, "469002")] == ["460000", "469000", "469002"]


def test_city_district_placeholders_are_not_loaded_as_counties(session) -> None:
    regions.load_national_regions(session)
    assert session.get(Region, "370801") is None  # 济宁市 "市辖区": a statistical placeholder
    assert session.get(Region, "110100") is not None  # but 北京市's districts hang under 110100


def test_loading_again_adds_nothing(session) -> None:
    first = regions.load_national_regions(session)
    before = _count(session)
    second = regions.load_national_regions(session)
    assert second.added == 0
    assert second.already_present == first.total
    assert _count(session) == before


def test_loading_keeps_regions_already_there(session) -> None:
    f.regions(session)  # 山东省 and the demo city, as other tests create them
    result = regions.load_national_regions(session)
    assert result.already_present == 1  # 370000
    assert session.get(Region, "379900").official is False


def test_loading_needs_the_org_permission_when_an_actor_is_given(session) -> None:
    with pytest.raises(PermissionDenied):
        regions.load_national_regions(session, f.actor(session, f.staff(session, "data_officer")))


# ---------------------------------------------------------------- townships

GOOD_CSV = (
    "code,name,parent_code\n370811001,越河街道,370811\n370811002,仙营街道,370811\n370826100,夏镇街道,370826\n"
)


def test_townships_import_under_their_county(session) -> None:
    regions.load_national_regions(session)
    result = regions.import_townships(session, None, GOOD_CSV.encode())
    assert result.added == 3
    town = session.get(Region, "370811001")
    assert (town.name, town.level, town.parent_code, town.official) == (
        "越河街道",
        RegionLevel.TOWNSHIP.value,
        "370811",
        False,
    )
    assert [r.name for r in regions.region_path(session, "370811001")] == [
        "山东省",
        "济宁市",
        "任城区",
        "越河街道",
    ]


def test_importing_the_same_file_again_adds_nothing(session) -> None:
    regions.load_national_regions(session)
    regions.import_townships(session, None, GOOD_CSV)
    again = regions.import_townships(session, None, GOOD_CSV)
    assert (again.added, again.already_present) == (0, 3)


def test_excel_style_files_are_read(session) -> None:
    regions.load_national_regions(session)
    assert regions.import_townships(session, None, ("\ufeff" + GOOD_CSV).encode("utf-8")).added == 3
    other = "code,name,parent_code\r\n370827100,谷亭街道,370827\r\n"
    assert regions.import_townships(session, None, other.encode("gb18030")).added == 1


def test_bad_rows_are_reported_by_line_and_nothing_is_written(session) -> None:
    regions.load_national_regions(session)
    regions.import_townships(session, None, GOOD_CSV)
    before = _count(session, RegionLevel.TOWNSHIP)
    bad = (
        "code,name,parent_code\n"
        "370828001,金乡街道,370828\n"  # line 2: fine on its own
        "37082800,短代码,370828\n"  # line 3
        "370828002,,370828\n"  # line 4
        "990101001,无上级,990101\n"  # line 5
        "370829001,错位,370828\n"  # line 6
        "370828001,重复,370828\n"  # line 7
        "370811001,改名街道,370811\n"  # line 8: exists under another name
        "370000001,省下,370000\n"  # line 9: a province is no parent of a township
    )
    with pytest.raises(ValidationFailed) as info:
        regions.import_townships(session, None, bad.encode())
    message = info.value.message
    for line, words in [
        (3, "9位数字"),
        (4, "名称不能为空"),
        (5, "上级行政区划不存在"),
        (6, "前6位"),
        (7, "与第2行重复"),
        (8, "已存在"),
        (9, "省级"),
    ]:
        assert f"第{line}行" in message and words in message, (line, message)
    assert "第2行：" not in message
    assert [(d["row"], d["column"]) for d in info.value.details][:2] == [(3, "code"), (4, "name")]
    assert {d["row"] for d in info.value.details} == {3, 4, 5, 6, 7, 8, 9}
    assert _count(session, RegionLevel.TOWNSHIP) == before
    assert session.get(Region, "370828001") is None


@pytest.mark.parametrize(
    ("text", "words"),
    [("代码,名称\n1,2\n", "表头"), ("code,name,parent_code\n", "没有数据行"), ("", "表头")],
)
def test_a_file_without_header_or_rows_is_refused(session, text: str, words: str) -> None:
    with pytest.raises(ValidationFailed, match=words):
        regions.import_townships(session, None, text)


# ---------------------------------------------------------------- CLI


@pytest.fixture
def cli_db(fresh_database, monkeypatch):
    monkeypatch.setenv("SHUZHENG_DATABASE_URL", fresh_database.url)
    get_settings.cache_clear()
    yield fresh_database
    get_settings.cache_clear()


def test_cli_loads_imports_and_shows(cli_db, tmp_path) -> None:
    first = runner.invoke(app, ["regions", "load"])
    assert first.exit_code == 0, first.output
    assert "省级 34 个" in first.output
    again = runner.invoke(app, ["regions", "load"])
    assert "新增 0 条" in again.output

    csv_file = tmp_path / "townships.csv"
    csv_file.write_text(GOOD_CSV, encoding="utf-8")
    imported = runner.invoke(app, ["regions", "import", str(csv_file)])
    assert imported.exit_code == 0, imported.output
    assert "新增 3 条" in imported.output

    shown = runner.invoke(app, ["regions", "show", "370811"])
    assert shown.exit_code == 0, shown.output
    assert "山东省 › 济宁市 › 任城区" in shown.output
    assert "370811001  越河街道" in shown.output

    missing = runner.invoke(app, ["regions", "show", "999999"])
    assert missing.exit_code != 0
    assert "行政区划不存在" in missing.output


def test_cli_refuses_a_bad_file_with_line_numbers_and_writes_nothing(cli_db, tmp_path) -> None:
    runner.invoke(app, ["regions", "load"])
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text(
        "code,name,parent_code\n370811001,越河街道,370811\n3708110,坏,370811\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["regions", "import", str(csv_file)])
    assert result.exit_code == 2
    assert "第3行" in result.output
    with cli_db.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Region).where(Region.level == "township")) == 0
