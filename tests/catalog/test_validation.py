"""Every attribute is checked, every problem is reported at once, in Chinese, naming the field."""

from __future__ import annotations

import pytest

from shuzheng.catalog import service
from shuzheng.catalog.validation import FieldInput, ResourceInput, RuleInput, check_resource
from shuzheng.errors import ValidationFailed
from tests.catalog import factories as cf


def _problems(data: ResourceInput, **kw: bool) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as err:
        check_resource(data, **kw)
    assert err.value.status == 422
    return {d["field"]: d["message"] for d in err.value.details}


def _one_field(**attrs: object) -> ResourceInput:
    return cf.person(fields=[FieldInput(name="x", label="某项", **attrs)], rules=[])  # type: ignore[arg-type]


def test_a_valid_entry_is_normalised() -> None:
    clean = check_resource(
        cf.person(share_type="有条件", open_type="不予开放", update_cycle="每日", catalog_type="基础")
    )
    assert (clean.share_type, clean.open_type, clean.update_cycle, clean.catalog_type) == (
        "conditional",
        "none",
        "daily",
        "base",
    )
    assert (
        clean.fields[3].data_type == "date"
        and clean.rules[0].message == "身份证号中的出生日期与出生日期不一致"
    )


def test_field_attributes_and_their_contradictions() -> None:
    cases = {
        "fields[0].required": (dict(is_key=True), "第1个信息项「某项」·必填：主键信息项必须为必填"),
        "fields[0].code_list": (
            dict(code_list=["1", "2", "1"]),
            "第1个信息项「某项」·代码表：代码值「1」重复，代码表中的值必须唯一",
        ),
        "fields[0].pattern": (
            dict(pattern="[0-9"),
            "第1个信息项「某项」·格式（正则表达式）：「[0-9」不是有效的正则表达式（方括号不配对）",
        ),
        "fields[0].data_type": (
            dict(identifier="id_number", data_type="integer"),
            "第1个信息项「某项」·数据类型：标识类型为身份证号的信息项必须是字符型（保留前导零和末位X）",
        ),
        "fields[0].open_type": (
            dict(sensitive_pi=True, open_type="unconditional"),
            "第1个信息项「某项」·开放类型：个人敏感信息不得无条件开放",
        ),
        "fields[0].max_value": (
            dict(data_type="integer", min_value="10", max_value="2"),
            "第1个信息项「某项」·最大值：不能小于最小值（10）",
        ),
        "fields[0].min_value": (
            dict(data_type="date", min_value="2023-02-30"),
            "第1个信息项「某项」·最小值：「2023-02-30」不是有效日期，应写作 2020-01-01",
        ),
        "fields[0].level": (
            dict(level="绝密"),
            "第1个信息项「某项」·分级：「绝密」不是可选值，可选：一般数据、重要数据、核心数据",
        ),
    }
    for path, (attrs, message) in cases.items():
        assert _problems(_one_field(**attrs))[path] == message, path


def test_patterns_are_checked_in_the_engine_that_validates_loads() -> None:
    found = _problems(_one_field(pattern=r"(?!000)\d{3}"))
    assert "不支持前后断言" in found["fields[0].pattern"]
    assert "不支持反向引用" in _problems(_one_field(pattern=r"(a)\1"))["fields[0].pattern"]
    # RE2 knows Unicode classes that Python's re does not
    assert check_resource(_one_field(pattern=r"\p{Han}{2,4}")).fields[0].pattern == r"\p{Han}{2,4}"


def test_share_none_with_open_unconditional_is_contradictory() -> None:
    found = _problems(cf.person(share_type="none", open_type="unconditional", share_conditions="依据某法"))
    assert found["open_type"] == "开放类型：不予共享的资源不能无条件开放（共享类型与开放类型相互矛盾）"


def test_names_and_labels_are_unique_and_well_formed() -> None:
    data = cf.person(
        fields=[
            FieldInput(name="Name", label="姓名"),
            FieldInput(name="a", label="甲"),
            FieldInput(name="a", label="甲"),
        ],
        rules=[],
    )
    found = _problems(data)
    assert "应以英文小写字母开头" in found["fields[0].name"]
    assert found["fields[2].name"] == "第3个信息项「甲」·字段名：「a」与第2个信息项重复"
    assert found["fields[2].label"] == "第3个信息项「甲」·中文名称：「甲」与第2个信息项重复"


def test_rules_name_existing_fields_of_the_right_types() -> None:
    data = cf.person(
        rules=[
            RuleInput(kind="id_number_birth_date", fields=["姓名", "birth_date"]),
            RuleInput(kind="not_after", fields=["birth_date", "nope"]),
            RuleInput(kind="someday", fields=["name", "sex"]),
        ]
    )
    found = _problems(data)
    assert found["rules[0].fields"] == "第1条校验规则·涉及信息项：第一个信息项「姓名」的标识类型应为身份证号"
    assert found["rules[1].fields"] == "第2条校验规则·涉及信息项：没有名为「nope」的信息项"
    assert "「someday」不是可选值" in found["rules[2].kind"]


def test_theme_and_conditions_on_submission() -> None:
    found = _problems(cf.person(catalog_type="theme", theme="天气"))
    assert found["theme"].startswith("主题：「天气」不是平台的主题")
    complete = _problems(cf.person(share_conditions="", open_type="conditional"), complete=True)
    assert complete["share_conditions"] == "共享条件：有条件共享须写明共享条件"
    assert complete["open_conditions"] == "开放条件：有条件开放须写明开放条件"
    no_key = cf.person(fields=[FieldInput(name="a", label="甲")], rules=[])
    assert (
        _problems(no_key, complete=True)["fields"]
        == "信息项：至少需要一个主键信息项（用于增量更新和异议定位）"
    )


def test_codes_and_classification_at_creation(session) -> None:
    c = cf.cast(session)

    def create(**kw: object) -> dict[str, str]:
        with pytest.raises(ValidationFailed) as err:
            service.create_resource(session, c.officer, provider_department_id=c.dept.id, **kw)  # type: ignore[arg-type]
        return {d["field"]: d["message"] for d in err.value.details}

    assert "第1位（类）应为1" in create(data=cf.person(), classification="301001001")["classification"]
    assert "须填写分类代码" in create(data=cf.person())["classification"]
    assert "第二段应为提供方部门编码" in create(data=cf.person(), code="101001001-other-00001")["code"]
    assert create(data=cf.person(related=["101001001-gone-00009"]), classification="101001001")[
        "related"
    ] == ("关联资源：资源代码「101001001-gone-00009」不存在")
    explicit = service.create_resource(
        session,
        c.officer,
        provider_department_id=c.dept.id,
        data=cf.person(),
        code=f"101001001-{c.dept.code}-00042",
    )
    assert explicit.resource.sequence == 42
    follower = cf.draft(session, c)
    assert follower.resource.code.endswith("-00043")
    with pytest.raises(ValidationFailed) as typed:
        service.save_draft(session, c.officer, follower.resource.code, cf.person(catalog_type="department"))
    assert "已编入目录类型" in typed.value.message
