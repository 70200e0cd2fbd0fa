"""Accuracy metrics of a classifier on a labelled corpus (JSON lines)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .decision import Decision
from .rules import LABELS


@dataclass
class Report:
    total: int = 0
    correct: int = 0
    per_label: dict[str, dict[str, float]] = field(default_factory=dict)
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    macro_f1: float = 0.0
    emergency_recall: float = 0.0
    number_accuracy: float = 0.0
    false_emergency_rate: float = 0.0
    errors: list[tuple[str, str, str | None, str, str | None]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def format(self) -> str:
        lines = [f"utterances: {self.total}  accuracy: {self.accuracy:.3f}  "
                 f"macro-F1: {self.macro_f1:.3f}",
                 f"emergency recall: {self.emergency_recall:.3f}  "
                 f"number accuracy: {self.number_accuracy:.3f}  "
                 f"false emergencies: {self.false_emergency_rate:.3%}",
                 "", f"{'label':<22}{'P':>7}{'R':>7}{'F1':>7}{'n':>5}"]
        for label in LABELS:
            row = self.per_label[label]
            lines.append(f"{label:<22}{row['precision']:>7.3f}{row['recall']:>7.3f}"
                         f"{row['f1']:>7.3f}{int(row['support']):>5}")
        short = [label[:6] for label in LABELS]
        lines += ["", "confusion (rows: expected, columns: predicted)",
                  " " * 22 + "".join(f"{s:>7}" for s in short)]
        for label in LABELS:
            lines.append(f"{label:<22}"
                         + "".join(f"{self.confusion[label][p]:>7}" for p in LABELS))
        return "\n".join(lines)


def read_corpus(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def evaluate(rows: Iterable[dict], classify: Callable[[str], Decision]) -> Report:
    report = Report()
    report.confusion = {e: {p: 0 for p in LABELS} for e in LABELS}
    emergencies = emergency_found = number_right = 0
    others = false_emergencies = 0
    for row in rows:
        decision = classify(row["text"])
        expected, number = row["label"], row.get("emergency")
        report.total += 1
        report.confusion[expected][decision.label] += 1
        if decision.label == expected and decision.emergency == number:
            report.correct += 1
        else:
            report.errors.append((row["text"], expected, number, decision.label,
                                  decision.emergency))
        if expected == "emergency":
            emergencies += 1
            if decision.label == "emergency":
                emergency_found += 1
                number_right += decision.emergency == number
        else:
            others += 1
            false_emergencies += decision.label == "emergency"
    f1s = []
    for label in LABELS:
        tp = report.confusion[label][label]
        predicted = sum(report.confusion[e][label] for e in LABELS)
        support = sum(report.confusion[label].values())
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report.per_label[label] = {"precision": precision, "recall": recall, "f1": f1,
                                   "support": support}
        if support:
            f1s.append(f1)
    report.macro_f1 = sum(f1s) / len(f1s) if f1s else 0.0
    report.emergency_recall = emergency_found / emergencies if emergencies else 1.0
    report.number_accuracy = number_right / emergency_found if emergency_found else 1.0
    report.false_emergency_rate = false_emergencies / others if others else 0.0
    return report
