"""jieba segmentation with the hotline user dictionary."""

import logging
from collections.abc import Iterable
from pathlib import Path

import jieba

jieba.setLogLevel(logging.WARNING)

# Frequency given to rule words so that jieba keeps them whole.
_RULE_WORD_FREQ = 20000


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

    def cut(self, text: str) -> list[str]:
        return self._tokenizer.lcut(text) if text else []

    def cut_for_search(self, text: str) -> list[str]:
        return self._tokenizer.lcut_for_search(text) if text else []
