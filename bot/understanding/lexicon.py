"""Loads the per-language data files once and compiles them into a `Lexicon` per locale.

A locale's data is `data/common.toml`, then `data/<language>.toml`, then
`data/<language>_<REGION>.toml` when it exists: tables merge key by key, lists are extended
and plain values replaced, so a country file only says how the country differs ("cancelé"
is "I paid" in Colombia; "500 lucas" is 500,000 in Chile). Adding a country is adding a file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from bot.understanding.patterns import PhraseCompiler, PhraseIndex
from bot.understanding.text import Normalizer, SpellingKey, TypoFixer, fold
from bot.understanding.types import Intent, Reason

LANGUAGES = ("es", "en", "pt")
DEFAULT_LANGUAGE = "es"
# "decisive" is for what settles a message alone ("ok google ...": not for us).
TIERS = {"decisive": 4, "strong": 3, "medium": 2, "weak": 1}
DATE_KINDS = (  # the kinds written in the data files; dates.py generates the numeric ones
    "today", "now", "tomorrow", "day_after_tomorrow", "end_of_month", "end_of_next_month",
    "start_of_month", "first_of_month", "in_a_week", "fortnight", "next_week", "weekend",
    "next_month", "some_days", "past",
)

_LOCALE_RE = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}|\d{3}))?")


def split_locale(locale: str) -> tuple[str, str | None]:
    """("es", "CO") from "es-CO", "es_co" or "es-CO.UTF-8"; unknown languages read as Spanish."""
    match = _LOCALE_RE.match(locale or "")
    if match is None:
        return DEFAULT_LANGUAGE, None
    language = match.group(1).lower()
    if language not in LANGUAGES:
        return DEFAULT_LANGUAGE, None
    region = match.group(2).upper() if match.group(2) else None
    return language, region


def _read(name: str) -> dict[str, Any] | None:
    resource = resources.files("bot.understanding").joinpath("data", f"{name}.toml")
    if not resource.is_file():
        return None
    return tomllib.loads(resource.read_text(encoding="utf-8"))


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, Mapping):
            merged[key] = _merge(old, value)
        elif isinstance(old, list) and isinstance(value, list):
            merged[key] = old + value
        else:
            merged[key] = value
    return merged


def load_data(language: str, region: str | None) -> dict[str, Any]:
    """The merged data tables for a language and optional region."""
    data = _read("common") or {}
    base = _read(language)
    if base is None:
        raise FileNotFoundError(f"no data file for language {language!r}")
    data = _merge(data, base)
    if region is not None:
        override = _read(f"{language}_{region}")
        if override is not None:
            data = _merge(data, override)
    return data


@dataclass(frozen=True, slots=True)
class NumberWords:
    """Keyed number words of a language and the money words around amounts."""

    values: Mapping[str, Decimal]  # additive words: "quinientos" -> 500
    multipliers: Mapping[str, Decimal]  # multiply the group before: "hundred" (en)
    scales: Mapping[str, Decimal]  # close a group: "mil", "millones", "k", "palos" (es-CO)
    units: frozenset[str]  # slang that is money without scaling: "varos" (es-MX)
    half: frozenset[str]
    # Words that are a number only inside a longer one ("ciento" alone is "siento").
    only_inside: frozenset[str]
    connectors: frozenset[str]
    articles: frozenset[str]  # "a hundred": a word that counts 1 only before a scale
    ordinal_suffixes: frozenset[str]
    # Ordinal words that name a day of the month: "primero" (es), "fifteenth" (en).
    day_ordinals: Mapping[str, Decimal] = field(default_factory=dict)
    # Slang scales are money by themselves: "palos", "lucas" (but "mil" may be "mil gracias").
    money_scales: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Lexicon:
    """Everything the engine needs for one locale, compiled once."""

    language: str
    region: str | None
    normalizer: Normalizer
    intents: PhraseIndex[tuple[Intent, int]]
    # Keywords that mean an intent only as the whole message: "sair", "STOP", "baja".
    alone: PhraseIndex[Intent]
    vetoes: PhraseIndex[Intent]
    reasons: PhraseIndex[Reason]
    dates: PhraseIndex[str]
    installments: PhraseIndex[str]
    # Phrases that name a count without a number: "la mitad ahora y la mitad después" = 2.
    fixed_installments: PhraseIndex[int]
    per_period: PhraseIndex[str]
    # "no puedo hasta el 30", "can't pay till next month": a day that postpones is a promise.
    deferrals: PhraseIndex[str]
    numbers: NumberWords
    weekdays: Mapping[str, int]
    months: Mapping[str, int]
    date_units: Mapping[str, int]
    numeric_date_order: str  # "dmy" or "mdy", for "15/04" against "04/15"
    # Regexes tried at the edges of a number in the normalised text.
    money_before: re.Pattern[str]
    money_after: re.Pattern[str]
    not_money_before: re.Pattern[str]
    # Words before a day of the month ("the", "el", "dia"): a number over 31 after them is
    # no day ("I'll zelle you the 300").
    day_before: re.Pattern[str]
    not_money_after: re.Pattern[str]
    offer_cue: re.Pattern[str]
    # Before an amount: "ni", "sin", "not even" (no amount at all); "debo", "owe", "paid"
    # (an amount owed or paid, not offered). After it: "que debo", "that I owe".
    never_money_before: re.Pattern[str]
    owed_before: re.Pattern[str]
    owed_after: re.Pattern[str]
    per_period_after: re.Pattern[str]  # "90 por mes": a number per period is money
    pay_right_before: re.Pattern[str]  # an offer verb just before the number ("le pago 2 mil")
    # Words that cancel a payment phrase right after them: "no puedo pagar", "si pago hoy".
    blockers: re.Pattern[str]
    # Words that start a new clause like a comma does: "can't today but I will on Monday".
    clause_words: frozenset[str] = frozenset()
    # "si", "if", "se" a few words before a phrase: what follows is a condition.
    conditions: re.Pattern[str] = re.compile("(?!)")
    # Words that make a payment phrase an assertion no negation before it cancels ("ya").
    unblockable: frozenset[str] = frozenset()
    # A day refused: a negation right after it ("el viernes no puedo", "sexta não dá") or
    # right before it in its clause ("not friday", "no puedo pagar hoy").
    refused_after: re.Pattern[str] = re.compile("(?!)")
    refused_before: re.Pattern[str] = re.compile("(?!)")
    # What joins two days offered as alternatives ("el 20 o el 21", "friday or monday").
    alternatives: re.Pattern[str] = re.compile("(?!)")
    # Words that go with a day named instead of a refused one ("el sábado sí", "saturday
    # then", "how about monday"): the day is still all that clause says.
    instead_words: frozenset[str] = frozenset()


def _keyer_for(normalizer: Normalizer) -> Any:
    def keyer(word: str) -> list[str]:
        if word.startswith("emo_"):
            return [word]  # emoji tags are kept as they are in the text
        folded = fold(word, {})
        expanded = normalizer.abbreviations.get(folded, folded)
        return [normalizer.spelling.key(w) for w in expanded.split()]

    return keyer


def _edge_regex(
    compiler: PhraseCompiler, phrases: Iterable[str], *, before: bool
) -> re.Pattern[str]:
    """A regex matching one of `phrases` right before (or after) a position."""
    sources = [compiler.compile(p).regex for p in phrases]
    if not sources:
        return re.compile("(?!)")
    body = "(?:" + "|".join(sources) + ")"
    # Before a number: the phrase must end where the number starts (the text there ends in
    # a space). After a number: the phrase must start right there.
    # `match(text, pos)` anchors an "after" regex at the position by itself.
    return re.compile(f"(?<= ){body}$" if before else body)


def _whole_regex(compiler: PhraseCompiler, phrases: Iterable[str]) -> re.Pattern[str]:
    """A regex for `fullmatch` on normalised text ("o a mas tardar ") that is one of `phrases`."""
    sources = [compiler.compile(p).regex for p in phrases]
    if not sources:
        return re.compile("(?!)")
    return re.compile("(?:" + "|".join(sources) + ")")


@cache
def lexicon_for(language: str, region: str | None) -> Lexicon:
    """The compiled lexicon of a language and region, built on first use."""
    data = load_data(language, region)
    text = data.get("text", {})
    spelling = SpellingKey.build(text.get("phonetic", []), int(text.get("collapse_repeats", 0)))
    normalizer = Normalizer(
        emoji=data.get("emoji", {}),
        rewrites=tuple((re.compile(a), b) for a, b in text.get("rewrites", [])),
        abbreviations={fold(k, {}): fold(v, {}) for k, v in data.get("abbreviations", {}).items()},
        spelling=spelling,
    )
    keyer = _keyer_for(normalizer)

    def keyed_map(table: Mapping[str, Any]) -> dict[str, Any]:
        # Table words are keyed without shorthand: "k" is a thousand, not "que".
        return {spelling.key(fold(word, {})): value for word, value in table.items()}

    num = data.get("numbers", {})
    money = data.get("money", {})
    slang = money.get("slang", {})
    scales = {k: Decimal(str(v)) for k, v in num.get("scales", {}).items()}
    unit_slang: set[str] = set()
    for word, value in slang.items():
        if Decimal(str(value)) == 1:
            unit_slang.update(keyer(word))
        else:
            scales[word] = Decimal(str(value))
    numbers = NumberWords(
        values={k: Decimal(str(v)) for k, v in keyed_map(num.get("values", {})).items()},
        multipliers={k: Decimal(str(v)) for k, v in keyed_map(num.get("multipliers", {})).items()},
        scales=keyed_map(scales),
        units=frozenset(unit_slang),
        money_scales=frozenset(k for word, value in slang.items()
                               if Decimal(str(value)) != 1 for k in keyer(word)),
        half=frozenset(k for w in num.get("half", []) for k in keyer(w)),
        only_inside=frozenset(spelling.key(fold(w, {})) for w in num.get("only_inside", [])),
        connectors=frozenset(k for w in num.get("connectors", []) for k in keyer(w)),
        articles=frozenset(k for w in num.get("articles", []) for k in keyer(w)),
        ordinal_suffixes=frozenset(k for w in num.get("ordinal_suffixes", []) for k in keyer(w)),
        day_ordinals={k: Decimal(str(v))
                      for k, v in keyed_map(num.get("day_ordinals", {})).items()},
    )

    dates = data.get("dates", {})
    weekdays = dates.get("weekdays", {})
    months = dates.get("months", {})
    units = dates.get("units", {})
    # Number phrases for counts ("en 3 cuotas", "dentro de diez días"): digits, or words.
    small = [w for w, v in num.get("values", {}).items() if 0 < v <= 100]
    sets: dict[str, list[str]] = {k: list(v) for k, v in data.get("sets", {}).items()}
    sets["n"] = ["<num>", "(" + "|".join(small) + ")"]
    if num.get("connectors"):
        tens = [w for w, v in num.get("values", {}).items() if v in range(20, 100, 10)]
        units_words = [w for w, v in num.get("values", {}).items() if 0 < v < 10]
        joiners = "|".join(num["connectors"])
        sets["n"].append(f"({'|'.join(tens)}) ({joiners})? ({'|'.join(units_words)})")
    # A day of the month in words: "el quince", "dia primeiro", "on the twenty-first".
    ordinals = num.get("day_ordinals", {})
    day_words: list[str] = []
    tens = [w for w, v in num.get("values", {}).items() if v in (20, 30)]
    low = [w for w, v in {**num.get("values", {}), **ordinals}.items() if 0 < v < 10]
    if tens and low:
        # Compounds first: the regex takes the first alternative that fits ("treinta y uno").
        joiners = "|".join(num.get("connectors", [])) or "zzznever"
        day_words.append(f"({'|'.join(tens)}) ({joiners})? ({'|'.join(low)})")
    day_words += [w for w, v in num.get("values", {}).items() if 2 <= v <= 31]
    day_words += list(ordinals)
    sets["day_word"] = day_words or ["zzznever"]
    sets["day_ordinal"] = list(ordinals) or ["zzznever"]
    # Chat shorthand wins over a table word spelt the same ("sep" is "sí" in Spanish chat):
    # such a word can never reach a phrase, so it is left out of the sets.
    shorthand = {fold(k, {}) for k in data.get("abbreviations", {})}
    sets["weekday"] = [w for w in weekdays if fold(w, {}) not in shorthand]
    sets["month"] = [w for w in months if fold(w, {}) not in shorthand]
    sets["unit"] = list(units)
    for name in ("day_prefix", "month_joiners", "next_words", "this_words", "week_after",
                 "week_lead", "in_prefix", "next_month_suffix", "day_word_prefix", "from_now",
                 "one"):
        sets[name] = list(dates.get(name, [])) or ["zzznever"]
    sets["money_after"] = list(money.get("after", [])) + list(slang)
    # Words that make the number before them money, not a day: "le pago los 2 mil".
    sets["money_word"] = [
        w for w in [*money.get("after", []), *slang, *num.get("scales", {})]
        if fold(w, {}) not in shorthand and len(keyer(w)) == 1 and keyer(w)[0].isalnum()
    ] or ["zzznever"]
    sets["money_before"] = list(money.get("before", [])) or ["zzznever"]
    sets["ord"] = list(num.get("ordinal_suffixes", [])) or ["zzznever"]
    compiler = PhraseCompiler(keyer, sets)

    intents: PhraseIndex[tuple[Intent, int]] = PhraseIndex()
    vetoes: PhraseIndex[Intent] = PhraseIndex()
    alone: PhraseIndex[Intent] = PhraseIndex()
    for name, table in data.get("intents", {}).items():
        intent = Intent(name)
        for tier, weight in TIERS.items():
            for phrase in table.get(tier, []):
                intents.add(compiler.compile(phrase), (intent, weight))
        for phrase in table.get("veto", []):
            vetoes.add(compiler.compile(phrase), intent)
        for phrase in table.get("alone", []):
            alone.add(compiler.compile(phrase), intent)

    reasons: PhraseIndex[Reason] = PhraseIndex()
    for name, phrases in data.get("reasons", {}).items():
        for phrase in phrases:
            reasons.add(compiler.compile(phrase), Reason(name))

    date_index: PhraseIndex[str] = PhraseIndex()
    for kind in DATE_KINDS:
        for phrase in dates.get(kind, []):
            date_index.add(compiler.compile(phrase), kind)
    # Found with the days, in the same pass: times of day ("a las 3", "5pm": the day stays the
    # same, and a number in one is no day of the month), and paydays and remainders ("me
    # pagan el sábado", "y el 30 lo que falta": no day of payment when another is named).
    for phrase in dates.get("time_of_day", []):
        date_index.add(compiler.compile(phrase), "time")
    for phrase in [*dates.get("payday", []), *dates.get("remainder", [])]:
        date_index.add(compiler.compile(phrase), "aside")
    generated = {
        "day_month": ["(<n>|<day_word>) <ord>? <month_joiners>? <month>",
                      "<day_prefix> (<n>|<day_word>) <ord>? <month_joiners>? <month>",
                      "<month> (<n>|<day_word>)", "<num> / <num> (/ <num>)?"],
        "day_next_month": ["<day_prefix>? (<n>|<day_word>) <ord>? <next_month_suffix>"],
        "weekday_after": ["<weekday> <week_after>",
                          "(<week_after>|<week_lead>) (<this_words>)? <weekday>"],
        "weekday": ["<weekday>"],
        "day_of_month": ["<day_prefix> <num> -<money_word>", "<weekday> <num> -<money_word>",
                         "<day_word_prefix> <day_word> -<money_word>"],
        # "in two weeks", "in a week", "a week from today".
        "in_n": ["<in_prefix> (<n>|<one>) <unit>", "(<n>|<one>) <unit> <from_now>"],
    }
    for kind, phrases in generated.items():
        # The data may add phrases of a generated kind ("monday morning" is a weekday).
        for phrase in [*phrases, *dates.get(kind, [])]:
            date_index.add(compiler.compile(phrase), kind)

    installments: PhraseIndex[str] = PhraseIndex()
    for phrase in data.get("installments", {}).get("phrases", []):
        installments.add(compiler.compile(phrase), phrase)
    fixed_installments: PhraseIndex[int] = PhraseIndex()
    for count, phrases in data.get("installments", {}).get("fixed", {}).items():
        for phrase in phrases:
            fixed_installments.add(compiler.compile(phrase), int(count))
    per_period: PhraseIndex[str] = PhraseIndex()
    for phrase in money.get("per_period", []):
        per_period.add(compiler.compile(phrase), phrase)
    deferrals: PhraseIndex[str] = PhraseIndex()
    for phrase in dates.get("deferral", []):
        deferrals.add(compiler.compile(phrase), phrase)

    months_keyed = keyed_map(months)
    weekdays_keyed = keyed_map(weekdays)
    not_before = [*money.get("not_before", []), "<weekday>", "<month>", "/"]
    not_after = [*money.get("not_after", []), "(<month_joiners>)? <month>", "<unit> -<num>"]
    lexicon = Lexicon(
        language=language,
        region=region,
        normalizer=normalizer,
        intents=intents,
        alone=alone,
        vetoes=vetoes,
        reasons=reasons,
        dates=date_index,
        installments=installments,
        fixed_installments=fixed_installments,
        per_period=per_period,
        deferrals=deferrals,
        numbers=numbers,
        weekdays=weekdays_keyed,
        months=months_keyed,
        date_units=keyed_map(units),
        numeric_date_order=str(dates.get("numeric_order", "dmy")),
        money_before=_edge_regex(compiler, money.get("before", []), before=True),
        money_after=_edge_regex(compiler, ["<money_after>"], before=False),
        not_money_before=_edge_regex(compiler, not_before, before=True),
        day_before=_edge_regex(
            compiler, [*dates.get("day_prefix", []), *dates.get("day_word_prefix", [])],
            before=True,
        ),
        not_money_after=_edge_regex(compiler, not_after, before=False),
        # The cue may be two words away from the amount: "puedo dar unos 200 mil", "pagar R$ 50".
        offer_cue=_edge_regex(
            compiler, [f"({c}) <any>? <any>?" for c in money.get("offer_cues", [])], before=True
        ),
        blockers=_edge_regex(compiler, text.get("blockers", []), before=True),
        never_money_before=_edge_regex(compiler, money.get("never_before", []), before=True),
        owed_before=_edge_regex(
            compiler, [f"({p}) <any>? <any>?" for p in money.get("owed_before", [])], before=True
        ),
        owed_after=_edge_regex(compiler, money.get("owed_after", []), before=False),
        per_period_after=_edge_regex(compiler, money.get("per_period", []), before=False),
        pay_right_before=_edge_regex(
            compiler, [f"({c}) (<money_before>)?" for c in money.get("offer_cues", [])], before=True
        ),
        conditions=_edge_regex(
            compiler, [f"({c}) <any>? <any>? <any>?" for c in text.get("conditions", [])],
            before=True,
        ),
        unblockable=frozenset(k for w in text.get("unblockable", []) for k in keyer(w)),
        refused_after=_edge_regex(compiler, dates.get("refused_after", []), before=False),
        refused_before=_edge_regex(compiler, dates.get("refused_before", []), before=True),
        alternatives=_whole_regex(compiler, dates.get("alternatives", [])),
        instead_words=frozenset(k for w in dates.get("instead_words", []) for k in keyer(w)),
        clause_words=frozenset(k for w in text.get("clause_words", []) for k in keyer(w)),
    )
    # Only now is the vocabulary complete: every word the phrases and tables name.
    # Scale and slang words are no typo targets: "varias" must not become "barras" (1000).
    vocabulary = set(compiler.words) - set(numbers.scales) - set(numbers.units)
    for table in (numbers.values, months_keyed, weekdays_keyed):
        vocabulary.update(table)
    protected = {k for w in text.get("known", []) for k in keyer(w)}
    normalizer.typos = TypoFixer(vocabulary, protected, compiler.stems)
    return lexicon


def lexicon_for_locale(locale: str) -> Lexicon:
    """The lexicon for a BCP-47-ish tag ("es-CO", "pt_BR", "en")."""
    language, region = split_locale(locale)
    return lexicon_for(language, region)
