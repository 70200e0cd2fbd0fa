"""Hot topics (articles 18, 19): keywords of the period's cases by jieba TF-IDF.

Each case's words are weighed with `jieba.analyse.TFIDF` (jieba's IDF table, a
private tokenizer with the hotline user dictionary `data/nlu/userdict.txt`, and
the stop words of `data/reports.yaml`). A topic's weight is the sum of its
TF-IDF weights over the cases, its count the number of cases that mention it.
Rising topics are those with more cases than in the period of the same length
just before; counts by district follow the lead unit's district.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import jieba
import jieba.posseg
from jieba.analyse import TFIDF
from sqlalchemy import select

from casework.db import Database
from casework.models import Case, Unit
from casework.reports.figures import NO_DISTRICT, NO_UNIT
from casework.reports.period import Period
from casework.reports.settings import ReportSettings

jieba.setLogLevel(60)
WORD_FREQ = 100_000  # high enough that jieba keeps them whole next to any neighbour
MAX_CASES = 20_000  # the newest cases of a period that are read for topics


@dataclass(frozen=True)
class Topic:
    word: str
    weight: float  # summed TF-IDF weight over the cases
    cases: int  # cases mentioning it in the period
    previous: int = 0  # cases mentioning it in the period before
    districts: dict[str, int] = field(default_factory=dict)

    @property
    def growth(self) -> float | None:
        """Cases now / cases before, or None for a new topic."""
        return self.cases / self.previous if self.previous else None


@dataclass(frozen=True)
class TopicReport:
    period: Period
    cases: int  # cases read in the period
    previous_cases: int
    top: list[Topic]
    rising: list[Topic]
    truncated: bool = False  # the period had more than MAX_CASES cases


_DIGIT = re.compile(r"\d")


class TopicExtractor:
    """jieba TF-IDF with the hotline dictionary; one per process (building it reads jieba's
    dictionary once, about a second)."""

    def __init__(
        self,
        userdict: Path | None,
        stop_words: Iterable[str],
        allow_pos: Iterable[str],
        words: Iterable[str] = (),
    ) -> None:
        tokenizer = jieba.Tokenizer()
        if userdict is not None and userdict.exists():
            tokenizer.load_userdict(str(userdict))
        for word in words:
            tokenizer.add_word(word, WORD_FREQ, "n")
        self._tfidf = TFIDF()
        self._tfidf.tokenizer = tokenizer
        self._tfidf.postokenizer = jieba.posseg.POSTokenizer(tokenizer)
        self._tfidf.stop_words = self._tfidf.stop_words | set(stop_words)
        self.allow_pos = tuple(allow_pos)
        self._lock = threading.Lock()

    def keywords(self, text: str) -> list[tuple[str, float]]:
        """The text's keywords with their TF-IDF weights, best first."""
        with self._lock:  # jieba's posseg tokenizer keeps state while it cuts
            tags = self._tfidf.extract_tags(
                text, topK=None, withWeight=True, allowPOS=self.allow_pos
            )
        # A word with digits is a number, a house number or a phone number (article 15):
        # never a topic.
        return [(word, weight) for word, weight in tags if not _DIGIT.search(word)]


def hot_topics(
    db: Database,
    period: Period,
    extractor: TopicExtractor,
    settings: ReportSettings,
) -> TopicReport:
    """Top topics of the period, rising topics against the period before, by district."""
    texts, truncated = _texts(db, period)
    before, _ = _texts(db, period.previous())
    weights, counts, districts = _tally(texts, extractor)
    _, before_counts, _ = _tally(before, extractor)
    topics = [
        Topic(
            word,
            round(weight, 4),
            counts[word],
            before_counts.get(word, 0),
            dict(districts[word].most_common()),
        )
        for word, weight in weights.items()
        if counts[word] >= settings.topic_min_cases
    ]
    topics.sort(key=lambda t: (-t.weight, -t.cases, t.word))
    rising = [t for t in topics if t.cases >= settings.rising_min and t.cases > t.previous]
    rising.sort(key=lambda t: (-(t.cases - t.previous) / max(t.previous, 1), -t.cases, t.word))
    return TopicReport(
        period,
        len(texts),
        len(before),
        topics[: settings.top_topics],
        rising[: settings.top_topics],
        truncated,
    )


def _tally(texts: list[tuple[str, str]], extractor: TopicExtractor):
    weights: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    districts: dict[str, Counter[str]] = defaultdict(Counter)
    for text, district in texts:
        for word, weight in extractor.keywords(text):
            weights[word] += weight
            counts[word] += 1
            districts[word][district] += 1
    return weights, counts, districts


def _texts(db: Database, period: Period) -> tuple[list[tuple[str, str]], bool]:
    """(text, district) of the period's newest cases; district as in the figures."""
    cases, units = Case.__table__, Unit.__table__
    query = (
        select(cases.c.text, cases.c.unit_id, units.c.district)
        .select_from(cases.outerjoin(units, units.c.id == cases.c.unit_id))
        .where(cases.c.created_at >= period.lo, cases.c.created_at < period.hi)
        .order_by(cases.c.created_at.desc())
        .limit(MAX_CASES + 1)
    )
    with db.reading() as c:
        rows = c.execute(query).all()
    texts = [
        (text, district or (NO_DISTRICT if unit_id is not None else NO_UNIT))
        for text, unit_id, district in rows[:MAX_CASES]
    ]
    return texts, len(rows) > MAX_CASES
