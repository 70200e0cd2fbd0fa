"""jieba segmentation with the hotline user dictionary."""

import logging
import re
from collections.abc import Iterable
from math import log
from pathlib import Path

import jieba
from jieba import finalseg

jieba.setLogLevel(logging.WARNING)

# Frequency given to rule words so that jieba keeps them whole.
_RULE_WORD_FREQ = 20000

# What jieba's default (accurate, HMM) mode treats as one block of text to cut
# with its dictionary; normalised utterances are usually one such block.
_ONE_BLOCK = re.compile("[\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+")


class Segmenter:
    """A private jieba tokenizer: other users of the global jieba are not affected."""

    def __init__(self, userdict: Path | None = None, extra_words: Iterable[str] = ()) -> None:
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        if userdict is not None and userdict.exists():
            self._tokenizer.load_userdict(str(userdict))
        for word in extra_words:
            if len(word) > 1 and self._tokenizer.FREQ.get(word, 0) < _RULE_WORD_FREQ:
                self._tokenizer.add_word(word, _RULE_WORD_FREQ)
        self._cache: dict[str, object] = {}  # see _entries
        self._total = -1
        self._logtotal = 0.0
        self._unknown = 0.0

    def cut(self, text: str, hmm: bool = True) -> list[str]:
        """jieba's accurate mode; ``hmm=False`` leaves runs of characters that form
        no dictionary word as single characters instead of letting jieba's HMM
        guess new words (a third faster; the rules only need word boundaries)."""
        if not text:
            return []
        if _ONE_BLOCK.fullmatch(text):
            return self._cut_block(text, hmm)
        return self._tokenizer.lcut(text, HMM=hmm)

    def cut_for_search(self, text: str) -> list[str]:
        return self._tokenizer.lcut_for_search(text) if text else []

    def _cut_block(self, sentence: str, hmm: bool = True) -> list[str]:
        """jieba's accurate mode on one block, word for word the same as
        ``Tokenizer.lcut`` (get_DAG, calc and __cut_DAG or __cut_DAG_NO_HMM)."""
        ends = self._best_route(sentence)
        if not hmm:
            return _no_hmm(sentence, ends)
        out: list[str] = []
        n = len(sentence)
        x = 0
        buf = ""
        while x < n:
            y = ends[x]
            if y - x == 1:
                buf += sentence[x:y]
            else:
                if buf:
                    self._flush(buf, out)
                    buf = ""
                out.append(sentence[x:y])
            x = y
        if buf:
            self._flush(buf, out)
        return out

    def _best_route(self, sentence: str) -> list[int]:
        """Where the word starting at each position ends on jieba's most probable
        route: its ``get_DAG`` and ``calc`` in one pass from the right, with the
        same sums in the same order (so ties fall the same way)."""
        get = self._entries().get
        unknown = self._unknown
        n = len(sentence)
        score = [0.0] * (n + 1)  # log probability of the best route from here on
        ends = [0] * (n + 1)
        for start in range(n - 1, -1, -1):
            best = None
            end = start + 1
            frag = sentence[start]
            while True:
                p = get(frag, _MISSING)
                if p is _MISSING:
                    p = self._look_up(frag)
                if p is _NO_ENTRY:
                    break
                if p is not None:
                    here = p + score[end]
                    # jieba takes the max of (probability, end): ties go to the longer word
                    if best is None or here >= best:
                        best = here
                        ends[start] = end
                if end == n:
                    break
                end += 1
                frag = sentence[start:end]
            if best is None:  # no dictionary word starts here: the character alone
                best = unknown + score[start + 1]
                ends[start] = start + 1
            score[start] = best
        return ends

    def _entries(self) -> dict[str, object]:
        """The dictionary look-ups made so far (see ``_look_up``), forgotten when
        words were added (jieba's ``add_word`` and ``load_userdict`` change the
        total; words are never deleted from a segmenter's dictionary)."""
        total = self._tokenizer.total
        if total != self._total:
            self._total = total
            self._logtotal = log(total)
            self._unknown = log(1) - self._logtotal  # jieba's ``freq or 1``
            self._cache = {}
        return self._cache

    def _look_up(self, frag: str) -> object:
        """log(frequency / total) of a dictionary word, None for a fragment that
        only begins words, _NO_ENTRY for one that begins none. Remembered: the
        small cache is much faster to search than jieba's large dictionary."""
        freq = self._tokenizer.FREQ.get(frag)
        found: object = None  # jieba keeps the prefixes of its words with frequency 0
        if freq is None:
            found = _NO_ENTRY
        elif freq:
            found = log(freq) - self._logtotal
        if len(self._cache) >= _CACHE_SIZE:  # bounded whatever the input
            self._cache.clear()
        self._cache[frag] = found
        return found

    def _flush(self, buf: str, out: list[str]) -> None:
        """Single characters in a row: jieba's HMM guesses the unknown words."""
        if len(buf) == 1:
            out.append(buf)
        elif not self._tokenizer.FREQ.get(buf):
            out.extend(finalseg.cut(buf))
        else:
            out.extend(buf)


def _no_hmm(sentence: str, ends: list[int]) -> list[str]:
    """jieba's ``__cut_DAG_NO_HMM``: the best route's words, with runs of single
    ASCII letters and digits joined into one word."""
    out: list[str] = []
    n = len(sentence)
    x = 0
    buf = ""
    while x < n:
        y = ends[x]
        word = sentence[x:y]
        if y - x == 1 and word in _ALNUM:
            buf += word
        else:
            if buf:
                out.append(buf)
                buf = ""
            out.append(word)
        x = y
    if buf:
        out.append(buf)
    return out


_MISSING = object()
_NO_ENTRY = object()
# Dictionary look-ups a segmenter remembers at most (about ten megabytes).
_CACHE_SIZE = 100_000
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
