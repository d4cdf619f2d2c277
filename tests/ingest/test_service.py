"""Loading through the service: versions, idempotency, incremental upserts, atomicity, corrections."""

import json

import pytest
from sqlalchemy import select

from shuzheng.errors import NotFound, PermissionDenied, ValidationFailed
from shuzheng.ingest import lake
from shuzheng.ingest import service as ingest
from shuzheng.ledger.models import LedgerEntry
from shuzheng.quality import service as quality
from tests import factories as f
from tests.ingest.factories import person_csv, person_rows, published_person


def entries(session, action: str) -> list[LedgerEntry]:
    return list(
        session.scalars(select(LedgerEntry).where(LedgerEntry.action == action).order_by(LedgerEntry.seq))
    )


def test_a_load_makes_a_version_with_files_counts_quality_and_a_ledger_entry(session, tmp_path) -> None:
    p = published_person(session)
    rows = person_rows(10)
    rows[3][2] = "5"
    summary = ingest.load(session, p.cast.officer, p.code, person_csv(tmp_path / "rk.csv", rows))
    v = summary.version
    assert (v.number, v.rows_read, v.accepted, v.rejected, v.row_count) == (1, 10, 9, 1, 9)
    assert [(r.field, r.reason, r.count, r.sample_rows) for r in v.reasons] == [
        ("sex", "不在代码表中（可选：1、2、9）", 1, [5])
    ]
    directory = lake.absolute(v.path)
    assert lake.sm3_file(directory / lake.DATA_FILE) == v.data_sm3
    assert json.loads((directory / lake.MANIFEST_FILE).read_text())["rows"] == 9
    assert not list(directory.parent.glob(".tmp-*"))
    report = quality.report_for(session, v.id)
    assert report is not None and report.validity == pytest.approx(0.9) and summary.score == report.score
    entry = entries(session, "ingest.load")[-1]
    payload = json.loads(entry.payload)
    assert payload["version"] == 1 and payload["rows"] == 9 and payload["data_sm3"] == v.data_sm3
    assert rows[0][0] not in entry.payload and "居民" not in entry.payload
    first = ingest.read_rows(session, p.code, limit=1)[0]
    assert first["id_number"] == rows[0][0] and first["birth_date"].isoformat() == rows[0][3]


def test_the_same_file_twice_adds_nothing_and_says_so(session, tmp_path) -> None:
    p = published_person(session)
    path = person_csv(tmp_path / "rk.csv", person_rows(5))
    first = ingest.load(session, p.cast.officer, p.code, path)
    again = ingest.load(session, p.cast.officer, p.code, path)
    assert again.unchanged and "源文件相同" in again.unchanged_reason and again.version.id == first.version.id
    # The same rows in another encoding: a different file, the same content.
    gbk = ingest.load(
        session, p.cast.officer, p.code, person_csv(tmp_path / "rk-gbk.csv", person_rows(5), "gbk")
    )
    assert gbk.unchanged and "数据内容" in gbk.unchanged_reason
    assert [v.number for v in ingest.list_versions(session, p.code)] == [1]
    assert json.loads(entries(session, "ingest.load")[-1].payload)["unchanged"] is True
    assert not list(lake.absolute(first.version.path).parent.glob(".tmp-*"))


def test_incremental_load_upserts_by_key(session, tmp_path) -> None:
    p = published_person(session)
    rows = person_rows(5)
    ingest.load(session, p.cast.officer, p.code, person_csv(tmp_path / "full.csv", rows))
    changed = [list(rows[1]), *person_rows(1, start=50)]
    changed[0][1] = "改名后"
    summary = ingest.load(
        session, p.cast.officer, p.code, person_csv(tmp_path / "inc.csv", changed), incremental=True
    )
    v = summary.version
    assert (v.number, v.mode, v.base_version, v.row_count, v.inserted, v.updated) == (
        2,
        "incremental",
        1,
        6,
        1,
        1,
    )
    assert ingest.read_rows(session, p.code, filters={"id_number": rows[1][0]})[0]["name"] == "改名后"
    assert (
        ingest.read_rows(session, p.code, version=1, filters={"id_number": rows[1][0]})[0]["name"] == "居民2"
    )
    assert ingest.count_rows(session, p.code) == 6
    again = ingest.load(
        session, p.cast.officer, p.code, person_csv(tmp_path / "inc2.csv", changed[:1]), incremental=True
    )
    assert again.unchanged


def test_a_failed_build_leaves_no_version_and_no_files(session, tmp_path) -> None:
    p = published_person(session)
    v1 = ingest.load(session, p.cast.officer, p.code, person_csv(tmp_path / "ok.csv", person_rows(3))).version
    rows = person_rows(3)
    rows[1] = rows[1][:2]
    with pytest.raises(ValidationFailed, match="第3行"):
        ingest.load(session, p.cast.officer, p.code, person_csv(tmp_path / "ragged.csv", rows))
    assert ingest.latest_version(session, p.code).id == v1.id
    resource_dir = lake.absolute(v1.path).parent
    assert [d.name for d in resource_dir.iterdir()] == [lake.absolute(v1.path).name]
    assert not any((lake.lake_dir() / lake.STAGING_DIR).iterdir())


def test_a_load_failing_after_publishing_is_rolled_back_with_its_files(
    session, tmp_path, monkeypatch
) -> None:
    p = published_person(session)
    v1 = ingest.load(session, p.cast.officer, p.code, person_csv(tmp_path / "ok.csv", person_rows(3))).version
    session.commit()

    def broken(*args, **kwargs):
        raise RuntimeError("磁盘已满")  # a fault after the directory was renamed into place

    monkeypatch.setattr(quality, "record_load", broken)
    with pytest.raises(RuntimeError):
        ingest.load(session, p.cast.officer, p.code, person_csv(tmp_path / "new.csv", person_rows(4)))
    assert len(list(lake.absolute(v1.path).parent.iterdir())) == 2  # v1 and the new one, not yet committed
    session.rollback()
    assert [v.number for v in ingest.list_versions(session, p.code)] == [1]
    assert [d.name for d in lake.absolute(v1.path).parent.iterdir()] == [lake.absolute(v1.path).name]
    assert ingest.count_rows(session, p.code) == 3


def test_only_the_provider_department_may_load(session, tmp_path) -> None:
    p = published_person(session)
    other = f.actor(session, f.staff(session, "data_officer"))
    with pytest.raises(PermissionDenied, match="超出本部门范围"):
        ingest.load(session, other, p.code, person_csv(tmp_path / "rk.csv", person_rows(2)))
    with pytest.raises(NotFound):
        ingest.load(session, p.cast.officer, "999999999-none-00001", tmp_path / "rk.csv")


def test_rejects_are_readable_with_reasons_by_the_provider_only(session, tmp_path) -> None:
    p = published_person(session)
    rows = person_rows(4)
    rows[2][3] = "2023-02-30"
    ingest.load(session, p.cast.officer, p.code, person_csv(tmp_path / "rk.csv", rows))
    total, page = ingest.read_rejects(session, p.cast.officer, p.code, 1)
    assert total == 1 and page[0].row == 4
    assert page[0].errors[0]["reason"] == "日期不存在" and page[0].errors[0]["value"] == "2023-02-30"
    other = f.actor(session, f.staff(session, "data_officer"))
    with pytest.raises(PermissionDenied):
        ingest.read_rejects(session, other, p.code, 1)


def test_a_correction_is_an_incremental_version_validated_like_a_load(session, tmp_path) -> None:
    p = published_person(session)
    rows = person_rows(3)
    ingest.load(session, p.cast.officer, p.code, person_csv(tmp_path / "rk.csv", rows))
    key = {"id_number": rows[0][0]}
    v2 = ingest.apply_correction(session, p.cast.officer, p.code, key, {"name": "張三"}, "户籍窗口核实")
    assert (v2.number, v2.mode, v2.row_count, v2.updated, v2.note) == (2, "correction", 3, 1, "户籍窗口核实")
    assert ingest.read_rows(session, p.code, filters=key)[0]["name"] == "張三"
    assert json.loads(entries(session, "ingest.correct")[-1].payload)["version"] == 2
    with pytest.raises(ValidationFailed, match="日期不存在"):
        ingest.apply_correction(session, p.cast.officer, p.code, key, {"birth_date": "2023-02-30"}, "核实")
    with pytest.raises(ValidationFailed):
        ingest.apply_correction(session, p.cast.officer, p.code, key, {"id_number": rows[1][0]}, "改主键")
    with pytest.raises(NotFound):
        ingest.apply_correction(
            session, p.cast.officer, p.code, {"id_number": person_rows(1, 99)[0][0]}, {"name": "x"}, "x"
        )
    assert ingest.latest_version(session, p.code).number == 2
    same = ingest.apply_correction(session, p.cast.officer, p.code, key, {"name": "張三"}, "重复确认")
    assert same.number == 2


def _column_layout(path) -> dict[str, tuple[bool, bool]]:  # type: ignore[no-untyped-def]
    """(has a Bloom filter, dictionary-encoded) per column of the first row group."""
    import pyarrow.parquet as pq

    group = pq.ParquetFile(path).metadata.row_group(0)
    columns = (group.column(i) for i in range(group.num_columns))
    return {
        c.path_in_schema: (c.bloom_filter_length not in (None, 0), c.has_dictionary_page) for c in columns
    }


def test_data_files_carry_bloom_filters_on_the_key_and_dictionaries_only_for_code_lists(
    session, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """What makes a lookup by 身份证号 read one row group instead of all, in a first load and in a
    merged (incremental) version alike."""
    p = published_person(session)
    rows = person_rows(5)
    first = ingest.load(session, p.cast.officer, p.code, person_csv(tmp_path / "full.csv", rows)).version
    merged = ingest.load(
        session,
        p.cast.officer,
        p.code,
        person_csv(tmp_path / "inc.csv", person_rows(1, start=50)),
        incremental=True,
    ).version
    for version in (first, merged):
        layout = _column_layout(lake.absolute(version.path) / lake.DATA_FILE)
        assert layout["id_number"] == (True, False), layout
        assert layout["sex"] == (False, True), layout
        assert layout["name"] == (False, False), layout
    assert ingest.read_rows(session, p.code, filters={"id_number": rows[3][0]})[0]["id_number"] == rows[3][0]
