"""The full path with the real ingest: a loaded dataset, an objection, the provider confirms, and the
corrected version's rows show the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from shuzheng.objections import service
from shuzheng.objections.models import Status
from tests import factories as f
from tests.objections import factories as of

ingest_service = service._ingest_service()

pytestmark = pytest.mark.skipif(
    ingest_service is None or not hasattr(ingest_service, "apply_correction"),
    reason="ingest.service.apply_correction 尚未提供：更正的完整路径无法测试",
)


def _load(session, w, tmp_path: Path, numbers: list[str]) -> int:  # type: ignore[no-untyped-def]
    path = tmp_path / "people.csv"
    lines = ["身份证号,姓名,性别,出生日期"] + [f"{n},张{i},1,1988-06-01" for i, n in enumerate(numbers)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = ingest_service.load(session, w.officer, w.code, path)
    return int(summary.version.number)


def test_confirm_makes_a_corrected_version_whose_row_shows_the_fix(session, tmp_path) -> None:
    w = of.world(session)
    numbers = [f.id_number() for _ in range(3)]
    first = _load(session, w, tmp_path, numbers)
    o = of.objection(session, w, id_number=numbers[1], field="sex", claimed_value="1", proposed_value="2")
    assert o.data_version == first

    service.confirm(session, w.officer, o.id, note="已核对户籍档案")

    assert o.status == Status.CONFIRMED and o.corrected_version == first + 1
    latest = ingest_service.latest_version(session, w.code)
    assert latest.number == o.corrected_version
    rows = {r["id_number"]: r for r in ingest_service.read_rows(session, w.code, limit=10)}
    assert len(rows) == 3
    assert str(rows[numbers[1]]["sex"]) == "2"
    assert str(rows[numbers[0]]["sex"]) == "1"
    old = ingest_service.read_rows(session, w.code, version=first, filters={"id_number": numbers[1]})
    assert str(old[0]["sex"]) == "1"


def test_an_objection_about_a_record_that_is_not_in_the_data_is_refused(session, tmp_path) -> None:
    from shuzheng.errors import ValidationFailed

    w = of.world(session)
    _load(session, w, tmp_path, [f.id_number()])
    with pytest.raises(ValidationFailed, match="找不到这条记录"):
        of.objection(session, w, id_number=f.id_number(), field="sex", proposed_value="2")


def test_a_correction_that_fails_validation_leaves_the_objection_open(session, tmp_path) -> None:
    from shuzheng.errors import DomainError

    w = of.world(session)
    number = f.id_number()
    first = _load(session, w, tmp_path, [number])
    o = of.objection(session, w, id_number=number, field="sex", claimed_value="1", proposed_value="5")
    with pytest.raises(DomainError), session.begin_nested():
        service.confirm(session, w.officer, o.id)
    session.refresh(o)
    assert o.status == Status.FILED and o.corrected_version is None
    assert ingest_service.latest_version(session, w.code).number == first
