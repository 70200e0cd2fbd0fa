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
        # log(frequency) - log(total) of the words met so far (see _cut_block)
        self._logp: dict[str, float] = {}
        self._total = -1

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
        ``Tokenizer.lcut`` (get_DAG, calc and __cut_DAG or __cut_DAG_NO_HMM), with
        the word log probabilities remembered instead of recomputed for every
        utterance."""
        tokenizer = self._tokenizer
        freq = tokenizer.FREQ
        if tokenizer.total != self._total:  # words were added: start afresh
            self._total = tokenizer.total
            self._logp = {}
        logp = self._logp
        logtotal = log(self._total)
        n = len(sentence)
        dag: list[list[int]] = []
        for k in range(n):
            ends = []
            i = k
            frag = sentence[k]
            while i < n and frag in freq:
                if freq[frag]:
                    ends.append(i)
                i += 1
                frag = sentence[k:i + 1]
            if not ends:
                ends.append(k)
            dag.append(ends)
        route: list[tuple[float, int]] = [(0, 0)] * (n + 1)
        for idx in range(n - 1, -1, -1):
            best: tuple[float, int] | None = None
            for x in dag[idx]:
                word = sentence[idx:x + 1]
                p = logp.get(word)
                if p is None:
                    p = logp[word] = log(freq.get(word) or 1) - logtotal
                candidate = (p + route[x + 1][0], x)
                if best is None or candidate > best:
                    best = candidate
            route[idx] = best  # type: ignore[assignment]
        if not hmm:
            return _no_hmm(sentence, route)
        out: list[str] = []
        x = 0
        buf = ""
        while x < n:
            y = route[x][1] + 1
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

    def _flush(self, buf: str, out: list[str]) -> None:
        """Single characters in a row: jieba's HMM guesses the unknown words."""
        if len(buf) == 1:
            out.append(buf)
        elif not self._tokenizer.FREQ.get(buf):
            out.extend(finalseg.cut(buf))
        else:
            out.extend(buf)


def _no_hmm(sentence: str, route: list[tuple[float, int]]) -> list[str]:
    """jieba's ``__cut_DAG_NO_HMM``: the best route's words, with runs of single
    ASCII letters and digits joined into one word."""
    out: list[str] = []
    n = len(sentence)
    x = 0
    buf = ""
    while x < n:
        y = route[x][1] + 1
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


_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
