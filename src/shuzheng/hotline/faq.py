"""即问即答: answering a consultation straight from the knowledge base when the match is confident.

The knowledge base is `data/faq.csv` — one row per answer, with several ways callers ask the same
question (`questions`, separated by "|"), the answer, its topic and the answering department. The
shipped rows are demo content for 示范市, not real policy; `FaqAnswer.source` says so.

Matching is TF-IDF cosine similarity between the caller's text and every question variant, averaged
over two views of the text: jieba words (the meaning: 社保卡/补办/遗失) and character bigrams (typos
and words jieba splits differently: 身分证, 补个户口). An entry scores the best of its variants. The
knowledge base is tiny (a few hundred variants), so a dense pass over all of them costs well under a
millisecond. An answer is given only at `ANSWER_THRESHOLD` or above — chosen on held-out paraphrases
and unrelated requests (docs/hotline-classification.md): below it, the request goes the normal way.

`session` is accepted so that a database-backed knowledge base (edited by operators) can replace the
CSV without changing callers; the CSV is used today.
"""

from __future__ import annotations

import csv
import math
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from shuzheng.errors import ValidationFailed
from shuzheng.hotline import taxonomy
from shuzheng.hotline.classify import normalise, words

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

FAQ_CSV = Path(__file__).parent / "data" / "faq.csv"

# Similarity (0–1) from which an answer is given. On data/faq_eval.csv (written apart from the
# knowledge base) 0.45 answers 75% of paraphrases of known questions, 4% with the wrong entry, and 2
# of 42 requests the knowledge base does not cover — both complaints about a covered procedure,
# which the core does not send here (it asks only for 咨询). 0.5 halves the mistakes but answers 64%.
ANSWER_THRESHOLD = 0.45
DEMO_NOTE = "演示内容"

# How people ask, not what they ask about: every question has these, so matching on them answers
# "怎么办理护照" with whichever entry says 怎么办理 most. Removed from both sides before matching.
QUESTION_WORDS = frozenset(
    [
        "请问",
        "咨询",
        "想问",
        "问问",
        "问下",
        "一下",
        "我",
        "我们",
        "想",
        "要",
        "能",
        "能不能",
        "可以",
        "可不可以",
        "是不是",
        "有没有",
        "会不会",
        "怎么",
        "怎么办",
        "怎么样",
        "怎样",
        "如何",
        "咋",
        "咋办",
        "啥",
        "什么",
        "哪些",
        "哪里",
        "哪儿",
        "哪个",
        "在哪",
        "在哪儿",
        "去哪",
        "去哪里",
        "哪",
        "多少",
        "多久",
        "几",
        "几号",
        "时候",
        "什么时候",
        "需要",
        "需",
        "带",
        "准备",
        "材料",
        "条件",
        "手续",
        "流程",
        "办理",
        "办",
        "申请",
        "呢",
        "吗",
        "吧",
        "啊",
        "呀",
        "了",
        "的",
        "得",
        "地",
        "着",
        "在",
        "去",
        "到",
        "给",
        "把",
        "被",
        "和",
        "与",
        "及",
        "还",
        "也",
        "都",
        "就",
        "是",
        "有",
        "这",
        "那",
        "这个",
        "那个",
        "个",
        "一个",
        "你好",
        "您好",
        "谢谢",
    ]
)


@dataclass(frozen=True)
class FaqEntry:
    id: str
    topic_code: str
    questions: tuple[str, ...]
    answer: str
    department: str


@dataclass(frozen=True)
class FaqAnswer:
    id: str
    question: str  # the variant that matched best
    answer: str
    topic_code: str
    department: str
    score: float  # cosine similarity, 0–1

    @property
    def source(self) -> str:
        return f"{self.department}（{DEMO_NOTE}）"

    def __str__(self) -> str:
        return f"{self.answer}\n——{self.source}"


def load_entries(path: Path = FAQ_CSV) -> list[FaqEntry]:
    """The knowledge base rows, checked (a bad row names its line)."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    entries: list[FaqEntry] = []
    seen: set[str] = set()
    for line, row in enumerate(rows, 2):
        entry = FaqEntry(
            id=(row.get("id") or "").strip(),
            topic_code=(row.get("topic_code") or "").strip(),
            questions=tuple(q.strip() for q in (row.get("questions") or "").split("|") if q.strip()),
            answer=(row.get("answer") or "").strip(),
            department=(row.get("department") or "").strip(),
        )
        problem = _problem(entry, seen)
        if problem:
            raise ValidationFailed(f"知识库第{line}行：{problem}", details=[{"row": line}])
        seen.add(entry.id)
        entries.append(entry)
    return entries


def _problem(entry: FaqEntry, seen: set[str]) -> str | None:
    if not entry.id:
        return "缺少编号 id"
    if entry.id in seen:
        return f"编号“{entry.id}”重复"
    if entry.topic_code not in taxonomy.TOPIC_LABELS:
        return f"未知的诉求领域“{entry.topic_code}”"
    if not entry.questions:
        return "至少需要一个问法 questions"
    if not entry.answer:
        return "缺少答复 answer"
    return None


def content_words(text: str) -> list[str]:
    """jieba words of `text` without the question words."""
    return [w for w in words(normalise(text)) if w not in QUESTION_WORDS]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _bigrams(tokens: list[str]) -> list[str]:
    """Character bigrams of the content words run together (a lone character counts as itself)."""
    joined = "".join(tokens)
    return [joined[i : i + 2] for i in range(len(joined) - 1)] or ([joined] if joined else [])


class _View:
    """One way of turning content words into terms, scored by cosine similarity in which the query's
    unknown terms still count: TF-IDF alone drops them, so "营业执照被冒用" would match "营业执照"
    perfectly. An unknown term weighs as much as the rarest known one."""

    def __init__(self, analyzer: Callable[[list[str]], list[str]], documents: list[list[str]]):
        self._analyzer = analyzer
        vectorizer = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, norm=None)
        # Column slices of a CSC matrix are cheap: a query touches only its own few terms.
        self._documents = normalize(vectorizer.fit_transform(documents)).tocsc()
        self._index: dict[str, int] = vectorizer.vocabulary_
        self._idf: np.ndarray = vectorizer.idf_
        self._unknown_idf = float(self._idf.max())

    def scores(self, query: list[str]) -> np.ndarray:
        columns, weights, unknown_mass = [], [], 0.0
        for term, n in Counter(self._analyzer(query)).items():
            tf = 1 + math.log(n)
            column = self._index.get(term)
            if column is None:
                unknown_mass += (tf * self._unknown_idf) ** 2
            else:
                columns.append(column)
                weights.append(tf * self._idf[column])
        norm = math.sqrt(sum(w * w for w in weights) + unknown_mass)
        if not columns or norm == 0:
            return np.zeros(self._documents.shape[0])
        return (self._documents[:, columns] @ np.array(weights)) / norm


class KnowledgeBase:
    def __init__(self, entries: Sequence[FaqEntry]):
        self.entries = list(entries)
        self._owner = np.array([i for i, e in enumerate(self.entries) for _ in e.questions])
        self._questions = [q for e in self.entries for q in e.questions]
        documents = [content_words(q) for q in self._questions]
        self._views = (_View(_identity, documents), _View(_bigrams, documents))

    def search(self, text: str, limit: int = 3) -> list[FaqAnswer]:
        """The best-matching entries (one per entry, its best variant), highest score first."""
        query = content_words(text)
        if not query:
            return []
        # The mean of the word and the bigram cosine: words carry meaning, bigrams survive typos
        # and words jieba cuts differently in a question than in the knowledge base.
        scores = np.mean([view.scores(query) for view in self._views], axis=0)
        best_variant: dict[int, int] = {}
        for v in np.argsort(-scores):
            if scores[v] <= 0 or len(best_variant) >= limit:
                break
            best_variant.setdefault(int(self._owner[v]), int(v))
        return [self._answer(owner, v, float(scores[v])) for owner, v in best_variant.items()]

    def _answer(self, owner: int, variant: int, score: float) -> FaqAnswer:
        e = self.entries[owner]
        return FaqAnswer(
            e.id, self._questions[variant], e.answer, e.topic_code, e.department, round(score, 4)
        )


_lock = threading.Lock()
_kb: KnowledgeBase | None = None


def knowledge_base() -> KnowledgeBase:
    global _kb
    if _kb is None:
        with _lock:
            if _kb is None:
                _kb = KnowledgeBase(load_entries())
    return _kb


def search(text: str, limit: int = 3) -> list[FaqAnswer]:
    """Best matches whatever their score (for an agent's side panel: "相关知识")."""
    return knowledge_base().search(text, limit)


def answer(session: Session | None, text: str, *, threshold: float = ANSWER_THRESHOLD) -> FaqAnswer | None:
    """The knowledge-base answer to `text` when the best match scores at least `threshold`, else None."""
    matches = knowledge_base().search(text, limit=1)
    if matches and matches[0].score >= threshold:
        return matches[0]
    return None


# ---------------------------------------------------------------- evaluation

FAQ_EVAL_CSV = Path(__file__).parent / "data" / "faq_eval.csv"


@dataclass(frozen=True)
class FaqReport:
    """How `answer` does on paraphrases of known questions and on requests it must not answer."""

    known: int  # paraphrases whose right entry exists
    answered_right: int
    answered_wrong: int  # answered with another entry's answer
    unknown: int  # requests the knowledge base does not cover
    unknown_answered: int


def evaluate(path: Path = FAQ_EVAL_CSV, threshold: float = ANSWER_THRESHOLD) -> FaqReport:
    """Score `answer` on `data/faq_eval.csv` (text, expected_id; empty expected_id = must decline).
    Its questions were written apart from the knowledge base's own variants."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = [(r["text"], (r.get("expected_id") or "").strip()) for r in csv.DictReader(f)]
    got = [(answer(None, text, threshold=threshold), expected) for text, expected in rows]
    known = [(a, e) for a, e in got if e]
    unknown = [a for a, e in got if not e]
    return FaqReport(
        known=len(known),
        answered_right=sum(1 for a, e in known if a is not None and a.id == e),
        answered_wrong=sum(1 for a, e in known if a is not None and a.id != e),
        unknown=len(unknown),
        unknown_answered=sum(1 for a in unknown if a is not None),
    )
