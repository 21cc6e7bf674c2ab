"""Understanding a debtor's message with rules and data: `understand(text, locale, today)`.

Why rules and not a model, or dateparser alone:

- No network and no weights: the bot runs on a small server and in CI without a GPU or a
  model hub, and a collections bot must not send debtors' messages to a third party.
- Deterministic and explainable: the same text gives the same reading, and every reading
  can be traced to a phrase in a data file. When a debtor disputes what the bot did, staff
  can see why ("ya lo cancelé" is "already paid" in Colombia because es_CO.toml says so).
- Fast: phrases are indexed by their key words and regexes are compiled once, so a message
  costs a few hundred microseconds (10,000 distinct chat lines take about 3.5 seconds on a
  small two-core server, JSON and the first compile of each language included; the
  `recobro understand` command adds about 1.5 seconds of start-up).
  dateparser costs ~3 ms a parse and ~13 ms a search on this machine (10,000 lines would take
  minutes) and misses most of what debtors write ("el viernes", "fin de mes", "dia 20",
  "la quincena"), so dates are rules too; Babel's number parsing trusts the locale over the
  shape ("500,000" in es_CO reads 500) and is not used for amounts either.
- A new country or a new slang word is a line in a data file, reviewed like any text.

How a message is read:

1. `text.py` normalises it into tokens (accents, emoji, chat shorthand, misspellings);
2. `amounts.py`, `dates.py` and the installment and per-period phrases find entities (a
   per-period phrase counts only in the amount's clause; a day refused, a payday and a
   remainder's day are no day of payment, see `dates.py`);
3. the intent phrases of the data files vote with their strength (strong 3, medium 2,
   weak 1), vetoes cancel intents ("todavía no he pagado" is not "already paid");
4. `_decide` below combines votes and entities with rules that hold in every language (an
   amount with a future day is a promise, unless it is paid per period, in instalments or
   for a discount, which is an offer; an amount owed is no offer; a discount named as the
   condition of paying is a discount request; a bare day, or a yes or no with one, answers
   "when?"; "now" counts only in the clause of a payment verb); ties
   go to the intent the bot must act on first (a payment to check, a dispute and opt-out
   before anything, social words last, off-topic text never);
5. entities that do not belong to the chosen intent are dropped (an amount the debtor says
   they already paid is no offer), and the confidence says how clear the winner was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bot.understanding.amounts import Amount, AmountReader
from bot.understanding.dates import DateReader, NumberParser
from bot.understanding.lexicon import Lexicon, lexicon_for_locale
from bot.understanding.types import Intent, Reason, Understanding

# Ties go to the first: what the bot must act on (stop writing, a third party, a person)
# comes before negotiation, and short social answers come last.
# A payment to check and a contested debt come before "stop writing" ("ya le pagué, ya no
# me escriban" must be checked). Off-topic ("ok google ...") loses every tie.
PRIORITY: tuple[Intent, ...] = (
    Intent.ALREADY_PAID, Intent.DISPUTE, Intent.OPT_OUT, Intent.ABUSE, Intent.WRONG_PERSON,
    Intent.TALK_TO_HUMAN, Intent.DIDNT_RECEIVE_INVOICE, Intent.OFFER_AMOUNT,
    Intent.REQUEST_DISCOUNT, Intent.REQUEST_PLAN, Intent.PROMISE_TO_PAY, Intent.WILL_PAY_NOW,
    Intent.CANT_PAY, Intent.ASK_PAYMENT_METHODS, Intent.ASK_BALANCE, Intent.DENY, Intent.THANKS,
    Intent.AFFIRM, Intent.GREETING, Intent.UNKNOWN,
)
_ORDER = {intent: i for i, intent in enumerate(PRIORITY)}
SOCIAL = frozenset({Intent.GREETING, Intent.THANKS, Intent.AFFIRM, Intent.DENY})
_WITH_AMOUNT = frozenset({Intent.PROMISE_TO_PAY, Intent.WILL_PAY_NOW, Intent.OFFER_AMOUNT})
_WITH_DATE = frozenset({Intent.PROMISE_TO_PAY, Intent.WILL_PAY_NOW})
_WITH_INSTALLMENTS = frozenset({Intent.REQUEST_PLAN, Intent.OFFER_AMOUNT})
_TODAY_KINDS = frozenset({"today", "now"})
# Illness first: "out of work after surgery" is about the surgery.
_REASON_ORDER = (Reason.ILLNESS, Reason.JOB_LOSS, Reason.BUSINESS_SLOW, Reason.NO_MONEY)
_MAX_INSTALLMENTS = 120
# Payment phrases that a negation or an "if" right before them cancels: "no puedo pagar",
# "si pago hoy", "if i pay today" say nothing about paying.
_BLOCKABLE = frozenset({Intent.PROMISE_TO_PAY, Intent.WILL_PAY_NOW, Intent.ALREADY_PAID,
                        Intent.OFFER_AMOUNT})
# Yes, no and thanks are short answers; in a long message those words mean something else.
_SHORT_ANSWER = frozenset({Intent.AFFIRM, Intent.DENY, Intent.THANKS})
_SHORT = 7
_WINDOW = 120  # characters looked back for a negation or an "if" before a phrase
# Words a short answer leaves unexplained before a question is off-topic.
_OFF_TOPIC = 2
# Words besides the days named that still leave a message a bare day ("el", "sin falta").
_ONLY_A_DAY = 2
_BARE = 4  # a message this short with a day is an answer: "el viernes", "mañana"


@dataclass(frozen=True, slots=True)
class _Evidence:
    """What the rules found in one message, before deciding."""

    scores: dict[Intent, float]
    length: int
    amount: Amount | None
    when: date | None
    when_kind: str | None
    installments: int | None
    per_period: bool
    deferred: bool  # "until", "hasta", "só", or a refused day: paying is put off to the day named
    reason: Reason | None
    said_past: bool  # a past day is named in the clause of a payment verb ("pagó ayer")
    question: bool  # the message asks something ("?")
    vetoed: frozenset[Intent]  # intents a veto cancelled wherever they were said
    # Words (not emoji or symbols) no phrase of a social intent covers, per social intent.
    uncovered: dict[Intent, int] = field(default_factory=dict)
    # The discount is the condition of paying: "si me hacen descuento pago todo hoy".
    discount_is_condition: bool = False
    # Next to no words but a day: "el viernes de la semana que viene", "mañana no, pasado".
    only_a_day: bool = False
    day_by_verb: bool = True  # the day is named in the clause of a payment phrase


def _positions(tokens: Sequence[str]) -> list[int]:
    """Where each token starts in the spaced text " tok tok ... "."""
    starts: list[int] = []
    position = 1  # the text starts with a space
    for token in tokens:
        starts.append(position)
        position += len(token) + 1
    return starts


def _pick_amount(amounts: list[Amount]) -> Amount | None:
    """The amount the debtor proposes: after an offer verb, else marked as money, else first.

    Amounts owed, borrowed, charged or already paid ("debo 900 lucas", "I've paid $800")
    are never the one proposed.
    """
    amounts = [a for a in amounts if not a.owed]
    for wanted in (lambda a: a.cue and a.explicit, lambda a: a.cue, lambda a: a.explicit):
        for amount in amounts:
            if wanted(amount):
                return amount
    return amounts[0] if amounts else None


def _blocked(
    lex: Lexicon, spaced: str, match: re.Match[str], break_chars: Sequence[int]
) -> bool:
    """Whether a negation or an "if" in the same clause stands right before the phrase.

    A phrase that says "already" is an assertion no "no" before it cancels: "no, ya pagué"
    and "no I already paid" answer the bot's claim.
    """
    if lex.unblockable and not lex.unblockable.isdisjoint(match.group().split()[:2]):
        return False
    start = match.start()
    blocker = lex.blockers.search(spaced, max(0, start - _WINDOW), start)
    if blocker is None:
        return False
    return not any(blocker.start() < b <= start for b in break_chars)


def _same_clause(a: tuple[int, int], b: tuple[int, int], break_chars: Sequence[int]) -> bool:
    """Whether two spans of the spaced text are in one clause (no comma or stop between)."""
    low, high = min(a[0], b[0]), max(a[0], b[0])
    return not any(low < c <= high for c in break_chars)


def _outside(
    words: Sequence[tuple[int, str]], spans: Sequence[tuple[int, int]], limit: int
) -> int:
    """How many words lie outside `spans`, counted up to one more than `limit`."""
    count = 0
    for start, _ in words:
        if not any(a <= start < b for a, b in spans):
            count += 1
            if count > limit:
                break
    return count


def _day_for_paying(
    day: tuple[int, int], words: Sequence[tuple[int, str]], break_chars: Sequence[int],
    paying: Sequence[tuple[int, int]], days: Sequence[tuple[int, int]],
) -> bool:
    """Whether the day named instead of a refused one is for paying.

    It is in the clause of a payment verb or deferral ("el viernes no, mejor el lunes"), or
    next to alone in its clause ("hoy no puedo, mañana sí": `words` leaves out the words that
    go with a day named instead); "hoy no puedo pagar, mañana le aviso" names a day for
    something else.
    """
    if any(_same_clause(day, span, break_chars) for span in paying):
        return True
    low = max((b for b in break_chars if b <= day[0]), default=0)
    high = min((b for b in break_chars if b > day[0]), default=1 << 30)
    return _outside([w for w in words if low <= w[0] < high], [*days, *paying], 1) <= 1


def _installments(lex: Lexicon, text: str, tokens: Iterable[str]) -> int | None:
    """The number of payments named ("en 3 cuotas" -> 3), 2 to 120, or None."""
    number = NumberParser(lex)
    for _phrase, match in lex.installments.search(text, tokens):
        words = match.group().split()
        for i in range(len(words)):
            value, used = number(words, i)
            if value is not None and used and 2 <= value <= _MAX_INSTALLMENTS:
                return int(value)
    for count, _match in lex.fixed_installments.search(text, tokens):
        return count
    return None


def _within(a: tuple[int, int], spans: Sequence[tuple[int, int]]) -> bool:
    """Whether span `a` lies within one of `spans` (or is one)."""
    return any(b[0] <= a[0] and a[1] <= b[1] for b in spans)


def _inside(a: tuple[int, int], spans: Sequence[tuple[int, int]]) -> bool:
    """Whether span `a` lies within a longer one of `spans`."""
    return any(b[0] <= a[0] and a[1] <= b[1] and a != b for b in spans)


def _pick_reason(hits: Sequence[tuple[Reason, re.Match[str]]]) -> Reason | None:
    """The reason given; a phrase inside a longer phrase of another reason yields to it.

    "a oficina tá sem serviço" is a slow business, though "sem serviço" alone is no job.
    """
    kept = {
        reason for reason, match in hits
        if not any(
            other is not reason and o.start() <= match.start() and match.end() <= o.end()
            and o.span() != match.span()
            for other, o in hits
        )
    }
    return next((r for r in _REASON_ORDER if r in kept), None)


def _gather(lex: Lexicon, text: str, today: date) -> _Evidence | None:
    """Run every reader and the intent phrases over one message; None when it has no words."""
    tokens, breaks = lex.normalizer.tokens_and_breaks(text)
    if not tokens:
        return None
    spaced = " " + " ".join(tokens) + " "
    starts = _positions(tokens)
    token_set = frozenset(tokens)  # what the phrase indexes look words up in
    breaks = breaks | {i for i, token in enumerate(tokens) if token in lex.clause_words}
    break_chars = sorted(starts[i] for i in breaks if i < len(starts))
    # A veto ("todavía no he pagado") cancels its intent's phrases in its own clause only:
    # "¿cómo que no he pagado? si ya pagué el lunes" is a payment.
    veto_spans: dict[Intent, list[tuple[int, int]]] = {}
    for intent, match in lex.vetoes.search_all(spaced, token_set):
        veto_spans.setdefault(intent, []).append(match.span())
    scores: dict[Intent, float] = {}
    spans: dict[Intent, list[tuple[int, int]]] = {}
    long_answers: dict[Intent, list[tuple[float, tuple[int, int]]]] = {}
    for (intent, weight), match in lex.intents.search_all(spaced, token_set):
        span = match.span()
        if any(_same_clause(span, v, break_chars) for v in veto_spans.get(intent, ())):
            continue
        if intent in _SHORT_ANSWER and len(tokens) > _SHORT:
            long_answers.setdefault(intent, []).append((weight, span))
            continue
        if intent in _BLOCKABLE and _blocked(lex, spaced, match, break_chars):
            continue
        start, end = span
        seen = spans.setdefault(intent, [])
        old = scores.get(intent)
        if old is None:
            scores[intent] = weight
        else:
            # The strongest phrase counts; another phrase elsewhere in the message adds a
            # little (overlapping phrases say the same thing once).
            apart = all(end <= a or start >= b for a, b in seen)
            scores[intent] = max(old, weight) + (0.1 if apart else 0.0)
        seen.append(span)
    for intent, match in lex.alone.search(spaced, token_set):
        # A keyword alone ("sair", "STOP"), give or take a "?" or an emoji: strong.
        rest = (spaced[: match.start()] + spaced[match.end():]).split()
        if all(not t[0].isalnum() or t.startswith("emo_") for t in rest):
            scores[intent] = max(scores.get(intent, 0.0), 3.0)
            spans.setdefault(intent, []).append(match.span())
    words = [(start, t) for start, t in zip(starts, tokens, strict=True) if t[0].isalpha()
             and not t.startswith("emo_")]
    content_said = any(i not in SOCIAL for i in scores)
    for intent, found in long_answers.items():
        # A long message that is all thanks ("gracias por la paciencia, que Dios le pague"),
        # or thanks and nothing else of ours ("muchas gracias joven, muy amable de su
        # parte"), is still thanks.
        if (intent is Intent.THANKS and not content_said) or _outside(
            words, [span for _, span in found], 1
        ) <= 1:
            scores[intent] = max(weight for weight, _ in found)
            spans.setdefault(intent, []).extend(span for _, span in found)
    uncovered = {
        intent: sum(1 for start, _ in words
                    if not any(a <= start < b for a, b in spans.get(intent, ())))
        for intent in SOCIAL if intent in scores
    }
    # An intent vetoed everywhere it was said stays vetoed for the entity rules too.
    vetoed = frozenset(i for i in veto_spans if i not in scores)
    paying_spans = spans.get(Intent.PROMISE_TO_PAY, []) + spans.get(Intent.WILL_PAY_NOW, [])
    deferral_spans = [m.span() for _, m in lex.deferrals.search_all(spaced, token_set)]

    dates = DateReader(lex, NumberParser(lex)).read(
        spaced, token_set, today, anchors=paying_spans + deferral_spans,
        breaks=break_chars, deferrals=deferral_spans,
    )
    # "monday morning": a greeting word inside a day is part of the day.
    for intent in SOCIAL & scores.keys():
        if all(_within(span, dates.spans) for span in spans.get(intent, ())):
            del scores[intent]
            uncovered.pop(intent, None)
    # Words outside the days and deferrals named: "el viernes de la semana que viene" is
    # only a day, an answer to "when will you pay?".
    outside = 0
    if dates.kind is not None and len(tokens) > _BARE:
        outside = _outside(words, [*dates.spans, *deferral_spans, *dates.times], _ONLY_A_DAY)
    corrected = dates.corrected and dates.span is not None and _day_for_paying(
        dates.span, [w for w in words if w[1] not in lex.instead_words], break_chars,
        paying_spans + deferral_spans, [*dates.spans, *dates.times],
    )
    # "me despidieron hace un mes, cuando consiga le pago": the past day is about the job.
    said_past = any(_same_clause(p, s, break_chars) for p in dates.past for s in paying_spans)
    # "ahorita ando sin chamba, cuando pueda le pago": "now" is not when they pay.
    day_by_verb = any(
        _same_clause(span, s, break_chars)
        for kind, span in dates.days if kind == dates.kind for s in paying_spans
    )
    amounts = AmountReader(lex, tokens, spaced, starts, breaks).read()
    amount = _pick_amount(amounts)
    # "a week from now" is a day, not a period: a per-period phrase inside a date is none.
    # The period is the amount's, in its clause: in "I get paid every other Friday ..., so
    # I'll send $275 that day" it is the paycheck's.
    where = (starts[amount.start], starts[amount.start] + 1) if amount is not None else None
    per_period = any(
        not _inside(m.span(), dates.spans)
        and (where is None or _same_clause(m.span(), where, break_chars))
        for _, m in lex.per_period.search_all(spaced, token_set)
    )
    return _Evidence(
        scores=scores,
        length=len(tokens),
        amount=amount,
        when=dates.when,
        when_kind=dates.kind,
        installments=_installments(lex, spaced, token_set),
        per_period=per_period,
        # "el viernes no, mejor el lunes" puts paying off to Monday as "hasta el lunes" does.
        deferred=bool(deferral_spans) or corrected,
        reason=_pick_reason(lex.reasons.search(spaced, token_set)),
        said_past=said_past,
        question="?" in tokens,
        vetoed=vetoed,
        uncovered=uncovered,
        only_a_day=dates.kind is not None and outside <= _ONLY_A_DAY,
        day_by_verb=day_by_verb,
        discount_is_condition=any(
            lex.conditions.search(spaced, max(0, start - _WINDOW), start) is not None
            for start, _ in spans.get(Intent.REQUEST_DISCOUNT, [])
        ),
    )


def _bumper(
    scores: dict[Intent, float], vetoed: frozenset[Intent]
) -> Callable[[Intent, float], None]:
    """A function raising an intent's score, except for intents the text vetoed."""

    def bump(intent: Intent, score: float) -> None:
        # A veto ("cuando pague", "paid on time") holds against the entity rules too.
        if intent not in vetoed:
            scores[intent] = max(scores.get(intent, 0.0), score)

    return bump


def _decide(ev: _Evidence) -> tuple[Intent, float, float]:
    """The winning intent, its score and the best competing score."""
    scores = dict(ev.scores)
    bump = _bumper(scores, ev.vetoed)
    future = ev.when_kind is not None and ev.when_kind not in _TODAY_KINDS
    paying = max(scores.get(Intent.PROMISE_TO_PAY, 0.0), scores.get(Intent.WILL_PAY_NOW, 0.0))
    if ev.deferred and future:
        paying = max(paying, 2.0)  # "no puedo sino hasta el 30" promises the 30th
    if ev.amount is None and Intent.OFFER_AMOUNT in scores:
        if future and Intent.REQUEST_DISCOUNT not in scores:
            # "dá pra pagar dia 30?": an offer verb with a day and no amount offers the day
            # ("y si le pago el lunes, me rebaja algo?" asks for a discount).
            paying = max(paying, scores[Intent.OFFER_AMOUNT])
        scores[Intent.OFFER_AMOUNT] = 1.0  # an offer names an amount
    if ev.reason is not None:
        # A hardship story outweighs a vague "I'll pay when I can", not a dated promise.
        bump(Intent.CANT_PAY, 2.5)
    if ev.amount is not None:
        if ev.per_period or ev.installments is not None:
            bump(Intent.OFFER_AMOUNT, 3.5)
        elif ev.discount_is_condition and not scores.get(Intent.ALREADY_PAID):
            # "tengo 800 mil, si me quita los intereses se los paso el lunes": an amount paid
            # in exchange for a discount is an offer, with or without a day.
            bump(Intent.OFFER_AMOUNT, 3.5)
        elif future and (paying or ev.amount.cue or (
            ev.amount.explicit and not scores.get(Intent.ALREADY_PAID)
        )):
            bump(Intent.PROMISE_TO_PAY, 3.5)  # an amount with a day: "el 25 le pago 150 lucas"
        elif (ev.when_kind in _TODAY_KINDS or scores.get(Intent.WILL_PAY_NOW, 0) >= 3) and (
            paying >= 2 or (ev.amount.cue and not scores.get(Intent.OFFER_AMOUNT))
        ):
            bump(Intent.WILL_PAY_NOW, 3.5)  # "hoy en la noche le pago las 60 lucas"
        elif ev.amount.cue or scores.get(Intent.OFFER_AMOUNT):
            bump(Intent.OFFER_AMOUNT, 3.2)
        elif ev.amount.explicit and ev.amount.marked and max(
            (s for i, s in scores.items() if i not in SOCIAL), default=0.0
        ) < 2:
            # An amount of money and nothing else of weight ("1.800 reais, pode ser?",
            # "ok, 300 lucas") proposes that amount.
            bump(Intent.OFFER_AMOUNT, 2.5)
    if ev.installments is not None:
        bump(Intent.REQUEST_PLAN, 3.0)
    for asking in (Intent.ASK_PAYMENT_METHODS, Intent.ASK_BALANCE):
        paying_rival = max(scores.get(Intent.WILL_PAY_NOW, 0.0),
                           scores.get(Intent.PROMISE_TO_PAY, 0.0))
        if ev.question and scores.get(asking, 0.0) >= 3 and paying_rival >= scores[asking]:
            # "quiero pagar ya, ¿a qué cuenta deposito?": the bot must answer first.
            bump(asking, paying_rival + 0.1)
    if paying and ev.said_past and not future:
        # "mi señora pagó en la caja vecina ayer": a payment verb with a past day was a payment.
        bump(Intent.ALREADY_PAID, 3.4)
    splitting = scores.get(Intent.REQUEST_PLAN, 0.0) >= 3
    if future and paying and not splitting:
        # A named future day turns "I'll pay" into a promise ("half now and half on the
        # 30th" stays a plan).
        bump(Intent.PROMISE_TO_PAY, 3.3)
    elif future and (ev.length <= _BARE or ev.only_a_day):
        # A bare answer: "el viernes", "mañana"; with a yes or no it answers "when?": "sí
        # señora, el viernes", "no, el lunes".
        answered = Intent.AFFIRM in scores or Intent.DENY in scores
        bump(Intent.PROMISE_TO_PAY, 2.5 if answered else 1.5)
    elif ev.when_kind in _TODAY_KINDS and paying and not splitting and ev.day_by_verb:
        bump(Intent.WILL_PAY_NOW, 3.3)
    if ev.discount_is_condition and ev.amount is None:
        # Paying in exchange for a discount asks for the discount; with an amount it is an
        # offer (handled above).
        rival = max(scores.get(Intent.PROMISE_TO_PAY, 0.0), scores.get(Intent.WILL_PAY_NOW, 0.0))
        if rival >= scores.get(Intent.REQUEST_DISCOUNT, 0.0) > 0:
            bump(Intent.REQUEST_DISCOUNT, rival + 0.1)
    if not scores:
        return Intent.UNKNOWN, 0.0, 0.0
    content = {i: s for i, s in scores.items() if i not in SOCIAL}
    # Greetings, thanks and yes/no only win when nothing else of weight was said.
    pool = content if content and max(content.values()) >= 2 else scores
    ranked = sorted(pool.items(), key=lambda item: (-item[1], _ORDER[item[0]]))
    winner, best = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    if winner in SOCIAL and ev.question and ev.uncovered.get(winner, 0) >= _OFF_TOPIC:
        # "hola amor, ¿ya llegaste?": a greeting or a "ya" around a question about something
        # else is a message for someone else.
        return Intent.UNKNOWN, 0.0, 0.0
    return winner, best, second


def _confidence(best: float, second: float) -> float:
    """High for a strong phrase with no rival, lower for weak phrases or a close rival."""
    if best <= 0:
        return 0.15
    base = 0.92 if best >= 3 else 0.8 if best >= 2 else 0.55
    margin = best - second
    # A rival a full tier below barely matters; an equal one means we chose by priority.
    penalty = 0.0 if margin >= 1 else 0.1 if margin >= 0.5 else 0.2 if margin > 0 else 0.3
    return round(max(0.05, base - penalty), 3)


def understand(text: str, locale: str, today: date) -> Understanding:
    """Read one debtor message: its intent and entities, with a confidence."""
    lex = lexicon_for_locale(locale)
    evidence = _gather(lex, text, today)
    if evidence is None:
        return Understanding(Intent.UNKNOWN, confidence=0.1)
    intent, best, second = _decide(evidence)
    if intent is Intent.UNKNOWN:
        return Understanding(Intent.UNKNOWN, confidence=_confidence(0.0, 0.0))
    amount: Decimal | None = None
    recurring: bool | None = None
    if intent in _WITH_AMOUNT and evidence.amount is not None:
        amount = evidence.amount.value
        recurring = intent is Intent.OFFER_AMOUNT and (
            evidence.per_period or evidence.installments is not None
        )
    when = evidence.when if intent in _WITH_DATE else None
    if intent is Intent.WILL_PAY_NOW and evidence.when_kind != "today":
        when = None  # "ya mismo", "right now": no day is named
    if intent is Intent.PROMISE_TO_PAY and evidence.when_kind in _TODAY_KINDS:
        when = None
    return Understanding(
        intent=intent,
        amount=amount,
        date=when,
        installments=evidence.installments if intent in _WITH_INSTALLMENTS else None,
        recurring=recurring,
        reason=evidence.reason if intent is Intent.CANT_PAY else None,
        confidence=_confidence(best, second),
    )
