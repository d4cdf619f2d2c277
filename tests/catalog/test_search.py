"""The 一本账 search: Chinese substrings, pinyin initials, full pinyin, field labels, filters — in SQL."""

from __future__ import annotations

from shuzheng.catalog import search, service
from shuzheng.catalog.validation import FieldInput
from tests import factories as f
from tests.catalog import factories as cf


def _codes(session, actor, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.code for r in service.browse(session, actor, **kw).items]


def test_search_finds_by_chinese_pinyin_and_field_label(session) -> None:
    c = cf.cast(session)
    people = cf.published(session, c)
    firms = cf.published(
        session,
        c,
        cf.person(
            "企业经营异常名录",
            summary="被列入经营异常名录的企业及原因",
            source_system="市场主体登记系统",
            catalog_type="department",
            fields=[
                FieldInput(
                    name="uscc", label="统一社会信用代码", required=True, is_key=True, identifier="uscc"
                ),
                FieldInput(name="reason", label="列入原因"),
            ],
            rules=[],
        ),
    )
    unpublished = cf.draft(session, c, cf.person("人口迁移信息")).resource.code
    reader = f.actor(session, f.staff(session, "leader"))

    def found(q: str) -> set[str]:
        return set(_codes(session, reader, query=q)) & {people, firms, unpublished}

    assert found("人口") == {people}  # drafts are not in the 一本账
    assert found("rkjc") == {people}
    assert found("RKJC") == {people}  # case and full width fold
    assert found("ｒｋｊｃ") == {people}
    assert found("renkou") == {people}
    assert found("jyycml") == {firms}
    assert found("列入原因") == {firms}  # a field label
    assert found("tyshxydm") == {firms}  # a field label's initials
    assert found("异常 企业") == {firms}  # every word must match
    assert found("异常 人口") == set()
    assert found("id_number") == {people}
    assert found("id%number") == set() and found("i__number") == set()  # LIKE wildcards are literal
    assert found(c.dept.name) == {people, firms}  # by provider


def test_filters_and_facets(session) -> None:
    c = cf.cast(session)
    base = cf.published(session, c)
    theme = cf.published(
        session, c, cf.person("低保对象", catalog_type="theme", theme="02", share_type="unconditional")
    )
    reader = f.actor(session, f.staff(session, "approver"))
    assert base in _codes(session, reader, catalog_type="base")
    assert theme not in _codes(session, reader, catalog_type="base")
    assert _codes(session, reader, theme="02", department_id=c.dept.id) == [theme]
    assert _codes(session, reader, share_type="unconditional", department_id=c.dept.id) == [theme]
    facets = service.facets(session, reader)
    assert dict((d.id, n) for d, n in facets.departments)[c.dept.id] == 2
    assert facets.themes["02"] >= 1


def test_the_search_key_is_computed_on_publish() -> None:
    snap = {
        "code": "101001001-gaj-00001",
        "name": "人口基础信息",
        "summary": "",
        "source_system": "",
        "catalog_type": "base",
        "theme": None,
        "fields": [{"label": "行政区划代码", "name": "adcode"}],
    }
    key = search.search_key(snap, "示范市公安局", "市公安局").split("\n")
    assert {"人口基础信息", "rkjcxx", "renkoujichuxinxi", "xzqhdm", "sgaj", "示范市公安局"} <= set(key)
    assert search.terms("  人口   rkjc ") == ["人口", "rkjc"]
