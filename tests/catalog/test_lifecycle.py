"""Drafts → submitted → reviewed → published, with permissions, the ledger, versions and the contract."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from shuzheng.catalog import service, spec
from shuzheng.catalog.models import CatalogRevision
from shuzheng.catalog.validation import FieldInput
from shuzheng.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shuzheng.kit import clock
from shuzheng.ledger.models import LedgerEntry
from tests import factories as f
from tests.catalog import factories as cf


def _ledger(session, code: str) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    rows = session.scalars(
        select(LedgerEntry).where(LedgerEntry.subject == f"resource:{code}").order_by(LedgerEntry.seq)
    )
    return [(e.action, json.loads(e.payload)) for e in rows]


def test_the_code_is_classification_provider_and_sequence(session) -> None:
    c = cf.cast(session)
    first = cf.draft(session, c).resource
    second = cf.draft(session, c, cf.person("人口迁移信息")).resource
    assert first.code == f"101001001-{c.dept.code}-00001"
    assert second.code == f"101001001-{c.dept.code}-00002"
    theme = service.create_resource(
        session,
        c.officer,
        provider_department_id=c.dept.id,
        data=cf.person("社会救助对象", catalog_type="theme", theme="社会保障", classification=None),
    ).resource
    assert theme.code == f"202001001-{c.dept.code}-00003" and theme.theme == "02"


def test_lifecycle_with_permissions_and_a_ledger_entry_for_each_decision(session) -> None:
    c = cf.cast(session)
    stranger = f.actor(session, f.staff(session, "data_officer"))  # another department's officer
    revision = cf.draft(session, c)
    code = revision.resource.code

    with pytest.raises(PermissionDenied) as denied:
        service.save_draft(session, stranger, code, cf.person())
    assert denied.value.status == 403 and "超出本部门范围" in denied.value.message
    with pytest.raises(PermissionDenied):
        service.submit(session, stranger, code)
    with pytest.raises(NotFound) as unpublished:
        service.published_spec(session, code)
    assert "尚未发布" in unpublished.value.message

    service.submit(session, c.officer, code)
    with pytest.raises(Conflict):
        service.save_draft(session, c.officer, code, cf.person("改名"))
    with pytest.raises(PermissionDenied):
        service.approve(session, c.officer, code)  # an officer may not review
    with pytest.raises(ValidationFailed):
        service.reject(session, c.operator, code, "  ")  # a reason is required
    service.reject(session, c.operator, code, "摘要请写明数据范围")
    assert service.open_revision(session, revision.resource).status == "rejected"

    service.save_draft(session, c.officer, code, cf.person(summary="全市户籍人口（不含流动人口）"))
    service.submit(session, c.officer, code)
    with pytest.raises(Conflict) as stale:
        service.approve(session, c.operator, code, version=7)
    assert "第1版" in stale.value.message
    with clock.frozen(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)):
        service.approve(session, c.operator, code, version=1)

    resource = service.get_resource(session, code)
    assert (resource.status, resource.published_version) == ("published", 1)
    assert service.published_revision(session, resource).publish_date == dt.date(2026, 3, 2)
    actions = _ledger(session, code)
    assert [a for a, _ in actions] == [
        "catalog.submit",
        "catalog.reject",
        "catalog.submit",
        "catalog.approve",
    ]
    assert actions[1][1]["reason"] == "摘要请写明数据范围"
    approve = actions[3][1]
    assert (
        approve["version"] == 1
        and approve["digest"] == service.published_revision(session, resource).snapshot_digest
    )
    assert [e.action for e in service.events(session, resource)][:2] == ["approve", "submit"]

    service.retire(session, c.officer, code, "并入新的人口综合库")
    with pytest.raises(NotFound) as retired:
        service.published_spec(session, code)
    assert "已停用" in retired.value.message
    assert _ledger(session, code)[-1] == (
        "catalog.retire",
        {
            "code": code,
            "name": "人口基础信息",
            "version": 1,
            "provider_department_id": c.dept.id,
            "reason": "并入新的人口综合库",
        },
    )


def test_withdraw_returns_a_submission_to_draft(session) -> None:
    c = cf.cast(session)
    code = cf.draft(session, c).resource.code
    service.submit(session, c.officer, code)
    service.withdraw(session, c.officer, code)
    assert service.open_revision(session, service.get_resource(session, code)).status == "draft"
    with pytest.raises(Conflict):
        service.approve(session, c.operator, code)
    assert [a for a, _ in _ledger(session, code)] == ["catalog.submit", "catalog.withdraw"]


def test_submission_needs_a_complete_entry(session) -> None:
    c = cf.cast(session)
    bare = cf.person(summary="", source_system="", fields=[], rules=[])
    code = cf.draft(session, c, bare).resource.code  # a draft may be unfinished
    with pytest.raises(ValidationFailed) as err:
        service.submit(session, c.officer, code)
    messages = [d["message"] for d in err.value.details]
    assert "资源摘要：不能为空" in messages
    assert "来源业务系统：不能为空" in messages
    assert "信息项：至少需要一个信息项" in messages


def test_published_spec_is_the_contract(session) -> None:
    c = cf.cast(session)
    data = cf.person()
    data.fields.append(
        FieldInput(name="height", label="身高", data_type="decimal", min_value="0.30", max_value="2.60")
    )
    code = cf.published(session, c, data)
    s = service.published_spec(session, code)
    assert isinstance(s, spec.ResourceSpec)
    assert (s.code, s.name, s.provider_department_id, s.version) == (code, "人口基础信息", c.dept.id, 1)
    assert s.update_cycle is spec.UpdateCycle.DAILY and s.share_type is spec.ShareType.CONDITIONAL
    assert s.key_fields == ("id_number",)
    id_number = s.field("id_number")
    assert id_number.identifier is spec.IdentifierKind.ID_NUMBER and id_number.level is spec.Level.CORE
    assert id_number.required and id_number.sensitive_pi
    assert s.field("sex").code_list == ("1", "2", "9")
    assert s.field("birth_date").min_value == dt.date(1900, 1, 1)
    assert s.field("height").max_value == Decimal("2.6")
    assert s.rules == (
        spec.CrossFieldRule(
            "id_number_birth_date", ("id_number", "birth_date"), "身份证号中的出生日期与出生日期不一致"
        ),
    )
    with pytest.raises(NotFound) as unknown:
        service.published_spec(session, "101001001-nope-00001")
    assert unknown.value.message == "数据资源目录中没有资源代码「101001001-nope-00001」"
    assert [x.code for x in service.published_specs(session)].count(code) == 1


def test_editing_a_published_resource_opens_a_new_version_and_keeps_the_old_readable(session) -> None:
    c = cf.cast(session)
    code = cf.published(session, c)
    changed = cf.person()
    changed.fields[2].code_list = ["0", "1", "2", "9"]  # 性别: add 未知
    changed.fields = [x for x in changed.fields if x.name != "birth_date"]
    changed.rules = []
    changed.fields.append(FieldInput(name="nation", label="民族", code_list=["01", "02"]))
    changed.update_cycle = "realtime"

    outcome = service.save_draft(session, c.officer, code, changed)
    assert outcome.new_revision and outcome.revision.number == 2
    assert service.published_spec(session, code).version == 1  # still what everyone reads
    assert not service.save_draft(session, c.officer, code, changed).changed  # same content: nothing

    service.submit(session, c.officer, code)
    service.approve(session, c.operator, code)
    assert service.published_spec(session, code).version == 2
    assert (
        service.published_spec(session, code, version=1).field("birth_date").data_type is spec.DataType.DATE
    )

    history = service.versions(session, code)
    assert [(v.number, v.status) for v in history] == [(2, "published"), (1, "superseded")]
    d = history[0].diff
    assert d["attributes"] == [
        {"attribute": "update_cycle", "label": "更新周期", "before": "daily", "after": "realtime"}
    ]
    assert [x["name"] for x in d["fields_added"]] == ["nation"]
    assert [x["name"] for x in d["fields_removed"]] == ["birth_date"]
    assert d["fields_changed"] == [
        {
            "name": "sex",
            "label": "性别",
            "changes": [
                {
                    "attribute": "code_list",
                    "label": "代码表",
                    "before": ["1", "2", "9"],
                    "after": ["0", "1", "2", "9"],
                }
            ],
        }
    ]
    assert len(d["rules_removed"]) == 1 and not d["empty"]
    assert history[1].diff["from"] is None and len(history[1].diff["fields_added"]) == 4


def test_an_unchanged_draft_cannot_be_submitted(session) -> None:
    c = cf.cast(session)
    code = cf.published(session, c)
    outcome = service.save_draft(session, c.officer, code, cf.person(summary="临时改动"))
    service.save_draft(session, c.officer, code, cf.person())  # changed back
    with pytest.raises(Conflict) as err:
        service.submit(session, c.officer, code)
    assert "与现行版本内容相同" in err.value.message
    assert session.get(CatalogRevision, outcome.revision.id).status == "draft"


def test_drafts_are_visible_to_editors_and_reviewers_only(session) -> None:
    c = cf.cast(session)
    code = cf.published(session, c)
    service.save_draft(session, c.officer, code, cf.person(summary="新摘要"))
    reader = f.actor(session, f.staff(session, "hotline_agent"))
    assert [v.number for v in service.versions(session, code, actor=reader)] == [1]
    assert [v.number for v in service.versions(session, code, actor=c.operator)] == [2, 1]
    view = service.view(session, reader, code)
    assert view.open is None and view.published["summary"] == "全市户籍人口的身份、出生和户籍信息"
    mine = service.view(session, c.officer, code)
    assert mine.open is not None and mine.open_diff["attributes"][0]["after"] == "新摘要"
    citizen = f.actor(session, f.citizen(session))
    with pytest.raises(PermissionDenied):
        service.view(session, citizen, code)
