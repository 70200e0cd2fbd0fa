"""Natural-language understanding for the 88908890 hotline.

``classify(text)`` turns a caller's transcript or typed message into a
:class:`Decision`: taxonomy label, emergency number, confidence, the rules
that fired, the handling unit and, for inquiries, the knowledge-base entry.
A linear model learned from the labelled sentences decides; keyword rules
explain and catch emergencies. The vocabulary and the training sentences live
in the operators' data files under ``data/nlu/``.
"""

from .classifier import Classifier, classify, default_classifier, reset_default
from .decision import Decision, Match
from .knowledge import Entry, KnowledgeBase
from .rules import LABELS, NUMBERS

__all__ = [
    "LABELS",
    "NUMBERS",
    "Classifier",
    "Decision",
    "Entry",
    "KnowledgeBase",
    "Match",
    "classify",
    "default_classifier",
    "reset_default",
]
