"""The debtor's own "not at these times", written as a short text an admin can type.

    Mon-Fri 12:00-14:00; Sun           lunch on weekdays, and never on Sunday
    lun-vie 21:00-08:00                nights (a range may run past midnight)
    *                                  never (every day, all day)

Entries are separated by ";". Each names days, then optionally a `HH:MM-HH:MM` range in the
debtor's local wall time; a day without a range is quiet all day. Days are names, whole or
in three letters, in English, Spanish or Portuguese (mon/lun/seg ... sun/dom), ranges of
them (`mon-fri`, wrapping past Sunday as in `sat-mon`) or lists (`mon,wed`); `*` is every
day. The canonical form, stored and shown, is English (`format_quiet_times`).

Pure: text in, `QuietTime` values out, or a ValueError that says what is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import time

from bot.compliance.types import QuietTime

_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY: dict[str, int] = {}
for _names in (
        _NAMES, ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        ("lun", "mar", "mie", "jue", "vie", "sab", "dom"),
        ("lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo"),
        ("seg", "ter", "qua", "qui", "sex", "sab", "dom"),
        ("segunda", "terca", "quarta", "quinta", "sexta", "sabado", "domingo")):
    _DAY.update({name: i for i, name in enumerate(_names)})
_RANGE = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
_ALL_DAY = time(0, 0)
MAX_LENGTH = 200


def _day(token: str) -> int:
    plain = "".join(c for c in unicodedata.normalize("NFKD", token.strip().lower())
                    if not unicodedata.combining(c))
    if plain not in _DAY:
        raise ValueError(f"{token.strip()!r} is not a day (mon, tue ... sun; lun ... dom; "
                         "seg ... dom)")
    return _DAY[plain]


def _days(text: str) -> frozenset[int]:
    text = re.sub(r"-feira", "", text, flags=re.IGNORECASE)  # segunda-feira is a day, not a range
    if text.strip() == "*":
        return frozenset(range(7))
    days: set[int] = set()
    for part in text.split(","):
        if "-" in part:
            first, _, last = part.partition("-")
            start, end = _day(first), _day(last)
            days.update((start + i) % 7 for i in range((end - start) % 7 + 1))
        else:
            days.add(_day(part))
    return frozenset(days)


def _time(hours: str, minutes: str, entry: str) -> time:
    h, m = int(hours), int(minutes)
    if h == 24 and m == 0:
        return _ALL_DAY  # "22:00-24:00" ends at midnight
    if h > 23 or m > 59:
        raise ValueError(f"{entry!r}: {hours}:{minutes} is not a time of day")
    return time(h, m)


def parse_quiet_times(text: str) -> tuple[QuietTime, ...]:
    """The quiet times a text names; empty text, none."""
    if len(text) > MAX_LENGTH:
        raise ValueError(f"quiet times are at most {MAX_LENGTH} characters")
    out: list[QuietTime] = []
    for entry in (e.strip() for e in text.split(";")):
        if not entry:
            continue
        if not any(c.isdigit() for c in entry):
            out.append(QuietTime(_days(entry), _ALL_DAY, _ALL_DAY))
            continue
        match = _RANGE.search(entry)
        if not match or not entry[:match.start()].strip():
            raise ValueError(f"{entry!r}: write the days, then the hours as HH:MM-HH:MM "
                             "(Mon-Fri 12:00-14:00)")
        days_text = entry[:match.start()]
        start = _time(match[1], match[2], entry)
        end = _time(match[3], match[4], entry)
        if start == end:
            raise ValueError(f"{entry!r}: the range is empty; leave the hours out for a "
                             "whole day")
        out.append(QuietTime(_days(days_text), start, end))
    return tuple(out)


def _days_text(days: frozenset[int]) -> str:
    if days == frozenset(range(7)):
        return "*"
    runs: list[str] = []
    ordered = sorted(days)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        first, last = _NAMES[ordered[i]].capitalize(), _NAMES[ordered[j]].capitalize()
        runs.append(first if i == j else f"{first}-{last}")
        i = j + 1
    return ",".join(runs)


def format_quiet_times(quiet: tuple[QuietTime, ...]) -> str:
    """The canonical text of quiet times (parses back to the same values)."""
    parts = []
    for q in quiet:
        days = _days_text(q.days)
        if q.start == q.end:
            parts.append(days)
        else:
            end = "24:00" if q.end == _ALL_DAY else q.end.strftime("%H:%M")
            parts.append(f"{days} {q.start:%H:%M}-{end}")
    return "; ".join(parts)
