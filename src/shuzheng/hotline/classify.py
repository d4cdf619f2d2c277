"""Automatic classification of hotline requests: request type (诉求类型) and topic (诉求领域).

Two linear models over one shared feature space, not one model over the type × topic product: the
product has 108 cells and most of them would hold a handful of examples (表扬 × 燃气), while each
factor on its own has 30+ examples per class. The features are TF-IDF over jieba words plus TF-IDF
over character 1–2-grams (the character n-grams carry typos, rare words and place names jieba
splits badly). Each model is a LinearSVC whose margins are turned into probabilities by temperature
scaling fitted on 3-fold out-of-fold margins (scikit-learn's `CalibratedClassifierCV(method=
"temperature", ensemble=False)`): one parameter per model, so it cannot overfit 700 examples, and
the result is a real probability — on the held-out split, requests predicted with 0.9 are right
about nine times in ten (see docs/hotline-classification.md).

`Prediction.confidence` is the joint probability that both labels are right, p(type) × p(topic),
because the core dispatches automatically only when both are trusted. A text with no known word or
character pair (emoji, gibberish, another script) gets confidence 0. Below `CONFIDENCE_THRESHOLD`
the best guess is still returned; the caller sends such requests to a dispatcher.

The model is trained from `data/training.csv` at first use (about half a second) and lives for the
process; `retrain` adds dispatchers' corrections and swaps it, and `warm_up(corrections)` — run at
application start by `jobs.startup` — trains with them in the background. Nothing is downloaded or
pickled.
"""

from __future__ import annotations

import csv
import logging
import re
import threading
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from shuzheng.errors import ValidationFailed
from shuzheng.hotline import taxonomy

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

with warnings.catch_warnings():
    # jieba 0.42 imports pkg_resources (deprecated) and prints "Building prefix dict…" at INFO.
    warnings.simplefilter("ignore")
    import jieba
jieba.setLogLevel(logging.WARNING)

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"
TRAINING_CSV = DATA_DIR / "training.csv"

# Joint confidence below which a request should be checked by a dispatcher. On the held-out split
# about half of the requests clear it, and ~88% of those have both labels right and ~93% the right
# topic (docs/hotline-classification.md gives the whole table to set the core's own threshold by).
CONFIDENCE_THRESHOLD = 0.8
SEED = 12345
HELD_OUT_SHARE = 0.25
# A dispatcher's correction counts as this many examples: a phrasing the model got wrong must
# outweigh the similar shipped examples that pulled it the wrong way (one correction already moves
# close paraphrases; more weight would let a single mistaken correction drag its neighbours along).
CORRECTION_WEIGHT = 2.0
# Only the head of a long request is read: the topic is stated early, and a 10,000-character
# paste must not cost more than a normal request.
MAX_CHARS = 1000
ALTERNATIVES = 3
BATCH_FOR_SKLEARN = 64

_PUNCTUATION = re.compile(r"^[\W_]+$")
_WORD_RUN = re.compile(r"[^\W_]+")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Prediction:
    type_code: str
    topic_code: str
    confidence: float  # p(type) × p(topic), 0–1
    alternatives: list[tuple[str, float]] = field(default_factory=list)  # runner-up topics
    type_confidence: float = 0.0
    topic_confidence: float = 0.0

    @property
    def confident(self) -> bool:
        return self.confidence >= CONFIDENCE_THRESHOLD


@dataclass(frozen=True)
class TrainingReport:
    """How a model trained like the swapped-in one does on a held-out split (stratified by topic)."""

    examples: int
    corrections: int
    held_out: int
    type_accuracy: float
    type_macro_f1: float
    topic_accuracy: float
    topic_macro_f1: float
    both_accuracy: float  # type and topic both right
    confident_share: float  # share of held-out requests at or above CONFIDENCE_THRESHOLD
    confident_accuracy: float  # both labels right among those


@dataclass(frozen=True)
class Example:
    text: str
    type_code: str
    topic_code: str
    weight: float = 1.0


# ---------------------------------------------------------------- text → tokens


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, the head of a long text."""
    return unicodedata.normalize("NFKC", text or "").lower()[:MAX_CHARS]


def words(text: str) -> list[str]:
    """jieba words of a normalised text, without punctuation, spaces and numbers."""
    return [w for w in jieba.lcut(text) if w.strip() and not _PUNCTUATION.match(w) and not w.isdigit()]


def chars(text: str) -> list[str]:
    """Characters and character pairs of a normalised text, within runs of letters (so "？？？", an
    emoji or a phone number says nothing): house numbers and bus lines should not decide a topic."""
    grams: list[str] = []
    for run in _WORD_RUN.findall(_DIGIT.sub(" ", text)):
        grams.extend(run)
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def _features() -> FeatureUnion:
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer=words, sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer=chars, sublinear_tf=True)),
        ]
    )


def _model(balanced: bool) -> CalibratedClassifierCV:
    svc = LinearSVC(C=0.5, class_weight="balanced" if balanced else None)
    return CalibratedClassifierCV(svc, method="temperature", cv=3, ensemble=False)


# ---------------------------------------------------------------- the classifier


class Classifier:
    """A fitted type model and topic model over one feature space. Immutable once built.

    scikit-learn fits; predictions run on the fitted numbers in plain numpy (`_Terms`, `_Linear`),
    because scikit-learn's per-call input checks cost ~100× the arithmetic for one short request.
    The plain path is checked against scikit-learn's own probabilities when the model is built and
    is used only if they agree."""

    def __init__(self, examples: Sequence[Example]):
        texts = [normalise(e.text) for e in examples]
        weights = np.array([e.weight for e in examples])
        self._features = _features()
        matrix = self._features.fit_transform(texts)
        # Types are unbalanced (投诉 is 40% of calls); weighting keeps 表扬/建议 from being ignored.
        self._type = _model(balanced=True).fit(matrix, [e.type_code for e in examples], sample_weight=weights)
        self._topic = _model(balanced=False).fit(
            matrix, [e.topic_code for e in examples], sample_weight=weights
        )
        self.size = len(examples)
        self._plain: _PlainModel | None = _PlainModel.of(self._features, self._type, self._topic)
        if not self._plain.agrees(
            texts[:64], self._type.predict_proba(matrix[:64]), self._topic.predict_proba(matrix[:64])
        ):
            log.warning(
                "plain-numpy classifier disagrees with scikit-learn; using scikit-learn for predictions"
            )
            self._plain = None

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        normalised = [normalise(t) for t in texts]
        # Large batches amortise scikit-learn's per-call checks and win with its sparse matrix products.
        if self._plain is not None and len(texts) < BATCH_FOR_SKLEARN:
            return [self._prediction(*self._plain.probabilities(t)) for t in normalised]
        matrix = self._features.transform(normalised)
        type_p = self._type.predict_proba(matrix)
        topic_p = self._topic.predict_proba(matrix)
        known = np.diff(matrix.tocsr().indptr) > 0
        return [self._prediction(type_p[i], topic_p[i], bool(known[i])) for i in range(len(texts))]

    def _prediction(self, type_p: np.ndarray, topic_p: np.ndarray, known: bool) -> Prediction:
        types, topics = self._type.classes_, self._topic.classes_
        order = np.argsort(-topic_p, kind="stable")
        best_type = int(np.argmax(type_p))
        type_conf, topic_conf = float(type_p[best_type]), float(topic_p[order[0]])
        type_code, topic_code = str(types[best_type]), str(topics[order[0]])
        if not known:  # nothing in the text was ever seen: say so rather than guess from priors
            type_code, topic_code = taxonomy.DEFAULT_TYPE, taxonomy.OTHER_TOPIC
            type_conf = topic_conf = 0.0
        return Prediction(
            type_code=type_code,
            topic_code=topic_code,
            confidence=round(type_conf * topic_conf, 4),
            alternatives=[(str(topics[j]), round(float(topic_p[j]), 4)) for j in order[1 : 1 + ALTERNATIVES]],
            type_confidence=round(type_conf, 4),
            topic_confidence=round(topic_conf, 4),
        )


class _Terms:
    """A fitted TfidfVectorizer as plain data: a text's L2-normalised TF-IDF terms (sublinear tf)."""

    def __init__(self, vectorizer: TfidfVectorizer, offset: int):
        self.analyzer: Callable[[str], list[str]] = vectorizer.analyzer  # type: ignore[assignment]
        self.index: dict[str, int] = vectorizer.vocabulary_
        self.idf: np.ndarray = vectorizer.idf_
        self.offset = offset

    def weights(self, text: str) -> tuple[list[int], np.ndarray]:
        counts = Counter(t for t in self.analyzer(text) if t in self.index)
        if not counts:
            return [], np.empty(0)
        columns = [self.index[t] for t in counts]
        w = (1 + np.log(np.fromiter(counts.values(), dtype=float, count=len(counts)))) * self.idf[columns]
        return [c + self.offset for c in columns], w / np.linalg.norm(w)


@dataclass(frozen=True)
class _Linear:
    """A fitted LinearSVC with temperature scaling: softmax(β · (x·wᵀ + b))."""

    coef: np.ndarray
    intercept: np.ndarray
    beta: float

    @classmethod
    def of(cls, model: CalibratedClassifierCV) -> _Linear:
        [calibrated] = model.calibrated_classifiers_
        svc = calibrated.estimator
        return cls(np.asarray(svc.coef_), np.asarray(svc.intercept_), float(calibrated.calibrators[0].beta_))

    def probabilities(self, columns: list[int], values: np.ndarray) -> np.ndarray:
        z = self.beta * (self.coef[:, columns] @ values + self.intercept)
        e = np.exp(z - z.max())
        return e / e.sum()


@dataclass(frozen=True)
class _PlainModel:
    terms: tuple[_Terms, ...]
    type: _Linear
    topic: _Linear

    @classmethod
    def of(
        cls, features: FeatureUnion, type_model: CalibratedClassifierCV, topic_model: CalibratedClassifierCV
    ) -> _PlainModel:
        terms, offset = [], 0
        for _, vectorizer in features.transformer_list:
            terms.append(_Terms(vectorizer, offset))
            offset += len(vectorizer.vocabulary_)
        return cls(tuple(terms), _Linear.of(type_model), _Linear.of(topic_model))

    def probabilities(self, text: str) -> tuple[np.ndarray, np.ndarray, bool]:
        columns: list[int] = []
        values: list[np.ndarray] = []
        for terms in self.terms:
            c, v = terms.weights(text)
            columns += c
            values.append(v)
        x = np.concatenate(values)
        return self.type.probabilities(columns, x), self.topic.probabilities(columns, x), bool(columns)

    def agrees(self, texts: list[str], type_p: np.ndarray, topic_p: np.ndarray) -> bool:
        try:
            ours = [self.probabilities(t) for t in texts]
        except Exception:  # scikit-learn's internals moved; the caller falls back to scikit-learn
            return False
        return bool(
            np.allclose([o[0] for o in ours], type_p, atol=1e-6)
            and np.allclose([o[1] for o in ours], topic_p, atol=1e-6)
        )


# ---------------------------------------------------------------- training data


def load_training_set(path: Path = TRAINING_CSV) -> list[Example]:
    """The shipped examples, checked against the taxonomy (a bad row names its line)."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        _example(r.get("text"), r.get("type_code"), r.get("topic_code"), f"第{n}行")
        for n, r in enumerate(rows, 2)
    ]


def _example(text: Any, type_code: Any, topic_code: Any, where: str, weight: float = 1.0) -> Example:
    text = str(text or "").strip()
    if not text:
        raise ValidationFailed(f"{where}：诉求内容为空", details=[{"field": "text", "row": where}])
    if type_code not in taxonomy.TYPE_LABELS:
        raise ValidationFailed(
            f"{where}：未知的诉求类型“{type_code}”", details=[{"field": "type_code", "row": where}]
        )
    if topic_code not in taxonomy.TOPIC_LABELS:
        raise ValidationFailed(
            f"{where}：未知的诉求领域“{topic_code}”", details=[{"field": "topic_code", "row": where}]
        )
    return Example(text, str(type_code), str(topic_code), weight)


def with_corrections(base: Sequence[Example], corrections: Iterable[tuple[str, str, str]]) -> list[Example]:
    """The shipped examples plus corrections; a correction of a shipped text replaces its label."""
    merged: dict[str, Example] = {normalise(e.text): e for e in base}
    for n, row in enumerate(corrections, 1):
        if len(row) != 3:
            raise ValidationFailed(f"第{n}条更正：应为（内容, 类型, 领域）三项", details=[{"row": n}])
        text, type_code, topic_code = row
        example = _example(text, type_code, topic_code, f"第{n}条更正", CORRECTION_WEIGHT)
        merged[normalise(example.text)] = example
    return list(merged.values())


# ---------------------------------------------------------------- evaluation


def evaluate(examples: Sequence[Example] | None = None) -> TrainingReport:
    """Train on 75% (stratified by topic, fixed seed) and score the other 25%."""
    examples = list(examples) if examples is not None else load_training_set()
    topics = [e.topic_code for e in examples]
    train, test = train_test_split(examples, test_size=HELD_OUT_SHARE, random_state=SEED, stratify=topics)
    predictions = Classifier(train).predict_many([e.text for e in test])
    true_type = [e.type_code for e in test]
    true_topic = [e.topic_code for e in test]
    got_type = [p.type_code for p in predictions]
    got_topic = [p.topic_code for p in predictions]
    both = np.array(
        [
            p.type_code == e.type_code and p.topic_code == e.topic_code
            for p, e in zip(predictions, test, strict=True)
        ]
    )
    confident = np.array([p.confident for p in predictions])
    return TrainingReport(
        examples=len(examples),
        corrections=sum(1 for e in examples if e.weight != 1.0),
        held_out=len(test),
        type_accuracy=round(float(accuracy_score(true_type, got_type)), 4),
        type_macro_f1=round(float(f1_score(true_type, got_type, average="macro")), 4),
        topic_accuracy=round(float(accuracy_score(true_topic, got_topic)), 4),
        topic_macro_f1=round(float(f1_score(true_topic, got_topic, average="macro")), 4),
        both_accuracy=round(float(both.mean()), 4),
        confident_share=round(float(confident.mean()), 4),
        confident_accuracy=round(float(both[confident].mean()) if confident.any() else 0.0, 4),
    )


# ---------------------------------------------------------------- the process-wide model

_lock = threading.Lock()
_classifier: Classifier | None = None


def get_classifier() -> Classifier:
    """The process-wide classifier, trained from the shipped set on first use."""
    global _classifier
    if _classifier is None:
        with _lock:
            if _classifier is None:
                _classifier = Classifier(load_training_set())
    return _classifier


def warm_up(corrections: Callable[[], Iterable[tuple[str, str, str]]] | None = None) -> threading.Thread:
    """Train in the background (e.g. at application start) so the first request does not wait for
    jieba's dictionary (~1 s) and the fit (~0.4 s).

    With `corrections` — called in that thread, e.g. to read `service.corrections` from the database —
    the model learns dispatchers' corrections as `retrain` does, without its held-out evaluation (a
    restart must not forget them). A correction `retrain` would refuse (e.g. a topic since removed
    from the taxonomy) is left out, and if they cannot be read at all the shipped model is trained;
    both are logged, never raised. A request that
    needs the model meanwhile waits for this one rather than training another."""
    thread = threading.Thread(
        target=_warm, args=(corrections,), name="hotline-classifier-warm-up", daemon=True
    )
    thread.start()
    return thread


def _warm(corrections: Callable[[], Iterable[tuple[str, str, str]]] | None) -> None:
    global _classifier
    if corrections is None:
        get_classifier()
        return
    try:
        examples = with_corrections(load_training_set(), _usable(corrections()))
    except Exception:
        log.exception("hotline classifier: corrections could not be read; using the shipped training set")
        get_classifier()
        return
    with _lock:  # requests that need the model now wait for this fit instead of running their own
        _classifier = Classifier(examples)
    log.info(
        "hotline classifier trained at start-up: %d examples, %d of them corrections",
        len(examples),
        sum(1 for e in examples if e.weight != 1.0),
    )


def _usable(corrections: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The corrections `with_corrections` accepts; the others are counted in the log, not raised."""
    usable, refused = [], 0
    for row in corrections:
        try:
            with_corrections([], [row])
        except ValidationFailed:
            refused += 1
        else:
            usable.append(row)
    if refused:
        log.warning("hotline classifier: %d invalid correction(s) left out at start-up", refused)
    return usable


def retrain(source: Session | Iterable[tuple[str, str, str]]) -> TrainingReport:
    """Learn dispatchers' corrections — from the database (`service.corrections`) or given as
    (text, type_code, topic_code) — evaluate on a held-out split, then swap the process-wide model.

    Bad corrections raise ValidationFailed naming the row, and the running model is kept."""
    global _classifier
    corrections = _corrections_from(source)
    examples = with_corrections(load_training_set(), corrections)
    report = evaluate(examples)
    fitted = Classifier(examples)
    with _lock:
        _classifier = fitted
    return report


def reset() -> None:
    """Back to the shipped model at next use (tests, or after a bad retrain)."""
    global _classifier
    with _lock:
        _classifier = None


def _corrections_from(source: Any) -> list[tuple[str, str, str]]:
    from sqlalchemy.orm import Session

    if isinstance(source, Session):
        from shuzheng.hotline import service

        return list(service.corrections(source))
    return list(source)
