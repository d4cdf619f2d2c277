"""即问即答: the knowledge base answers consultations it covers, and only those."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from shuzheng.errors import ValidationFailed
from shuzheng.hotline import faq, taxonomy


def test_knowledge_base_covers_common_consultations() -> None:
    entries = faq.load_entries()
    assert len(entries) >= 40
    assert len({e.id for e in entries}) == len(entries)
    assert {e.topic_code for e in entries} <= set(taxonomy.TOPIC_LABELS)
    assert all(len(e.questions) >= 3 and e.answer and e.department for e in entries)
    ids = {e.id for e in entries}
    assert {"sscard_reissue", "hpf_withdraw", "residence_permit", "newborn_hukou", "business_licence"} <= ids


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("社保卡坏了", "sscard_reissue"),
        ("想把公积金取出来付房租", "hpf_withdraw"),
        ("买房能不能落户", "hukou_transfer"),
        ("开个小饭馆营业执照咋办", "business_licence"),
        ("外地来的想办个居住证", "residence_permit"),
        ("被裁员了可以领失业金吗", "unemployment_benefit"),
    ],
)
def test_a_variant_of_a_known_question_is_answered(session: Session, question: str, entry: str) -> None:
    got = faq.answer(session, question)
    assert got is not None and got.id == entry
    assert got.score >= faq.ANSWER_THRESHOLD
    assert got.answer and got.department
    assert "演示内容" in got.source and got.answer in str(got)


@pytest.mark.parametrize(
    "text",
    [
        "楼下工地半夜施工太吵",  # a complaint, not a question
        "怎么办理护照",  # a question the knowledge base does not cover, in the words of all questions
        "需要什么材料",
        "请问市图书馆几点开门",
        "你好",
        "😀😀",
        "",
    ],
)
def test_unrelated_text_is_declined(session: Session, text: str) -> None:
    assert faq.answer(session, text) is None


def test_search_lists_the_nearest_entries_whatever_their_score() -> None:
    matches = faq.search("社保卡坏了能不能换", limit=3)
    assert matches[0].id == "sscard_reissue"
    assert len({m.id for m in matches}) == len(matches) <= 3
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_the_threshold_decides(session: Session) -> None:
    best = faq.search("去北京看病医保能报吗，要备案吗", limit=1)[0]
    assert best.id == "medical_insurance_remote"
    assert faq.answer(session, "去北京看病医保能报吗，要备案吗", threshold=best.score) == best
    assert faq.answer(session, "去北京看病医保能报吗，要备案吗", threshold=best.score + 0.01) is None


def test_evaluation_on_questions_written_apart_from_the_knowledge_base() -> None:
    report = faq.evaluate()
    assert report.known >= 50 and report.unknown >= 40
    assert report.answered_right >= 0.7 * report.known
    assert report.answered_wrong <= 0.05 * report.known
    assert report.unknown_answered <= 0.1 * report.unknown


def test_a_bad_knowledge_base_row_is_named(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_text(
        "id,topic_code,questions,answer,department\n"
        "a,water,停水怎么办|停水找谁,请拨打供水热线。,示范市水务集团\n"
        "b,weather,明天下雨吗,不知道。,示范市气象局\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed, match="知识库第3行：未知的诉求领域“weather”"):
        faq.load_entries(path)
