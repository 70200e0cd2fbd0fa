"""What the learned model sees of an utterance.

Character 1- to 3-grams of the normalised text (robust to homophone errors and
to words jieba cuts differently), as exact 63-bit integer keys computed with
numpy in one go: each code point takes 21 bits, so a trigram is
``a << 42 | b << 21 | c``, a bigram ``b << 21 | c`` and a character ``c``
(code point 0 never occurs in a normalised text, so the three never meet).
Each distinct n-gram counts once, so that a long ramble of fillers around a
few words does not drown them.

jieba words and word pairs as extra features were measured too: they added
nothing over the trigrams in cross-validation and cost time on the hot path.

The rule engine's findings are deliberately not features: the rules were tuned
on most of the training sentences, so a model learns to trust them blindly and
then fails on new wording (cross-validation by source showed it, see
``nlu.crossval``). The rules act beside the model instead (emergency safety
net, explanation).
"""

from __future__ import annotations

import numpy as np

_BITS = 21
_MASK = (1 << _BITS) - 1


def char_keys(norm: str) -> np.ndarray:
    """Distinct integer keys of the character 1-, 2- and 3-grams of a normalised
    text, sorted."""
    codes = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    if len(codes) < 3:
        if len(codes) == 2:
            return np.unique(np.append(codes, (codes[0] << _BITS) | codes[1]))
        return codes
    bi = (codes[:-1] << _BITS) | codes[1:]
    tri = (bi[:-1] << _BITS) | codes[2:]
    keys = np.concatenate((codes, bi, tri))
    keys.sort()
    fresh = np.empty(len(keys), bool)
    fresh[0] = True
    np.not_equal(keys[1:], keys[:-1], out=fresh[1:])
    return keys[fresh]


def key_text(key: int) -> str:
    """The characters of a key (for explanations)."""
    chars = []
    while key:
        chars.append(chr(key & _MASK))
        key >>= _BITS
    return "".join(reversed(chars))

