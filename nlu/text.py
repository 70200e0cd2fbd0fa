"""Normalisation of transcripts and typed text before matching."""

import re
import unicodedata
from collections.abc import Iterable, Mapping

# Everything that is not a CJK ideograph, an ASCII letter or a digit is dropped:
# speech transcripts carry no punctuation, so typed text is made to look the same
# and the rules never rely on punctuation.
_DROP = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")


def _alternation(words: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted({w for w in words if w}, key=len, reverse=True)
    if not ordered:
        return None
    return re.compile("|".join(re.escape(w) for w in ordered))


class Normalizer:
    """Full-width folding, lower case, punctuation and filler removal, corrections."""

    def __init__(
        self,
        corrections: Mapping[str, str],
        fillers: Iterable[str] = (),
        max_chars: int = 2000,
    ) -> None:
        self._corrections = {_fold(k): _fold(v) for k, v in corrections.items()}
        self._fix = _alternation(self._corrections)
        self._fillers = _alternation(_fold(f) for f in fillers)
        self._max_chars = max_chars

    def __call__(self, text: str) -> str:
        if not text:
            return ""
        text = _DROP.sub("", _fold(text[: self._max_chars * 2]))
        if self._fillers is not None:
            text = self._fillers.sub("", text)
        if self._fix is not None:
            text = self._fix.sub(lambda m: self._corrections[m.group(0)], text)
        return text[: self._max_chars]


# Full-width punctuation of typed text, each replaced by its compatibility
# decomposition beforehand (which leaves NFKC's result as it was): the text is
# then usually normalised already, which NFKC finds out much faster.
_FULL_WIDTH = tuple((c, unicodedata.normalize("NFKD", c)) for c in "，？！：；（）")


def _fold(text: str) -> str:
    for wide, narrow in _FULL_WIDTH:
        if wide in text:
            text = text.replace(wide, narrow)
    return unicodedata.normalize("NFKC", text).lower()
