"""Reading what departments send: encodings, Excel, JSON Lines, Parquet, databases, and broken files."""

import datetime as dt
import json
import sqlite3

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from shuzheng.errors import ValidationFailed
from shuzheng.ingest import readers
from tests.ingest.helpers import HEADER, people, person_spec, run_engine, write_csv

TRADITIONAL_ROW = ["臺灣省臺北市萬華區", "張偉"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_each_encoding_is_detected_and_read(tmp_path, encoding) -> None:
    rows = people(5)
    rows[0][1] = "欧阳娜娜"
    path = write_csv(tmp_path / "p.csv", rows, encoding=encoding)
    run = run_engine(tmp_path, person_spec(), path)
    expected = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "gbk": "gb18030", "gb18030": "gb18030"}[encoding]
    assert run.raw.encoding == expected
    assert run.result.accepted == 5
    assert run.data[0]["name"] == "欧阳娜娜"


def test_gb18030_only_characters_survive(tmp_path) -> None:
    rows = people(1)
    rows[0][4] = "䶮街𠀀号"  # outside GBK: only GB18030 encodes these
    run = run_engine(tmp_path, person_spec(), write_csv(tmp_path / "p.csv", rows, encoding="gb18030"))
    assert run.data[0]["address"] == "䶮街𠀀号"


def test_a_gbk_line_in_a_utf8_file_is_named(tmp_path) -> None:
    path = write_csv(tmp_path / "p.csv", people(3))
    with path.open("ab") as fh:
        fh.write(",".join(people(1, start=9)[0]).replace("居民9", "王五").encode("gbk") + b"\n")
    with pytest.raises(ValidationFailed) as err:
        run_engine(tmp_path, person_spec(), path)
    assert "第5行" in err.value.message and "UTF-8" in err.value.message


def test_undecodable_bytes_in_a_gbk_file_are_named(tmp_path) -> None:
    path = write_csv(tmp_path / "p.csv", people(2), encoding="gbk")
    with path.open("ab") as fh:
        fh.write(b"370802,\xff\xff\xff,1,1990-01-01,x\n")
    with pytest.raises(ValidationFailed) as err:
        run_engine(tmp_path, person_spec(), path)
    assert "第4行" in err.value.message


def test_empty_file_and_header_only(tmp_path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ValidationFailed, match="文件为空"):
        run_engine(tmp_path, person_spec(), empty)
    bom_only = tmp_path / "bom.csv"
    bom_only.write_bytes(b"\xef\xbb\xbf\n")
    with pytest.raises(ValidationFailed, match="文件为空"):
        run_engine(tmp_path, person_spec(), bom_only)
    header_only = write_csv(tmp_path / "header.csv", [])
    with pytest.raises(ValidationFailed, match="只有表头"):
        run_engine(tmp_path, person_spec(), header_only)


def test_ragged_rows_are_listed_with_line_numbers(tmp_path) -> None:
    rows = people(6)
    rows[1] = rows[1][:3]
    rows[4] = [*rows[4], "多余"]
    with pytest.raises(ValidationFailed) as err:
        run_engine(tmp_path, person_spec(), write_csv(tmp_path / "p.csv", rows))
    lines = {d["field"]: d["message"] for d in err.value.details}
    assert set(lines) == {"第3行", "第6行"}
    assert "列数少于表头" in lines["第3行"] and "表头5列，该行3列" in lines["第3行"]
    assert "列数多于表头" in lines["第6行"]


def test_headers_by_label_name_and_with_notes(tmp_path) -> None:
    header = ["id_number", "姓名（必填）", "*性别", "出生 日期", "户籍地址"]
    run = run_engine(tmp_path, person_spec(), write_csv(tmp_path / "p.csv", people(2), header=header))
    assert run.result.accepted == 2


def test_unknown_headers_get_a_suggested_mapping(tmp_path) -> None:
    header = ["证件号码", "姓名", "性别", "生日", "户籍地址", "序号"]
    rows = [[*r, str(i)] for i, r in enumerate(people(2))]
    path = write_csv(tmp_path / "p.csv", rows, header=header)
    with pytest.raises(ValidationFailed) as err:
        run_engine(tmp_path, person_spec(), path)
    message = err.value.message
    assert "身份证号" in message and "出生日期" in message
    assert "生日=birth_date" in message
    # The suggestion, given back as a mapping, loads the file; 序号 is ignored with a note.
    run = run_engine(tmp_path, person_spec(), path, mapping={"证件号码": "id_number", "生日": "birth_date"})
    assert run.result.accepted == 2


def test_duplicate_and_blank_headers(tmp_path) -> None:
    header = ["身份证号", "姓名", "姓名", "出生日期", "户籍地址"]
    with pytest.raises(ValidationFailed, match="表头重复"):
        run_engine(tmp_path, person_spec(), write_csv(tmp_path / "d.csv", people(1), header=header))
    header = ["身份证号", "", "性别", "出生日期", "户籍地址"]
    with pytest.raises(ValidationFailed) as err:
        run_engine(tmp_path, person_spec(), write_csv(tmp_path / "b.csv", people(1), header=header))
    assert any(d["field"] == "第2列" and "表头为空" in d["message"] for d in err.value.details)


def test_xlsx_with_a_title_row_typed_cells_and_blank_rows(tmp_path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["示范市户籍人口信息表"])
    ws.merge_cells("A1:E1")
    ws.append(HEADER)
    for row in people(3):
        ws.append([row[0], row[1], int(row[2]), dt.datetime.fromisoformat(row[3]), row[4]])
    ws.append([None] * 5)
    ws.append(people(1, start=7)[0])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    run = run_engine(tmp_path, person_spec(), path)
    assert run.result.rows_read == 4 and run.result.accepted == 4
    assert "表头位于第2行" in run.raw.notes


def test_xlsx_cells_beyond_the_header_are_refused(tmp_path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append([*people(1)[0], "错列"])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    with pytest.raises(ValidationFailed, match="第2行"):
        run_engine(tmp_path, person_spec(), path)


def test_xlsx_merged_header_cells_are_blank_headers(tmp_path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["身份证号", "姓名", None, "出生日期", "户籍地址"])
    ws.merge_cells("B1:C1")
    ws.append(people(1)[0])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    with pytest.raises(ValidationFailed, match="合并单元格"):
        run_engine(tmp_path, person_spec(), path)


def test_json_lines(tmp_path) -> None:
    path = tmp_path / "p.jsonl"
    records = [
        dict(zip(["id_number", "name", "sex", "birth_date", "address"], r, strict=True)) for r in people(3)
    ]
    records[1]["sex"] = 2  # numbers are read as text
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    run = run_engine(tmp_path, person_spec(), path)
    assert run.result.accepted == 3 and run.data[1]["sex"] == "2"


def test_json_lines_with_a_broken_line(tmp_path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"身份证号": "1"}\n{"身份证号": \n', encoding="utf-8")
    with pytest.raises(ValidationFailed, match="第2行"):
        run_engine(tmp_path, person_spec(), path)


def test_parquet(tmp_path) -> None:
    rows = people(4)
    table = pa.table(
        {
            "身份证号": [r[0] for r in rows],
            "姓名": [r[1] for r in rows],
            "性别": [int(r[2]) for r in rows],
            "出生日期": [dt.date.fromisoformat(r[3]) for r in rows],
            "户籍地址": [r[4] for r in rows],
        }
    )
    path = tmp_path / "p.parquet"
    pq.write_table(table, path)
    run = run_engine(tmp_path, person_spec(), path)
    assert run.result.accepted == 4
    assert run.data[0]["birth_date"] == dt.date.fromisoformat(rows[0][3])


def test_a_department_database_is_pulled(tmp_path) -> None:
    db = tmp_path / "dept.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE rk (sfzh TEXT, xm TEXT, xb INTEGER, csrq TEXT, dz TEXT)")
    conn.executemany(
        "INSERT INTO rk VALUES (?, ?, ?, ?, ?)", [(r[0], r[1], int(r[2]), r[3], r[4]) for r in people(6)]
    )
    conn.commit()
    conn.close()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    query = "SELECT sfzh AS 身份证号, xm AS 姓名, xb AS 性别, csrq AS 出生日期, dz AS 户籍地址 FROM rk WHERE xb = 2"
    raw = readers.pull_sql(f"sqlite:///{db}", query, scratch)
    assert raw.kind == "sql" and raw.headers == HEADER
    with pytest.raises(ValidationFailed, match="只能执行一条查询"):
        readers.pull_sql(f"sqlite:///{db}", "DELETE FROM rk", scratch)
    with pytest.raises(ValidationFailed, match="无法从部门数据库读取"):
        readers.pull_sql(f"sqlite:///{db}", "SELECT * FROM missing_table", scratch)


def test_unsupported_suffix(tmp_path) -> None:
    path = tmp_path / "p.doc"
    path.write_text("x")
    with pytest.raises(ValidationFailed, match="不支持的文件类型"):
        run_engine(tmp_path, person_spec(), path)
