"""Amounts of money in a normalised text: digits in any country's format, words and slang.

Separators are read by shape, not by locale: a separator followed by exactly three digits
groups thousands everywhere ("$500.000" in Colombia, "$3,500" in Mexico, "500,000" typed
by a Colombian on an American keyboard), one or two digits after the last separator make it
decimal ("1,2 millones", "$1,500.50", "R$ 1.200,00"). Money never has three decimals, so the
shape is unambiguous; Babel's `parse_decimal("500,000", locale="es_CO")` gives 500 because it
trusts the locale over the shape, which is wrong for chat.

A number is money when something says so (a currency mark, a money word, a scale such as
"mil" or "palos", thousands separators) or when an offer verb stands before it ("puedo dar
300"); it is not money when what surrounds it makes it a day, a count, a time, an invoice or
a phone number ("el 15", "3 cuotas", "a las 3", "factura 4521", ten bare digits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bot.understanding.lexicon import Lexicon

_SEPARATOR_RE = re.compile(r"[.,]")
_HALF = Decimal("0.5")
_CENT = Decimal("0.01")
_WINDOW = 120  # characters looked back for the words before an amount
_LAST_DAY = 31


@dataclass(frozen=True, slots=True)
class Amount:
    """An amount found in the text, with where it is and what made it money."""

    value: Decimal
    start: int  # index of its first token
    end: int  # index after its last token
    explicit: bool  # a currency mark, money word, scale or thousands separator says money
    cue: bool  # an offer verb stands before it ("puedo dar", "tengo")
    # Digits or a money word: "300", "mil reais", "dos palos" (not "mil gracias").
    marked: bool = False
    # Owed, borrowed, charged or already paid, not offered: "debo 900 lucas", "paid $800".
    owed: bool = False
    scale: Decimal | None = None  # the scale word that ended it: "900 lucas" -> 1000


def parse_digits(token: str) -> Decimal | None:
    """The value of a digit token by the shape of its separators ("1.200,50" -> 1200.50)."""
    if not _SEPARATOR_RE.search(token):
        return Decimal(token)
    groups = _SEPARATOR_RE.split(token)
    separators = _SEPARATOR_RE.findall(token)
    try:
        if len(set(separators)) == 2:
            # Both kinds: the last one is the decimal mark ("1,500.50", "1.200,00").
            return Decimal("".join(groups[:-1]) + "." + groups[-1])
        if all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3:
            return Decimal("".join(groups))  # thousands: "500.000", "3,500", "1.200.000"
        if len(groups) == 2:
            return Decimal(groups[0] + "." + groups[1])  # decimal: "1,2", "1500.50"
        return Decimal("".join(groups))
    except InvalidOperation:
        return None


def has_thousands(token: str) -> bool:
    """Whether a digit token groups thousands ("500.000", "3,500")."""
    groups = _SEPARATOR_RE.split(token)
    return len(groups) > 1 and all(len(g) == 3 for g in groups[1:]) and len(groups[0]) <= 3


@dataclass(slots=True)
class _Parse:
    value: Decimal
    end: int
    scaled: bool
    scale: Decimal | None = None  # the last scale used


class AmountReader:
    """Finds the amounts in one normalised text for one lexicon."""

    def __init__(
        self, lexicon: Lexicon, tokens: list[str], text: str, starts: list[int],
        breaks: frozenset[int] = frozenset(),
    ) -> None:
        self.lex = lexicon
        self.words = lexicon.numbers
        self.tokens = tokens
        self.text = text
        self.starts = starts
        self.breaks = breaks  # indexes of tokens that start a clause

    def _char_start(self, index: int) -> int:
        return self.starts[index] if index < len(self.starts) else len(self.text) - 1

    def _after_is_not_money(self, index: int) -> bool:
        if index in self.breaks:
            return False  # "5x de 200, a primeira dia 10": a comma ends what the number is
        position = self._char_start(index)
        if self.lex.not_money_after.match(self.text, position) is None:
            return False
        # A money word wins over a unit that starts the same way ("a vista" is not "a").
        return self.lex.money_after.match(self.text, position) is None

    def _is_number_word(self, token: str) -> bool:
        w = self.words
        return token in w.values or token in w.half or token in w.articles

    def _starts_number(self, index: int) -> bool:
        token = self.tokens[index]
        if token[0].isdigit():
            return True
        if token in self.words.values:
            following = self.tokens[index + 1] if index + 1 < len(self.tokens) else ""
            return token not in self.words.only_inside or following in self.words.values or (
                following in self.words.scales
            )
        if self.words.scales.get(token) == 1000 and len(token) > 1 and not token.endswith("s"):
            return True  # "te doy mil" ("juntando las lucas" is money, but no amount)
        # "medio millón", "a hundred", "a grand", "half a grand": only before a scale.
        return (token in self.words.half or token in self.words.articles) and (
            self._scale_follows(index + 1)
        )

    def _scale_follows(self, index: int) -> bool:
        """Whether a scale or multiplier starts at `index`, maybe after an article ("a grand")."""
        w = self.words
        nxt = self.tokens[index] if index < len(self.tokens) else ""
        if nxt in w.scales or nxt in w.multipliers:
            return True
        after = self.tokens[index + 1] if index + 1 < len(self.tokens) else ""
        return nxt in w.articles and (after in w.scales or after in w.multipliers)

    def _parse(self, i: int) -> _Parse | None:
        w = self.words
        tokens = self.tokens
        total = Decimal(0)
        current: Decimal | None = None
        last_scale: Decimal | None = None
        scaled = False
        j = i
        n = len(tokens)
        while j < n:
            t = tokens[j]
            nxt = tokens[j + 1] if j + 1 < n else ""
            if t[0].isdigit():
                if j > i:
                    # Digits after a scale continue the amount only before a smaller scale
                    # ("1 millón 200 mil"); "500 mil 3 cuotas" stops at "mil".
                    small = w.scales.get(nxt)
                    if current is not None or last_scale is None or small is None or (
                        small >= last_scale
                    ):
                        break
                value = parse_digits(t)
                if value is None:
                    break
                current = value
                j += 1
                continue
            if t in w.values:
                if current is not None and tokens[j - 1][0].isdigit():
                    break
                if current is None and last_scale is not None:
                    # Words after a scale ("mil quinientos") unless they count something.
                    run_end = j
                    while run_end < n and (tokens[run_end] in w.values or (
                        tokens[run_end] in w.connectors and run_end + 1 < n
                        and tokens[run_end + 1] in w.values
                    )):
                        run_end += 1
                    if self._after_is_not_money(run_end) or w.values[t] >= last_scale:
                        break
                current = (current or Decimal(0)) + w.values[t]
                j += 1
                continue
            if t in w.connectors and j > i:
                if nxt in w.values and current is not None:
                    j += 1
                    continue
                if nxt in w.values and current is None and last_scale is not None and (
                    w.values[nxt] < last_scale
                ):
                    j += 1  # "mil e duzentos", "dois mil e quinhentos", "a thousand and fifty"
                    continue
                if nxt in w.half and last_scale is not None:
                    total += last_scale * _HALF  # "un millón y medio"
                    j += 2
                    break
                break
            if t in w.half and current is None and self._scale_follows(j + 1):
                current = _HALF
                # "half a grand": the article after "half" counts nothing.
                j += 2 if nxt in w.articles else 1
                continue
            if t in w.articles and (nxt in w.scales or nxt in w.multipliers) and current is None:
                current = Decimal(1)
                j += 1
                continue
            if t in w.multipliers and current is not None:
                current *= w.multipliers[t]  # "two hundred"
                j += 1
                continue
            if t in w.scales:
                scale = w.scales[t]
                if current is None:
                    if j == i and len(t) > 1:
                        total = scale  # "mil" alone is a thousand
                    elif last_scale is not None and scale > last_scale:
                        total *= scale  # "mil millones"
                    else:
                        break
                elif last_scale is None or scale < last_scale:
                    total += current * scale  # "quinientos mil", "1 millón 200 mil"
                else:
                    break
                current = None
                last_scale = scale
                scaled = True
                j += 1
                continue
            break
        if j == i:
            return None
        value = total + (current or Decimal(0))
        if value == 0 and not scaled and current is None:
            return None
        # Whole amounts without exponent or zeros (150000, not 1.5E+5); cents as cents (1500.50).
        whole = value == value.to_integral()
        return _Parse(Decimal(int(value)) if whole else value.quantize(_CENT), j, scaled,
                      last_scale)

    def read(self) -> list[Amount]:
        """Every amount of money in the text, in order."""
        found: list[Amount] = []
        i = 0
        n = len(self.tokens)
        while i < n:
            if not self._starts_number(i):
                i += 1
                continue
            parsed = self._parse(i)
            if parsed is None:
                i += 1
                continue
            amount = self._judge(i, parsed)
            if amount is not None:
                found.append(self._inherit_scale(amount, found))
            i = max(parsed.end, i + 1)
        return found

    def _inherit_scale(self, amount: Amount, found: list[Amount]) -> Amount:
        """A bare number after a scaled amount counts in its scale: "debo 900 lucas, le doy
        300" offers 300 lucas; never more than the amount it follows."""
        token = self.tokens[amount.start]
        if amount.explicit or not token.isdigit():
            return amount
        earlier = next((a for a in reversed(found) if a.scale is not None and a.scale > 1), None)
        if earlier is None or earlier.scale is None:
            return amount
        value = amount.value * earlier.scale
        if value > earlier.value:
            return amount
        return Amount(value, amount.start, amount.end, True, amount.cue, True, amount.owed,
                      earlier.scale)

    def _judge(self, i: int, parsed: _Parse) -> Amount | None:
        start_char = self._char_start(i)
        # Edge phrases are a few words long: looking back a window is enough, and keeps a
        # long message linear.
        before = self.text[max(0, start_char - _WINDOW):start_char]
        end_char = self._char_start(parsed.end)
        first = self.tokens[i]
        if parsed.value <= 0 or self.lex.never_money_before.search(before):
            return None  # "$0"; "ni un peso", "sin un real": not even one
        amount = self._judge_money(i, parsed, before, end_char, first)
        if amount is None:
            return None
        # "le pago el palo que le debo" promises what is owed; "de los 600 mil que debo" is
        # only the debt.
        # A payment verb right before the amount wins: "de los 4 mil que debo le pago 2 mil".
        paying = self.lex.pay_right_before.search(before) is not None
        owed = not paying and (
            self.lex.owed_before.search(before) is not None
            or (not amount.cue
                and self.lex.owed_after.match(self.text, self._char_start(amount.end)) is not None)
        )
        return Amount(amount.value, amount.start, amount.end, amount.explicit,
                      amount.cue and not owed, amount.marked, owed, parsed.scale)

    def _not_money_before(self, before: str, parsed: _Parse, first: str) -> bool:
        """Whether the words before a number make it a day, a time, an id: not money.

        A word that only makes it a day ("the", "el", "dia") does not when it is over 31.
        """
        blocked = self.lex.not_money_before.search(before)
        if blocked is None:
            return False
        if first[0].isdigit() and parsed.value > _LAST_DAY:
            day = self.lex.day_before.search(before)
            return day is None or day.start() > blocked.start()
        return True

    def _judge_money(
        self, i: int, parsed: _Parse, before: str, end_char: int, first: str
    ) -> Amount | None:
        marked_before = self.lex.money_before.search(before) is not None
        marked_after = self.lex.money_after.match(self.text, end_char) is not None
        unit_after = parsed.end < len(self.tokens) and self.tokens[parsed.end] in self.words.units
        separators = first[0].isdigit() and has_thousands(first)
        explicit = marked_before or marked_after or unit_after or parsed.scaled or separators
        # "no tengo ni una luca", "no puedo pagar 500 mil": an amount refused is no offer.
        cue = self.lex.offer_cue.search(before) is not None and (
            self.lex.blockers.search(before) is None
        )
        end = parsed.end + (1 if unit_after else 0)
        marked = marked_before or marked_after or unit_after or first[0].isdigit() or any(
            t in self.words.money_scales for t in self.tokens[i:parsed.end]
        )
        if explicit:
            if parsed.scaled or marked_before or marked_after or unit_after:
                return Amount(parsed.value, i, end, True, cue, marked)
            # Only separators: still an invoice or a phone number when a word says so.
            if self.lex.not_money_before.search(before) is None:
                return Amount(parsed.value, i, end, True, cue, marked)
            return None
        if self._not_money_before(before, parsed, first) or self._after_is_not_money(parsed.end):
            return None
        digits = sum(c.isdigit() for c in first) if first[0].isdigit() else 0
        if digits >= 8:
            return None  # phone numbers, ids, account numbers
        if not first[0].isdigit() and parsed.value < 100:
            return None  # "un dinero", "um minuto": words for one are no amount
        if self.lex.per_period_after.match(self.text, end_char) is not None:
            return Amount(parsed.value, i, end, True, cue, marked)  # "uns 90 por mês"
        if cue or parsed.value >= 100:
            return Amount(parsed.value, i, end, False, cue, marked)
        return None
