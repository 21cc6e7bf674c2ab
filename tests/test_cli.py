"""The `recobro` command as a user runs it: a real process, real files, real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, portfolio, row

NOW = "2026-11-24T10:00:00-05:00"


@pytest.fixture
def recobro(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run `recobro ARGS` against a fresh SQLite database in tmp_path."""
    env = {**os.environ, "RECOBRO_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}",
           "RECOBRO_CREDITOR_NAME": "Almacenes Prisma", "RECOBRO_LOG_LEVEL": "WARNING"}
    env.pop("RECOBRO_NOW", None)

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, text=True,
                              capture_output=True, env=env, cwd=ROOT, timeout=120)

    assert run("db", "upgrade").returncode == 0
    return run


def test_commands_refuse_an_unmigrated_database_and_name_the_fix(tmp_path: Path) -> None:
    env = {**os.environ, "RECOBRO_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "tick"], text=True,
                            capture_output=True, env=env, cwd=ROOT)
    assert result.returncode == 2
    assert "run `recobro db upgrade`" in result.stderr


def test_import_reports_bad_rows_by_line_and_exits_non_zero(recobro, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    csv = tmp_path / "p.csv"
    csv.write_text(portfolio(row(), row("X-2", "Luis", "+573104567890", "F-2", amount="")))
    result = recobro("import", str(csv))
    assert result.returncode == 1
    assert "debtors 1 new" in result.stdout
    assert "rejected line 3: amount is missing" in result.stdout
    again = recobro("import", str(csv))
    assert "invoices 0 new, 0 updated, 1 unchanged" in again.stdout


def test_import_of_a_missing_file_says_so(recobro) -> None:  # type: ignore[no-untyped-def]
    result = recobro("import", "nope.csv")
    assert result.returncode == 2 and "cannot read nope.csv" in result.stderr


def test_ana_chats_in_the_terminal(recobro) -> None:  # type: ignore[no-untyped-def]
    assert recobro("import", str(ROOT / "examples" / "portfolio.csv")).returncode == 0
    result = recobro("chat", "--debtor", "CO-001", "--now", NOW, stdin="ya pagué\n")
    assert result.returncode == 0, result.stderr
    replies = [line for line in result.stdout.splitlines() if line.startswith("bot> ")]
    assert len(replies) == 2
    assert "$1.200.000" in replies[0]
    assert replies[1].startswith("bot> ¡Gracias por avisarnos, Ana!")
    assert "     1. Ya pagué" in result.stdout  # options as a numbered list


def test_tick_then_debtor_show_json(recobro) -> None:  # type: ignore[no-untyped-def]
    recobro("import", str(ROOT / "examples" / "portfolio.csv"))
    tick = recobro("tick", "--now", NOW)
    assert tick.returncode == 0 and "timers fired" in tick.stdout
    shown = recobro("debtor", "show", "BR-001", "--json")
    document = json.loads(shown.stdout)
    assert (document["balance"], document["currency"], document["locale"]) == (
        "1500.50", "BRL", "pt-BR")
    assert document["messages"][0]["text"].startswith("Olá, João, aqui é da Almacenes Prisma.")
    assert "R$ 1.500,50" in document["messages"][0]["text"]
    assert recobro("debtor", "show", "NOPE").returncode == 2


def test_tick_no_dispatch_queues_reminders_for_the_running_workers(recobro) -> None:  # type: ignore[no-untyped-def]
    recobro("import", str(ROOT / "examples" / "portfolio.csv"))
    queued = recobro("tick", "--no-dispatch", "--now", NOW)
    assert queued.returncode == 0, queued.stderr
    assert "sent 0," in queued.stdout and "timers fired 0;" not in queued.stdout
    sent = recobro("tick", "--now", NOW)
    assert "timers fired 0;" in sent.stdout and "sent 0," not in sent.stdout


def test_admin_users_are_created_with_a_password_from_stdin(recobro) -> None:  # type: ignore[no-untyped-def]
    created = recobro("admin", "create-user", "ines", "--role", "admin", "--password-stdin",
                      stdin="una clave larga\n")
    assert created.returncode == 0, created.stderr
    assert recobro("admin", "create-user", "ines", "--password-stdin",
                   stdin="otra clave larga\n").returncode == 2
    assert recobro("admin", "create-user", "ines", "--if-missing", "--password-stdin",
                   stdin="x" * 10 + "\n").returncode == 0
    short = recobro("admin", "create-user", "leo", "--password-stdin", stdin="corta\n")
    assert short.returncode == 2 and "at least 8 characters" in short.stderr


def test_understand_reads_json_lines_and_answers_one_line_each() -> None:
    lines = ['{"text": "puedo dar 150 mil mensuales"}',
             '{"text": "Dá para parcelar em 5 vezes?", "locale": "pt-BR"}',
             "not json"]
    result = subprocess.run([sys.executable, "-m", "bot.cli", "understand", "--today",
                             "2026-11-24"], input="\n".join(lines) + "\n", text=True,
                            capture_output=True, cwd=ROOT, timeout=60)
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert out[0] == {"intent": "offer_amount", "amount": "150000", "date": None,
                      "installments": None, "recurring": True, "reason": None,
                      "confidence": out[0]["confidence"]}
    assert (out[1]["intent"], out[1]["installments"]) == ("request_plan", 5)
    assert out[2] == {"error": "line 3: not JSON (Expecting value)"}
    assert result.returncode == 1
