"""The result of classifying one utterance."""

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Match:
    """One rule that fired, with the words that made it fire."""

    rule: str
    words: tuple[str, ...]
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "words": list(self.words), "weight": round(self.weight, 3)}


@dataclass(frozen=True)
class Decision:
    """What the IVR does with an utterance.

    ``emergency`` is ``"110"``, ``"119"`` or ``"120"`` for emergencies, else None.
    ``matched`` lists the rules that fired (for the agent's screen and the audit);
    ``cancelled`` lists danger or intent words that a negation, past or
    hypothetical cue switched off. ``low_confidence`` calls go to an agent.
    """

    text: str
    label: str
    emergency: str | None
    confidence: float
    low_confidence: bool
    matched: tuple[Match, ...] = ()
    cancelled: tuple[str, ...] = ()
    unit: str | None = None
    kb_id: str | None = None
    kb_score: float | None = None
    scores: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["matched"] = [m.to_dict() for m in self.matched]
        data["cancelled"] = list(self.cancelled)
        data["confidence"] = round(self.confidence, 3)
        data["kb_score"] = None if self.kb_score is None else round(self.kb_score, 3)
        data["scores"] = {k: round(v, 3) for k, v in self.scores.items()}
        return data
