"""Knowledge-base retrieval for inquiries: jieba tokens and Okapi BM25.

Scores are normalised to 0..1: the BM25 score divided by the most the query
could score (every content word of the query matched), so one threshold in
``rules.yaml`` works whatever the size of the knowledge base.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from .segment import Segmenter

_K1 = 1.2
_B = 0.75
_KEYWORD_BOOST = 2


@dataclass(frozen=True)
class Entry:
    id: str
    question: str
    answer: str
    keywords: tuple[str, ...] = ()
    source: str = ""
    reviewed: str = ""
    aliases: tuple[str, ...] = ()


def load_entries(path: Path) -> list[Entry]:
    """Entries of a knowledge-base YAML file; a missing or empty file has none."""
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    items = data.get("entries") if isinstance(data, dict) else None
    entries = []
    for item in items or []:
        if not isinstance(item, dict) or not item.get("id") or not item.get("question"):
            continue
        entries.append(
            Entry(
                id=str(item["id"]),
                question=str(item["question"]),
                answer=str(item.get("answer", "")),
                keywords=tuple(str(k) for k in item.get("keywords") or ()),
                source=str(item.get("source", "")),
                reviewed=str(item.get("reviewed", "")),
                aliases=tuple(str(a) for a in item.get("aliases") or ()),
            )
        )
    return entries


class KnowledgeBase:
    def __init__(
        self,
        entries: Iterable[Entry],
        segmenter: Segmenter | None = None,
        normalize: Callable[[str], str] | None = None,
        stopwords: Iterable[str] = (),
    ) -> None:
        self.entries = list(entries)
        self._normalize = normalize or (lambda s: s)
        keywords = [k for e in self.entries for k in e.keywords]
        self._seg = segmenter or Segmenter(extra_words=keywords)
        self._stop = set(stopwords)
        self._docs: list[Counter[str]] = []
        for entry in self.entries:
            text = self._normalize(" ".join((entry.question, *entry.aliases)))
            terms = self._terms(self._seg.cut_for_search(text))
            for keyword in entry.keywords:
                terms.extend([self._normalize(keyword)] * _KEYWORD_BOOST)
                # a keyword the segmenter would split still matches by its parts
                terms.extend(self._terms(self._seg.cut(self._normalize(keyword))))
            self._docs.append(Counter(terms))
        n = len(self._docs)
        self._avgdl = sum(sum(d.values()) for d in self._docs) / n if n else 0.0
        df: Counter[str] = Counter()
        for doc in self._docs:
            df.update(doc.keys())
        self._idf = {t: self._idf_of(c, n) for t, c in df.items()}
        self._unseen_idf = self._idf_of(0, n)
        self._lengths = [sum(d.values()) for d in self._docs]
        # inverted index: term -> [(document number, BM25 term weight)]
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for number, (doc, length) in enumerate(zip(self._docs, self._lengths, strict=True)):
            norm = _K1 * (1 - _B + _B * length / self._avgdl)
            for term, tf in doc.items():
                weight = self._idf[term] * tf * (_K1 + 1) / (tf + norm)
                self._postings.setdefault(term, []).append((number, weight))

    @staticmethod
    def _idf_of(df: int, n: int) -> float:
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    @classmethod
    def load(
        cls,
        path: Path,
        segmenter: Segmenter | None = None,
        normalize: Callable[[str], str] | None = None,
        stopwords: Iterable[str] = (),
    ) -> KnowledgeBase:
        return cls(load_entries(path), segmenter, normalize, stopwords)

    def __len__(self) -> int:
        return len(self.entries)

    def _terms(self, tokens: Iterable[str]) -> list[str]:
        return [t for t in tokens if len(t) > 1 and t not in self._stop]

    def search(self, text: str, k: int = 3) -> list[tuple[Entry, float]]:
        """The k best entries for a question, best first, with scores in 0..1."""
        if not isinstance(text, str) or not self.entries:
            return []
        return self.search_tokens(self._seg.cut(self._normalize(text)), k)

    def search_tokens(self, tokens: Iterable[str], k: int = 3) -> list[tuple[Entry, float]]:
        """Like ``search`` for an already segmented question (plain jieba words:
        the parts of long words that the index knows are added, as
        ``cut_for_search`` would)."""
        query = set(self._terms(self._expand(tokens)))
        if not query or not self._docs:
            return []
        upper = sum(self._idf.get(t, self._unseen_idf) for t in query) * (_K1 + 1)
        scores: dict[int, float] = {}
        for term in query:
            for number, weight in self._postings.get(term, ()):
                scores[number] = scores.get(number, 0.0) + weight
        best = sorted(scores.items(), key=lambda pair: -pair[1])[:k]
        return [(self.entries[number], min(1.0, score / upper)) for number, score in best]

    def _expand(self, tokens: Iterable[str]) -> list[str]:
        """The tokens, the indexed parts of long ones, and the indexed words hidden
        in runs of single characters (what jieba leaves unjoined without its HMM)."""
        out = []
        index = self._postings
        run = ""
        for token in (*tokens, ""):
            if len(token) == 1:
                run += token
                continue
            if len(run) > 1:
                out.extend(part for width in (2, 3) for i in range(len(run) - width + 1)
                           if (part := run[i:i + width]) in index)
            run = ""
            out.append(token)
            size = len(token)
            if size > 2:
                for width in (2, 3):
                    for i in range(size - width + 1):
                        part = token[i:i + width]
                        if part != token and part in index:
                            out.append(part)
        return out
