"""The hotline classifier: the shipped training set, held-out quality, clear cases, gibberish, retraining."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from shuzheng.errors import ValidationFailed
from shuzheng.hotline import classify, service, taxonomy
from tests.hotline.factories import City, submit


@pytest.fixture(scope="module")
def trained() -> classify.Classifier:
    return classify.Classifier(classify.load_training_set())


@pytest.fixture
def shipped_model(trained: classify.Classifier, monkeypatch: pytest.MonkeyPatch) -> classify.Classifier:
    """The shipped model as the process-wide one; whatever a test retrains is put back afterwards."""
    monkeypatch.setattr(classify, "_classifier", trained)
    return trained


def test_training_set_covers_every_type_and_topic_with_real_variety() -> None:
    with classify.TRAINING_CSV.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 600
    texts = [r["text"] for r in rows]
    assert len(set(texts)) == len(texts), "duplicate requests in the training set"
    topics = Counter(r["topic_code"] for r in rows)
    types = Counter(r["type_code"] for r in rows)
    assert set(topics) == set(taxonomy.TOPIC_LABELS)
    assert set(types) == set(taxonomy.TYPE_LABELS)
    assert min(topics.values()) >= 30
    assert min(types.values()) >= 40
    lengths = sorted(len(t) for t in texts)
    assert lengths[0] <= 12 and lengths[-1] >= 50  # short calls and long stories
    # Not one template: requests open in hundreds of ways, and no opening (建议…, 感谢…) dominates.
    openings = Counter(t[:2] for t in texts)
    assert len(openings) > len(texts) * 0.4
    assert openings.most_common(1)[0][1] < len(texts) * 0.08


def test_held_out_evaluation_is_far_above_chance() -> None:
    report = classify.evaluate()
    assert report.examples >= 600
    assert report.held_out == pytest.approx(report.examples * classify.HELD_OUT_SHARE, abs=1)
    # Chance is 1/18 for topics and 1/6 for types.
    assert report.topic_macro_f1 > 0.6
    assert report.topic_accuracy > 0.6
    assert report.type_macro_f1 > 0.6
    # Confidence means something: confident predictions are right more often than predictions overall.
    assert report.confident_accuracy > report.both_accuracy
    assert 0.2 < report.confident_share < 1.0


@pytest.mark.parametrize(
    ("text", "type_code", "topic_code"),
    [
        ("小区停水三天了没人管", "complaint", "water"),
        ("楼下工地半夜施工太吵", "complaint", "noise"),
        # Phrasings that are not in the training set.
        ("我们楼这两天一直没水，打电话也没人管", "complaint", "water"),
        ("隔壁工地凌晨还在打桩，吵得睡不着", "complaint", "noise"),
        ("想问下公积金怎么提取", "consult", "housing"),
        ("感谢西城区供电所的师傅连夜抢修线路", "praise", "power"),
        ("老板三个月没发工资了", "complaint", "employment"),
    ],
)
def test_clear_requests_are_classified_confidently(
    shipped_model: classify.Classifier, text: str, type_code: str, topic_code: str
) -> None:
    p = shipped_model.predict(text)
    assert (p.type_code, p.topic_code) == (type_code, topic_code)
    assert p.confident
    assert p.confidence == pytest.approx(p.type_confidence * p.topic_confidence, abs=1e-3)
    assert [code for code, _ in p.alternatives] and topic_code not in dict(p.alternatives)
    assert all(0 <= prob <= p.topic_confidence for _, prob in p.alternatives)


@pytest.mark.parametrize("text", ["😀😀😀🙏", "？？？？", "……", "", "123456789", "hello world", "asdkjh qwe"])
def test_gibberish_and_emoji_get_a_guess_with_low_confidence(
    shipped_model: classify.Classifier, text: str
) -> None:
    p = shipped_model.predict(text)
    assert p.type_code in taxonomy.TYPE_LABELS and p.topic_code in taxonomy.TOPIC_LABELS
    assert p.confidence < classify.CONFIDENCE_THRESHOLD
    assert not p.confident


def test_text_with_nothing_known_says_so_rather_than_guessing(shipped_model: classify.Classifier) -> None:
    p = shipped_model.predict("😀😀😀")
    assert (p.type_code, p.topic_code, p.confidence) == (taxonomy.DEFAULT_TYPE, taxonomy.OTHER_TOPIC, 0.0)


def test_very_long_text_is_classified_from_its_head(shipped_model: classify.Classifier) -> None:
    text = "我家小区已经停水三天了，物业和自来水公司互相推诿。" + "情况非常紧急。" * 1500
    assert len(text) > 10_000
    assert shipped_model.predict(text).topic_code == "water"


def test_batch_and_single_predictions_agree(shipped_model: classify.Classifier) -> None:
    texts = ["暖气片一点都不热，屋里才十度", "公交车等了一个小时都不来", "😀"]
    assert shipped_model.predict_many(texts) == [shipped_model.predict(t) for t in texts]
    assert shipped_model.predict_many([]) == []


def test_the_plain_numpy_path_gives_scikit_learns_predictions(
    trained: classify.Classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [e.text for e in classify.load_training_set()[::7]] + ["😀", "楼下烧烤店的油烟和吵闹声每天到半夜"]
    assert len(texts) >= classify.BATCH_FOR_SKLEARN
    assert trained._plain is not None  # the fast path is in use for single requests
    one_by_one = [trained.predict(t) for t in texts]
    assert trained.predict_many(texts) == one_by_one  # a large batch goes through scikit-learn
    monkeypatch.setattr(trained, "_plain", None)
    assert [trained.predict(t) for t in texts] == one_by_one


def test_the_model_is_trained_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(classify, "_classifier", None)
    first = classify.get_classifier()
    assert classify.get_classifier() is first
    assert first.size == len(classify.load_training_set())


def test_retraining_with_a_correction_changes_the_prediction(shipped_model: classify.Classifier) -> None:
    text = "小区门口的快递驿站把快递堆在人行道上"
    before = shipped_model.predict(text)
    assert before.topic_code != "urban"

    report = classify.retrain([(text, "complaint", "urban")])

    assert report.corrections == 1 and report.examples == shipped_model.size + 1
    assert report.topic_macro_f1 > 0.6
    model = classify.get_classifier()
    assert model is not shipped_model
    after = model.predict(text)
    assert (after.type_code, after.topic_code) == ("complaint", "urban")
    # The correction generalises to a close paraphrase, not just the exact string.
    assert model.predict("驿站门口的快递占了整个人行道").topic_code == "urban"


def test_a_correction_of_a_shipped_text_replaces_its_label(shipped_model: classify.Classifier) -> None:
    text = "小区停水三天了没人管"
    examples = classify.with_corrections(classify.load_training_set(), [(text, "complaint", "property")])
    assert len(examples) == shipped_model.size
    assert [e.topic_code for e in examples if e.text == text] == ["property"]


@pytest.mark.parametrize(
    ("correction", "message"),
    [
        (("有人在河里电鱼", "complaint", "fishing"), "第1条更正：未知的诉求领域“fishing”"),
        (("有人在河里电鱼", "shouting", "environment"), "第1条更正：未知的诉求类型“shouting”"),
        (("   ", "complaint", "environment"), "第1条更正：诉求内容为空"),
        (("只有两项", "complaint"), "第1条更正：应为（内容, 类型, 领域）三项"),
    ],
)
def test_bad_corrections_are_refused_and_the_running_model_is_kept(
    shipped_model: classify.Classifier, correction: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        classify.retrain([correction])  # type: ignore[list-item]
    assert caught.value.message == message
    assert classify.get_classifier() is shipped_model


def test_retraining_from_dispatchers_corrections_in_the_database(
    city: City, shipped_model: classify.Classifier
) -> None:
    content = "东城区人民路12号楼下的快递驿站把包裹堆满了人行道，行人只能走机动车道"
    req = submit(city, content=content, type_code="complaint", topic_code="other").request
    service.reclassify(city.session, city.actor("dispatcher"), req.id, "complaint", "urban")

    report = classify.retrain(city.session)

    assert report.corrections == 1
    assert classify.get_classifier().predict(content).topic_code == "urban"
