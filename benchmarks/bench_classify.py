"""Hotline classification and 即问即答: quality on held-out data, training time, throughput.

Run: .venv/bin/python benchmarks/bench_classify.py [seconds]   (default 2 s per throughput measurement)

Quality: the held-out split the tests use (25%, stratified by topic, seed 12345), a 5-fold stratified
cross-validation over all 712 requests (the spread says how much one split can be trusted), the
reliability of the joint confidence, and the FAQ on questions written apart from its knowledge base.
Baselines named in the same run: always answering the most frequent class (accuracy) and jieba
tokenisation alone (throughput — the classifier cannot be faster than cutting the words).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import cycle

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split

from shuzheng.hotline import classify, faq


def per_second(operation: Callable[[], int], seconds: float) -> float:
    """Items per second: `operation` returns how many items it handled."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        done += operation()
    return done / (time.perf_counter() - start)


def scores(truth: Sequence[str], got: Sequence[str]) -> tuple[float, float]:
    return float(accuracy_score(truth, got)), float(f1_score(truth, got, average="macro"))


def cross_validate(examples: list[classify.Example], folds: int = 5) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {"type acc": [], "type F1": [], "topic acc": [], "topic F1": []}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=classify.SEED)
    topics = [e.topic_code for e in examples]
    for train_idx, test_idx in splitter.split(examples, topics):
        model = classify.Classifier([examples[i] for i in train_idx])
        test = [examples[i] for i in test_idx]
        got = model.predict_many([e.text for e in test])
        for name, truth, pred in (
            ("type", [e.type_code for e in test], [p.type_code for p in got]),
            ("topic", [e.topic_code for e in test], [p.topic_code for p in got]),
        ):
            acc, f1 = scores(truth, pred)
            results[f"{name} acc"].append(acc)
            results[f"{name} F1"].append(f1)
    return results


def reliability(examples: list[classify.Example]) -> None:
    train, test = train_test_split(
        examples,
        test_size=classify.HELD_OUT_SHARE,
        random_state=classify.SEED,
        stratify=[e.topic_code for e in examples],
    )
    got = classify.Classifier(train).predict_many([e.text for e in test])
    conf = np.array([p.confidence for p in got])
    both = np.array(
        [p.type_code == e.type_code and p.topic_code == e.topic_code for p, e in zip(got, test, strict=True)]
    )
    topic = np.array([p.topic_code == e.topic_code for p, e in zip(got, test, strict=True)])
    print("\njoint confidence on the held-out split: share at or above, and how often those are right")
    print("  threshold   share   both right   topic right")
    for threshold in (0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9):
        m = conf >= threshold
        mark = "  ← CONFIDENCE_THRESHOLD" if threshold == classify.CONFIDENCE_THRESHOLD else ""
        print(
            f"  {threshold:>9.2f}   {m.mean():5.0%}   {both[m].mean():10.0%}   {topic[m].mean():11.0%}{mark}"
        )
    print("  calibration (joint confidence bin → share with both labels right):")
    for lo, hi in ((0.0, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 0.9), (0.9, 1.01)):
        m = (conf >= lo) & (conf < hi)
        if m.any():
            print(
                f"    [{lo:.1f}, {min(hi, 1.0):.1f})  n={m.sum():3d}  mean confidence {conf[m].mean():.2f}  right {both[m].mean():.2f}"
            )


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    examples = classify.load_training_set()
    texts = [e.text for e in examples]

    start = time.perf_counter()
    classify.jieba.initialize()
    jieba_load = time.perf_counter() - start
    timings, cpu = [], []
    for _ in range(3):
        wall, proc = time.perf_counter(), time.process_time()
        model = classify.Classifier(examples)
        timings.append(time.perf_counter() - wall)
        cpu.append(time.process_time() - proc)
    print(
        f"training set: {len(examples)} requests; jieba dictionary load {jieba_load:.2f} s (once per process)"
    )
    print(
        f"training from the CSV: {statistics.median(timings):.2f} s wall, {statistics.median(cpu):.2f} s CPU (median of 3)"
    )

    report = classify.evaluate(examples)
    majority_type = Counter(e.type_code for e in examples).most_common(1)[0][1] / len(examples)
    majority_topic = Counter(e.topic_code for e in examples).most_common(1)[0][1] / len(examples)
    print(f"\nheld-out split ({report.held_out} requests, stratified by topic, seed {classify.SEED}):")
    print(
        f"  type   accuracy {report.type_accuracy:.3f}  macro-F1 {report.type_macro_f1:.3f}   (most frequent class: {majority_type:.3f})"
    )
    print(
        f"  topic  accuracy {report.topic_accuracy:.3f}  macro-F1 {report.topic_macro_f1:.3f}   (most frequent class: {majority_topic:.3f})"
    )
    print(
        f"  both right {report.both_accuracy:.3f}; confident (≥ {classify.CONFIDENCE_THRESHOLD}) {report.confident_share:.0%} of requests, {report.confident_accuracy:.3f} of those both right"
    )

    cv = cross_validate(examples)
    print("\n5-fold stratified cross-validation (mean ± sd):")
    for name, values in cv.items():
        print(f"  {name:<9} {statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}")

    reliability(examples)

    texts_cycle = cycle(texts)
    tokenise = per_second(lambda: len(classify.words(classify.normalise(next(texts_cycle)))) and 1, seconds)
    single = per_second(lambda: model.predict(next(texts_cycle)) and 1, seconds)
    batch = [next(texts_cycle) for _ in range(256)]
    batched = per_second(lambda: len(model.predict_many(batch)), seconds)
    print(
        f"\nthroughput, requests per second (mean length {statistics.mean(map(len, texts)):.0f} characters):"
    )
    print(f"  jieba tokenisation alone (baseline)   {tokenise:>9,.0f}")
    print(f"  predict, one at a time                {single:>9,.0f}   ×{single / tokenise:.2f}")
    print(f"  predict_many, batches of 256          {batched:>9,.0f}   ×{batched / tokenise:.2f}")

    kb = faq.knowledge_base()
    faq_report = faq.evaluate()
    questions = cycle([q for e in kb.entries for q in e.questions])
    answers = per_second(lambda: faq.answer(None, next(questions)) is not None or 1, seconds)
    print(f"\n即问即答 ({len(kb.entries)} entries, threshold {faq.ANSWER_THRESHOLD}) on data/faq_eval.csv:")
    print(
        f"  paraphrases of covered questions: {faq_report.answered_right}/{faq_report.known} answered right, "
        f"{faq_report.answered_wrong} with another entry, the rest declined"
    )
    print(f"  requests it does not cover: {faq_report.unknown_answered}/{faq_report.unknown} answered")
    print(f"  lookups per second: {answers:,.0f}")


if __name__ == "__main__":
    main()
