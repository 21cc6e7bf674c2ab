"""Every labelled development file meets the targets, so a regression fails CI.

dev.jsonl, dev2.jsonl and dev3.jsonl were written and labelled by three other people (dev2 and
dev3 independently, to find where rules written for the sets before did not generalise; dev3
is about days); extra.jsonl was written by the rule maintainer before measuring, extra2.jsonl
after the work on dev2, extra3.jsonl (days) in round 3 before any rule was changed for it,
extra4.jsonl (days) after the work on dev3.
The held-out quarter (holdout.jsonl, by the first writer) was never opened by anyone writing
rules; it is added to the repository only after the last round, and is held here to what it
measured then, not to the targets (see its README): a guard against regression, not a goal to
tune for.
Targets: intent accuracy >= 95%, amount and date exact match >= 97% (scripts/nlu_report.py).
"""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "understanding" / "data"
DEV = DATA / "dev.jsonl"
# The files and how many examples each must hold (a truncated file must not pass quietly).
FILES = {"dev.jsonl": 740, "dev2.jsonl": 928, "dev3.jsonl": 647, "extra.jsonl": 277,
         "extra2.jsonl": 183, "extra3.jsonl": 176, "extra4.jsonl": 117}


def _report_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("nlu_report", ROOT / "scripts" / "nlu_report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["nlu_report"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=sorted(FILES))
def numbers(request: pytest.FixtureRequest) -> dict[str, object]:
    report = _report_module().evaluate(DATA / request.param)
    expected = FILES[request.param]
    assert report.count == expected
    return report.numbers()  # type: ignore[no-any-return]


HOLDOUT = "holdout.jsonl"
# Measured once, after the third round of rules (intent 232/245, amount 32/33, date 33/37).
HOLDOUT_MEASURED = {"intent": 232 / 245, "amount": 32 / 33, "date": 33 / 37}


def test_every_labelled_file_is_checked() -> None:
    assert {p.name for p in DATA.glob("*.jsonl")} == set(FILES) | {HOLDOUT}


def test_the_held_out_quarter_does_not_fall_below_what_it_measured() -> None:
    report = _report_module().evaluate(DATA / HOLDOUT)
    assert report.count == 245
    numbers = report.numbers()
    assert numbers["intent_accuracy"] >= HOLDOUT_MEASURED["intent"] - 1e-9
    for entity in ("amount", "date"):
        assert numbers["entities"][entity]["exact"] >= HOLDOUT_MEASURED[entity] - 1e-9


def test_intent_accuracy_is_at_least_95_percent(numbers: dict) -> None:
    assert numbers["intent_accuracy"] >= 0.95, numbers["file"]


def test_amount_and_date_exact_match_are_at_least_97_percent(numbers: dict) -> None:
    entities = numbers["entities"]
    assert entities["amount"]["exact"] >= 0.97, numbers["file"]
    assert entities["date"]["exact"] >= 0.97, numbers["file"]


def test_every_intent_is_recognised(numbers: dict) -> None:
    weak = {i: row["f1"] for i, row in numbers["per_intent"].items() if row["f1"] < 0.8}
    assert not weak, numbers["file"]


def test_the_report_check_flag_fails_when_targets_are_missed(tmp_path: Path) -> None:
    module = _report_module()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "hola", "locale": "es-CO", "today": "2026-11-18", "intent": '
                   '"thanks", "amount": null, "date": null, "installments": null, '
                   '"recurring": null, "reason": null}\n')
    assert module.main([str(bad), "--check"]) == 1
    assert module.main([str(bad)]) == 0
    assert module.main([str(DEV), "--check", "--json", str(tmp_path / "n.json")]) == 0
