"""`recobro understand`: JSON lines in, one reading per line out, in order.

Each input line is {"text": ..., "locale": ... (optional), "today": ... (optional,
YYYY-MM-DD)}; each output line is the `Understanding.as_json()` of that text. A line that
cannot be read becomes {"error": "line N: <reason>"} in its place and the run goes on, so
the output always lines up with the input.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TextIO

from bot.understanding.engine import understand


def _read_line(line: str, locale: str, today: date) -> dict[str, object]:
    """The output object for one input line; raises ValueError with a readable reason."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON ({error.msg})") from error
    if not isinstance(item, dict):
        raise ValueError("expected a JSON object")
    text = item.get("text")
    if not isinstance(text, str):
        raise ValueError('"text" must be a string')
    line_locale = item.get("locale", locale)
    if line_locale is None:
        line_locale = locale
    if not isinstance(line_locale, str):
        raise ValueError('"locale" must be a string')
    line_today = today
    if item.get("today") is not None:
        try:
            line_today = date.fromisoformat(str(item["today"]))
        except ValueError as error:
            raise ValueError('"today" must be a date (YYYY-MM-DD)') from error
    return understand(text, line_locale, line_today).as_json()


def run(stdin: TextIO, stdout: TextIO, locale: str, today: date) -> int:
    """Read JSON lines from `stdin`, write one reading per line to `stdout`; 0 when all read."""
    failures = 0
    for number, line in enumerate(stdin, start=1):
        if not line.strip():
            result: dict[str, object] = {"error": f"line {number}: empty line"}
            failures += 1
        else:
            try:
                result = _read_line(line, locale, today)
            except ValueError as error:
                result = {"error": f"line {number}: {error}"}
                failures += 1
        stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    stdout.flush()
    # Bad lines are reported in place; the exit code tells a script that some were bad.
    return 1 if failures else 0
