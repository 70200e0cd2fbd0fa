"""Finding all the words of a vocabulary in a text in one pass (Aho-Corasick)."""

from __future__ import annotations

from collections.abc import Mapping

import ahocorasick


def automaton(values: Mapping[str, object]) -> ahocorasick.Automaton | None:
    """An automaton whose ``iter(text)`` yields ``(index of the last character,
    value)`` for each occurrence of each word, overlapping ones included, in
    no particular order; None when there is no (non-empty) word."""
    words = [(word, value) for word, value in values.items() if word]
    if not words:
        return None
    found = ahocorasick.Automaton()
    for word, value in words:
        found.add_word(word, value)
    found.make_automaton()
    return found
