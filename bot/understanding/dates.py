"""The day a debtor means, from the date phrases the lexicon found, always today or later.

Each phrase kind ("tomorrow", "weekday", "day_of_month", ...) is data in the language files;
what day a kind means is here, once for every language. When a message names several days
the most specific wins ("el lunes 15" is the 15th; "hoy no, el viernes" is Friday), and a
day said in the past ("el viernes pasado", "ayer") is no date at all. Then, in this order:

- a refused day is none ("el viernes no puedo, mejor el lunes" is Monday, "ahorita no
  puedo" is no payment now), and the day named instead is promised as after "hasta";
- a payday or a remainder's day gives way to another day ("me pagan el sábado", "el 30 lo
  que falta"), never to "now";
- of days offered as alternatives ("el 20 o el 21", "friday or monday at the latest") the
  latest is promised: the day the debtor can be held to;
- a vague period ("la próxima semana", "a principios de mes", "el fin de semana") is a
  promise with no day, and a time of day ("a las 3", "5pm") never changes the day.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from bot.understanding.lexicon import Lexicon

# Most specific first: an explicit calendar day beats a weekday, which beats "soon".
_PRIORITY = (
    "day_month", "day_next_month", "day_of_month", "first_of_month", "in_a_week", "in_n",
    "weekday_after", "weekday", "day_after_tomorrow", "tomorrow", "end_of_next_month",
    "end_of_month", "fortnight", "start_of_month", "next_week", "weekend", "next_month",
    "some_days", "today", "now",
)
# A period, not a day: the debtor promises but names no day ("next week", "en estos días",
# "a principios del próximo mes", "el fin de semana": two days, not one).
_VAGUE = frozenset({"next_week", "next_month", "some_days", "start_of_month", "weekend"})
_RANK = {kind: rank for rank, kind in enumerate(_PRIORITY)}
_NOW_KINDS = frozenset({"today", "now"})
_NOT_DAYS = frozenset({"past", "time", "aside"})  # found with the days, but none
_DIGITS_RE = re.compile(r"^\d+$")


def last_day(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clipped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_weekday(today: date, weekday: int) -> date:
    """The next such weekday after today (a week ahead when it is today)."""
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def day_of_month(today: date, day: int) -> date | None:
    """The next `day` of a month strictly after today ("el 15" on the 15th is next month's)."""
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    for _ in range(3):
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) > today:
            return date(year, month, day)
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return None


def day_and_month(today: date, day: int, month: int, year: int | None = None) -> date | None:
    """A calendar day; without a year, the next time it comes."""
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2024, month)[1]:
        return None
    if year is not None:
        year = year + 2000 if year < 100 else year
        try:
            return date(year, month, day)
        except ValueError:
            return None
    for candidate_year in (today.year, today.year + 1):
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:  # 29 February
            continue
        if candidate >= today:
            return candidate
    return None


def fortnight(today: date) -> date:
    """Payday of a fortnight ("la quincena"): the 15th or the month's last day, the next one."""
    if today.day < 15:
        return today.replace(day=15)
    return last_day(today.year, today.month)


@dataclass(frozen=True, slots=True)
class DateFinding:
    """What the date phrases of one text say."""

    when: date | None  # the day meant
    kind: str | None  # the kind of phrase that said it; None when no day is named
    past: list[tuple[int, int]]  # spans naming a past day ("ayer", "el viernes pasado")
    spans: list[tuple[int, int]]  # spans of every future day or period named
    # A day was refused and another one named: "el viernes no, mejor el lunes".
    corrected: bool = False
    # Every day named and not refused, with its kind: ("now", span of "orita"), ...
    days: tuple[tuple[str, tuple[int, int]], ...] = ()
    times: list[tuple[int, int]] = field(default_factory=list)  # times of day ("a las 3")
    span: tuple[int, int] | None = None  # where the day meant is named


# Two spans this close (in characters of the normalised text) are one phrase: "le pago el
# miércoles" ties the day to the verb, "porque el martes me consignan" does not.
_NEAR = 4
_WINDOW = 60  # characters looked back for a refusal before a day ("no puedo pagarle el")


def _distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    """0 when the spans overlap, 1 when they touch (or nearly), 2 when they are apart."""
    if a[0] < b[1] and b[0] < a[1]:
        return 0
    return 1 if -_NEAR <= a[0] - b[1] <= _NEAR or -_NEAR <= b[0] - a[1] <= _NEAR else 2


class DateReader:
    """Turns the date phrases found in one text into the one day meant."""

    def __init__(self, lexicon: Lexicon, number: NumberParser) -> None:
        self.lex = lexicon
        self.number = number

    def read(
        self, text: str, tokens: Iterable[str], today: date,
        anchors: Sequence[tuple[int, int]] = (),
        breaks: Sequence[int] = (),
        deferrals: Sequence[tuple[int, int]] = (),
    ) -> DateFinding:
        """The day meant, the kind of phrase that said it, and where days are named.

        No day gives kind None; a vague period ("next week") gives (None, "next_week").
        `anchors` are the spans of payment verbs: of two days of one kind, the one said
        next to a payment verb is the day of payment. `breaks` are where clauses start (in
        characters) and `deferrals` the spans of words that put paying off to a day ("hasta",
        "until"): a day they name is never a refused one. A number in a time of day ("friday
        5pm", "tomorrow by 5") is no day of the month.
        A refused day ("el viernes no puedo", "not friday", "sexta não dá") is no day of
        payment; of days offered as alternatives ("el 20 o el 21") the latest is meant.
        A payday ("me pagan el sábado") or a remainder ("el 15 le pago 100 mil y el 30 lo que
        falta") makes the day next to it no day of payment when another day is named.
        """
        # Every match: "el viernes no, mejor el lunes" names two days of one kind.
        hits = self.lex.dates.search_all(text, tokens)
        past = [m.span() for kind, m in hits if kind == "past"]
        times = [m.span() for kind, m in hits if kind == "time"]
        asides = [m.span() for kind, m in hits if kind == "aside"]
        found_days = self._days(hits, today, past, times)
        # A day inside a longer phrase is part of it: "hoy domingo" is today, "right now" one.
        # One day read twice ("on the 30" and "30 th") is one: the first reading stands.
        outer = [(m.span(), kind, found) for kind, m, found in found_days]
        spans: list[tuple[int, int]] = []
        kept: list[tuple[str, tuple[int, int], date | None]] = []
        refused = False
        for kind, match, found in found_days:
            start, end = match.span()
            if any((s[0] <= start and end <= s[1] and s != (start, end))
                   or (f == found and s[0] < start < s[1] < end) for s, _k, f in outer):
                continue
            spans.append(match.span())
            if kind not in _VAGUE and self._refused(text, match.span(), breaks, deferrals):
                refused = True
                continue
            kept.append((kind, match.span(), found))
        # A payday or a remainder's day gives way to another day, not to "now": "el 5 me
        # pagan y le pago altiro" promises the 5th.
        aside = self._asides([span for _, span, _ in kept], asides, breaks)
        main = [day for day in kept if day[1] not in aside]
        if all(kind in _NOW_KINDS for kind, _, _ in main):
            main = kept
        best: tuple[int, int, int, date | None, str, tuple[int, int]] | None = None
        for kind, span, found in main:
            near = min((_distance(span, a) for a in anchors), default=2)
            # Same kind named twice: the one by the payment verb, else the later one ("el
            # 15 ... o el 20": the later one is usually the fix).
            key = (_RANK[kind], near, -span[0], found, kind, span)
            if best is None or key[:3] < best[:3]:
                best = key
        if best is None:
            return DateFinding(None, None, past, spans, times=times)
        when, kind, span = self._latest_alternative(text, best[3], best[4], best[5], main)
        corrected = refused and when is not None and when > today
        days = tuple((k, s) for k, s, _ in kept)
        return DateFinding(when, kind, past, spans, corrected, days, times, span)

    def _days(
        self, hits: Sequence[tuple[str, re.Match[str]]], today: date,
        past: Sequence[tuple[int, int]], times: Sequence[tuple[int, int]],
    ) -> list[tuple[str, re.Match[str], date | None]]:
        """Every future day or vague period named, with its kind and the day it means."""
        found_days: list[tuple[str, re.Match[str], date | None]] = []
        for kind, match in hits:
            if kind in _NOT_DAYS:
                continue
            if any(m_start < match.end() and match.start() < m_end for m_start, m_end in past):
                continue  # "el viernes pasado"
            if kind == "day_of_month" and self._number_in_time(match, times):
                continue  # "friday 5pm" is Friday, not the 5th
            found = self._resolve(kind, match.group().split(), today)
            if kind in _VAGUE:
                found = None  # "la otra semana": a promise, but no day to hold them to
            elif found is None or found < today:
                continue
            found_days.append((kind, match, found))
        return found_days

    @staticmethod
    def _asides(
        days: Sequence[tuple[int, int]], asides: Sequence[tuple[int, int]], breaks: Sequence[int]
    ) -> set[tuple[int, int]]:
        """The days a payday or remainder phrase is about: the nearest one, in its clause.

        "I'll pay $100 on friday and the rest on the 15th": "the rest" is the 15th's.
        """
        marked: set[tuple[int, int]] = set()
        for a in asides:
            near = [
                (max(0, a[0] - d[1], d[0] - a[1]), d) for d in days
                if _distance(d, a) < 2
                and not any(min(d[0], a[0]) < b <= max(d[0], a[0]) for b in breaks)
            ]
            if near:
                marked.add(min(near)[1])
        return marked

    @staticmethod
    def _number_in_time(match: re.Match[str], times: Sequence[tuple[int, int]]) -> bool:
        """Whether the last word of a day-of-month phrase (its number) is in a time of day."""
        words = match.group().split()
        start = match.end() - len(words[-1]) - 1 if words else match.start()
        return any(a <= start < b for a, b in times)

    def _refused(
        self, text: str, span: tuple[int, int], breaks: Sequence[int],
        deferrals: Sequence[tuple[int, int]],
    ) -> bool:
        """Whether the day at `span` is one the debtor says they cannot pay on."""
        start, end = span
        if any(_distance(span, d) < 2 for d in deferrals):
            return False  # "no puedo hasta el viernes": the day paying is put off to
        if end not in breaks and self.lex.refused_after.match(text, end) is not None:
            return True
        before = self.lex.refused_before.search(text, max(0, start - _WINDOW), start)
        return before is not None and not any(before.start() < b <= start for b in breaks)

    def _latest_alternative(
        self, text: str, when: date | None, kind: str, span: tuple[int, int],
        kept: Sequence[tuple[str, tuple[int, int], date | None]],
    ) -> tuple[date | None, str, tuple[int, int]]:
        """Of days offered as alternatives ("el 20 o el 21", "friday or monday"), the latest.

        The latest is the day the debtor can be held to.
        """
        changed = True
        while changed and when is not None:
            changed = False
            for other_kind, other, found in kept:
                if found is None or found <= when or other == span:
                    continue
                first, second = (span, other) if span[0] < other[0] else (other, span)
                between = text[first[1]:second[0]]
                if self.lex.alternatives.fullmatch(between):
                    when, kind, span = found, other_kind, other
                    changed = True
        return when, kind, span

    def _numbers(self, words: Sequence[str]) -> list[int]:
        values: list[int] = []
        i = 0
        while i < len(words):
            value, used = self.number(words, i)
            if value is not None and used > 0:
                if value == value.to_integral():
                    values.append(int(value))
                i += used
            else:
                i += 1
        return values

    def _resolve(self, kind: str, words: list[str], today: date) -> date | None:
        lex = self.lex
        if kind in ("today", "now"):
            return today
        if kind == "tomorrow":
            return today + timedelta(days=1)
        if kind == "day_after_tomorrow":
            return today + timedelta(days=2)
        if kind == "end_of_month":
            return last_day(today.year, today.month)
        if kind == "end_of_next_month":
            following = add_months(today.replace(day=1), 1)
            return last_day(following.year, following.month)
        if kind == "first_of_month":
            return day_of_month(today, 1)  # "el primero de mes": the next 1st
        if kind == "in_a_week":
            return today + timedelta(days=7)  # "dentro de ocho días" is a week
        if kind == "fortnight":
            return fortnight(today)
        if kind == "start_of_month":
            return today if today.day == 1 else add_months(today.replace(day=1), 1)
        if kind == "next_month":
            return add_months(today.replace(day=1), 1)
        if kind == "next_week":
            return today + timedelta(days=7 - today.weekday())  # next Monday
        if kind == "weekend":
            return today if today.weekday() >= 5 else next_weekday(today, 5)
        if kind in ("weekday", "weekday_after"):
            weekday = next((lex.weekdays[w] for w in words if w in lex.weekdays), None)
            if weekday is None:
                return None
            if kind == "weekday_after":
                monday = today + timedelta(days=7 - today.weekday())
                return monday + timedelta(days=weekday)
            return next_weekday(today, weekday)
        numbers = self._numbers(words)
        if kind == "day_of_month":
            return day_of_month(today, numbers[-1]) if numbers else None
        if kind == "day_next_month":
            if not numbers:
                return None
            next_first = add_months(today.replace(day=1), 1)
            return day_and_month(next_first, numbers[0], next_first.month, next_first.year)
        if kind == "in_n":
            unit = next((lex.date_units[w] for w in words if w in lex.date_units), None)
            count = numbers[0] if numbers else 1
            if unit is None or count > 366:
                return None
            if unit < 0:
                return add_months(today, count)
            return today + timedelta(days=unit * count)
        if kind == "day_month":
            month = next((lex.months[w] for w in words if w in lex.months), None)
            if month is not None:
                return day_and_month(today, numbers[0], month) if numbers else None
            digits = [int(w) for w in words if _DIGITS_RE.match(w)]
            if len(digits) < 2:
                return None
            first, second = digits[0], digits[1]
            year = digits[2] if len(digits) > 2 else None
            if lex.numeric_date_order == "mdy":
                first, second = second, first
            return day_and_month(today, first, second, year) or day_and_month(
                today, second, first, year
            )
        return None


class NumberParser:
    """Reads a small number (digits or words) at a position: for days and counts."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.words = lexicon.numbers

    def __call__(self, tokens: Sequence[str], i: int) -> tuple[Decimal | None, int]:
        """(value, tokens used) of the number starting at `tokens[i]`, or (None, 0)."""
        token = tokens[i]
        if _DIGITS_RE.match(token):
            return Decimal(token), 1
        ordinals = self.words.day_ordinals
        if token in ordinals:
            return ordinals[token], 1  # "primero", "fifteenth"
        values = self.words.values
        if token not in values:
            return None, 0
        total = values[token]
        used = 1
        # "treinta y cinco", "vinte e cinco", "twenty five", "twenty-first".
        j = i + 1
        if j < len(tokens) and tokens[j] in self.words.connectors:
            j += 1
        following = tokens[j] if j < len(tokens) else ""
        unit = values.get(following, ordinals.get(following))
        if unit is not None and total % 10 == 0 and 0 < unit < 10:
            total += unit
            used = j - i + 1
        return total, used
