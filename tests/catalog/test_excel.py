"""The catalog as an Excel workbook: round trip, row-numbered errors, all-or-nothing, formula injection."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from shuzheng.catalog import excel, service
from shuzheng.catalog.models import CatalogResource
from shuzheng.errors import DomainError, ValidationFailed
from shuzheng.ledger.models import LedgerEntry
from tests.catalog import factories as cf

INJECTION = "=cmd|' /C calc'!A0"


def _book(data: bytes):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(data))


def _bytes(wb) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rows(ws) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=False)) for row in values[1:]]


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def test_export_then_import_is_a_round_trip(session) -> None:
    c = cf.cast(session)
    code = cf.published(session, c)
    data = excel.export_catalog(session, c.officer, department_id=c.dept.id)
    wb = _book(data)
    assert wb.sheetnames == ["数据资源", "信息项", "校验规则", "填写说明"]
    resource = _rows(wb["数据资源"])[0]
    assert (resource["资源代码"], resource["资源名称"], resource["共享类型"], resource["目录类型"]) == (
        code,
        "人口基础信息",
        "有条件共享",
        "基础信息资源",
    )
    fields = _rows(wb["信息项"])
    assert [f["字段名"] for f in fields] == ["id_number", "name", "sex", "birth_date"]
    assert (fields[0]["主键"], fields[0]["标识类型"], fields[0]["分级"]) == ("是", "身份证号", "核心数据")
    assert fields[2]["代码表"] == "1\n2\n9"

    again = excel.import_catalog(session, c.officer, data)
    assert (again.created, again.revised, again.unchanged) == ([], [], [code])

    fields_ws = wb["信息项"]
    fields_ws.append(
        [code, 5, "nation", "民族", "字符型", None, "否", "否", "一般", "否", "无条件", "不予开放"]
    )
    wb["数据资源"]["I2"] = "实时"  # 更新周期
    changed = excel.import_catalog(session, c.officer, _bytes(wb), submit=True)
    assert (changed.revised, changed.submitted) == ([code], [code])
    service.approve(session, c.operator, code)
    s = service.published_spec(session, code)
    assert s.version == 2 and s.field("nation").label == "民族" and s.update_cycle.value == "realtime"


def test_new_resources_keep_their_codes_and_may_relate_to_each_other(session) -> None:
    c = cf.cast(session)
    wb = Workbook()
    ws = wb.active
    ws.title = "数据资源"
    ws.append(["资源代码", "资源名称", "提供方部门编码", "目录类型", "关联资源"])
    a, b = f"101001001-{c.dept.code}-00007", f"301001001-{c.dept.code}-00008"
    ws.append([a, "人口基础信息", c.dept.code, "基础", b])
    ws.append([b, "婚姻登记信息", None, "部门", a])  # provider taken from the code
    fields = wb.create_sheet("信息项")
    fields.append(["资源代码", "字段名", "中文名称", "数据类型", "必填", "主键", "代码表"])
    fields.append([a, "id_number", "身份证号", "字符", "是", "是", None])
    fields.append([b, "certificate_no", "登记证字号", "字符", "是", "是", None])
    fields.append([b, "kind", "登记类型", "字符", "否", "否", "结婚登记，离婚登记"])
    outcome = excel.import_catalog(session, c.officer, _bytes(wb))
    assert outcome.created == [a, b]
    draft = service.open_revision(session, service.get_resource(session, b))
    assert draft.related_codes == [a] and draft.fields[1].code_list == ["结婚登记", "离婚登记"]


def test_a_bad_workbook_reports_every_row_and_writes_nothing(session) -> None:
    c = cf.cast(session)
    before = (_count(session, CatalogResource), _count(session, LedgerEntry))
    wb = Workbook()
    ws = wb.active
    ws.title = "数据资源"
    ws.append(
        [
            "资源代码",
            "资源名称",
            "提供方部门编码",
            "目录类型",
            "共享类型",
            "开放类型",
            "资源摘要",
            "来源业务系统",
            "共享条件",
        ]
    )
    good = f"101001001-{c.dept.code}-00001"
    ws.append([good, "人口基础信息", c.dept.code, "基础", "有条件", "不予开放", "摘要", "系统", "依职责"])
    ws.append([f"101001001-{c.dept.code}-00002", "法人", c.dept.code, "基础", "不予共享", "无条件开放"])
    ws.append([f"101001001-{c.dept.code}-00003", "", "nope", "基础"])
    fields = wb.create_sheet("信息项")
    fields.append(
        [
            "资源代码",
            "字段名",
            "中文名称",
            "数据类型",
            "必填",
            "主键",
            "代码表",
            "格式（正则表达式）",
            "标识类型",
        ]
    )
    fields.append([good, "id_number", "身份证号", "整数", "是", "是", None, None, "身份证号"])
    fields.append([good, "sex", "性别", "字符", "可能", "否", "1\n2\n1", "[0-9", None])
    fields.append(["101001001-x-00009", "a", "甲", "字符"])
    with pytest.raises(ValidationFailed) as err:
        excel.import_catalog(session, c.officer, _bytes(wb), submit=True)
    found = {(d["sheet"], d["row"], d["header"]): d["message"] for d in err.value.details}
    assert found[("数据资源", 4, "提供方部门编码")] == "部门编码「nope」不存在"
    assert found[("信息项", 3, "必填")] == "「可能」应填“是”或“否”"
    assert found[("信息项", 4, "资源代码")] == "资源代码「101001001-x-00009」不在「数据资源」工作表中"
    assert err.value.message.startswith("导入未完成，未写入任何数据：共")
    assert (_count(session, CatalogResource), _count(session, LedgerEntry)) == before

    # The same workbook with the file-level problems fixed: the service's checks, placed on their cells.
    ws.delete_rows(4)
    fields.delete_rows(4)
    fields["E3"] = "否"
    with pytest.raises(ValidationFailed) as err:
        excel.import_catalog(session, c.officer, _bytes(wb), submit=True)
    found = {(d["sheet"], d["row"], d["column"]): d["message"] for d in err.value.details}
    assert found[("信息项", 2, "D")].startswith("数据类型：标识类型为身份证号的信息项必须是字符型")
    assert found[("信息项", 3, "G")] == "代码表：代码值「1」重复，代码表中的值必须唯一"
    assert found[("信息项", 3, "H")].startswith("格式（正则表达式）：「[0-9」不是有效的正则表达式")
    assert (
        found[("数据资源", 3, "F")] == "开放类型：不予共享的资源不能无条件开放（共享类型与开放类型相互矛盾）"
    )
    assert "工作表「信息项」第3行 G列（代码表）" in {d["field"] for d in err.value.details}
    assert (_count(session, CatalogResource), _count(session, LedgerEntry)) == before


def test_files_that_are_not_catalog_workbooks(session) -> None:
    c = cf.cast(session)
    with pytest.raises(DomainError, match="不是有效的 Excel 工作簿"):
        excel.import_catalog(session, c.officer, "资源代码,资源名称\n".encode("gbk"))
    with pytest.raises(DomainError, match="文件为空"):
        excel.import_catalog(session, c.officer, b"")
    wb = Workbook()
    wb.active.title = "Sheet1"
    with pytest.raises(DomainError, match="缺少工作表：「数据资源」、「信息项」"):
        excel.import_catalog(session, c.officer, _bytes(wb))
    wb.active.title = "数据资源"
    wb.active.append(["资源名称"])
    wb.create_sheet("信息项").append(["资源代码", "字段名", "中文名称"])
    with pytest.raises(DomainError, match="工作表「数据资源」缺少列：资源代码"):
        excel.import_catalog(session, c.officer, _bytes(wb))


def test_formula_injection_comes_out_inert(session) -> None:
    c = cf.cast(session)
    code = cf.published(session, c, cf.person(INJECTION, summary="+1+1", source_system="@SUM(A1)"))
    data = excel.export_catalog(session, c.officer)
    ws = _book(data)["数据资源"]
    row = next(r for r in _rows(ws) if r["资源代码"] == code)
    assert (
        row["资源名称"] == "'" + INJECTION
        and row["资源摘要"] == "'+1+1"
        and row["来源业务系统"] == "'@SUM(A1)"
    )
    cell = next(c for c in ws["B"] if c.value == "'" + INJECTION)
    assert cell.data_type == "s"  # text, not a formula
    assert (
        excel.neutralise("\tx") == "'\tx"
        and excel.neutralise("-5") == "'-5"
        and excel.neutralise("正常") == "正常"
    )
    # and the quote is taken off again on import: nothing changed
    assert excel.import_catalog(session, c.officer, data).unchanged == [code]
