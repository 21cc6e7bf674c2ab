"""Measure `bot.understanding.understand` on labelled JSONL files.

Usage:
    python scripts/nlu_report.py [FILE ...] [--errors] [--json OUT] [--check]

Without files it reads every `tests/understanding/data/*.jsonl`. For each file it prints the
intent accuracy, a per-intent precision/recall/F1 table and entity exact-match rates. Each
line of a file is {"text", "locale", "today", "intent", "amount", "date", "installments",
"recurring", "reason", ...}.

Entity rates are computed over the examples where the gold value or the predicted value is
non-null (so a wrongly invented entity counts against the rate as much as a missed one);
amounts compare as decimals ("1200" == "1200.00"). `--check` exits 1 when a file misses the
targets (intent accuracy >= 95%, amount and date exact match >= 97%).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.understanding import Intent, understand  # noqa: E402

ENTITIES = ("amount", "date", "installments", "recurring", "reason")
TARGETS = {"intent_accuracy": 0.95, "amount": 0.97, "date": 0.97}


def _same(entity: str, gold: Any, predicted: Any) -> bool:
    """Whether two entity values are equal; amounts compare as decimals."""
    if entity == "amount" and gold is not None and predicted is not None:
        try:
            return Decimal(str(gold)) == Decimal(str(predicted))
        except InvalidOperation:
            return False
    return bool(gold == predicted)


@dataclass
class FileReport:
    """The numbers for one labelled file."""

    name: str
    count: int = 0
    correct: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_locale: Counter[tuple[str, bool]] = field(default_factory=Counter)
    entity_total: Counter[str] = field(default_factory=Counter)
    entity_correct: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, example: dict[str, Any], predicted: dict[str, Any]) -> None:
        """Count one example."""
        self.count += 1
        gold_intent, got_intent = example["intent"], predicted["intent"]
        self.confusion[(gold_intent, got_intent)] += 1
        self.by_locale[(str(example.get("locale")), gold_intent == got_intent)] += 1
        wrong: list[str] = []
        if gold_intent == got_intent:
            self.correct += 1
        else:
            wrong.append("intent")
        for entity in ENTITIES:
            gold, got = example.get(entity), predicted.get(entity)
            if gold is None and got is None:
                continue
            self.entity_total[entity] += 1
            if _same(entity, gold, got):
                self.entity_correct[entity] += 1
            else:
                wrong.append(entity)
        if wrong:
            self.errors.append({"id": example.get("id"), "wrong": wrong, "text": example["text"],
                                "locale": example.get("locale"), "today": example.get("today"),
                                "gold": {k: example.get(k) for k in ("intent", *ENTITIES)},
                                "got": {k: predicted.get(k) for k in ("intent", *ENTITIES)}})

    def per_intent(self) -> dict[str, dict[str, float]]:
        """Precision, recall, F1 and support for every intent seen."""
        out: dict[str, dict[str, float]] = {}
        for intent in [i.value for i in Intent]:
            tp = self.confusion[(intent, intent)]
            gold = sum(n for (g, _), n in self.confusion.items() if g == intent)
            got = sum(n for (_, p), n in self.confusion.items() if p == intent)
            if gold == 0 and got == 0:
                continue
            precision = tp / got if got else 0.0
            recall = tp / gold if gold else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            out[intent] = {"precision": precision, "recall": recall, "f1": f1, "support": gold}
        return out

    def numbers(self) -> dict[str, Any]:
        """Everything as plain numbers, for --json."""
        return {
            "file": self.name,
            "count": self.count,
            "intent_accuracy": self.correct / self.count if self.count else 0.0,
            "per_intent": self.per_intent(),
            "per_locale_accuracy": {
                locale: self.by_locale[(locale, True)]
                / (self.by_locale[(locale, True)] + self.by_locale[(locale, False)])
                for locale in sorted({loc for loc, _ in self.by_locale})
            },
            "entities": {
                e: {"exact": self.entity_correct[e] / self.entity_total[e] if self.entity_total[e]
                    else 1.0, "compared": self.entity_total[e]}
                for e in ENTITIES
            },
        }

    def missed_targets(self) -> list[str]:
        """The targets this file misses, as readable lines."""
        numbers = self.numbers()
        missed = []
        if numbers["intent_accuracy"] < TARGETS["intent_accuracy"]:
            missed.append(f"intent accuracy {numbers['intent_accuracy']:.1%} < 95%")
        for entity in ("amount", "date"):
            rate = numbers["entities"][entity]["exact"]
            if rate < TARGETS[entity]:
                missed.append(f"{entity} exact match {rate:.1%} < 97%")
        return missed


def evaluate(path: Path) -> FileReport:
    """Run understanding over one JSONL file."""
    report = FileReport(path.name)
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            example = json.loads(line)
            result = understand(example["text"], example["locale"],
                                date.fromisoformat(example["today"]))
            report.add(example, result.as_json())
    return report


def render(report: FileReport, show_errors: bool) -> str:
    """The human-readable report of one file."""
    n = report.numbers()
    lines = [f"== {report.name}: {report.count} examples",
             f"intent accuracy: {n['intent_accuracy']:.1%} ({report.correct}/{report.count})",
             "by locale: " + ", ".join(f"{loc} {acc:.1%}"
                                       for loc, acc in n["per_locale_accuracy"].items()),
             "", f"{'intent':<22}{'precision':>10}{'recall':>8}{'f1':>7}{'support':>9}"]
    for intent, row in sorted(n["per_intent"].items(), key=lambda kv: kv[1]["f1"]):
        lines.append(f"{intent:<22}{row['precision']:>10.2f}{row['recall']:>8.2f}"
                     f"{row['f1']:>7.2f}{int(row['support']):>9}")
    lines += ["", "entity exact match (over examples where gold or predicted is non-null):"]
    for entity in ENTITIES:
        row = n["entities"][entity]
        lines.append(f"  {entity:<13}{row['exact']:>7.1%}  of {row['compared']}")
    if show_errors and report.errors:
        lines += ["", "errors:"]
        for error in sorted(report.errors, key=lambda e: (e["gold"]["intent"], e["got"]["intent"])):
            diffs = ", ".join(f"{k}: {error['gold'][k]!r} -> {error['got'][k]!r}"
                              for k in error["wrong"])
            lines.append(f"  [{error['locale']} {error['today']}] {error['text']!r}\n      {diffs}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the report; with --check, exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--errors", action="store_true", help="list every mistake")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    files = args.files or sorted((ROOT / "tests" / "understanding" / "data").glob("*.jsonl"))
    if not files:
        print("no labelled files found", file=sys.stderr)
        return 2
    reports = [evaluate(path) for path in files]
    print("\n\n".join(render(r, args.errors) for r in reports))
    if args.json:
        args.json.write_text(json.dumps([r.numbers() for r in reports], indent=2) + "\n")
    missed = [f"{r.name}: {m}" for r in reports for m in r.missed_targets()]
    if missed:
        print("\ntargets missed:\n  " + "\n  ".join(missed))
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
