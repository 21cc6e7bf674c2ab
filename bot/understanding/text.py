"""Text normalisation: from what a debtor typed to a canonical string of tokens.

Every rule downstream (intent phrases, numbers, dates) is matched against the output of
`Normalizer.normalize`, and every phrase in the data files is passed through the same
per-word pipeline when it is compiled, so a phrase written correctly in a data file matches
the ways people actually type it:

1. fold: lower case, accents and cedillas removed ("Pagué" -> "pague"), curly quotes made
   straight, emoji turned into language-neutral tags ("👍" -> "emo_ok") or dropped;
2. rewrites: language regexes on the whole text (English contractions: "can't" -> "can not");
3. tokens: runs of letters, numbers with their separators ("1.200,50"), and the few symbols
   that carry meaning ($ % # / : ?); letters and digits are split ("500k" -> "500 k");
4. abbreviations: chat shorthand expanded per language ("xq" -> "porque", "vc" -> "voce");
5. spelling key: per-language phonetic rewrites so that common misspellings collapse onto the
   same key as the right spelling ("kiero" and "quiero" -> "kiero", "ablar" and "hablar" ->
   "ablar", "nesesito" and "necesito" -> "nesesito"), and repeated letters collapsed
   ("holaaaa" -> "hola");
6. typo fix: a word that is not in the vocabulary but is one keystroke away from exactly one
   vocabulary word becomes that word ("cancele" misspelt "cancle" -> "cancele").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

# A token is a tag from an emoji, a number with its inner separators, a run of letters, or
# one of the symbols that matter for money, dates and questions.
_TOKEN_RE = re.compile(r"emo_[a-z]+|\d+(?:[.,]\d+)*|[a-z]+|[$%#/:?+]")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "´": "'", "`": "'"})
# Word-internal apostrophes left after the language rewrites ("o'clock") just disappear.
_APOSTROPHE_RE = re.compile(r"'")
_REPEATS_RE = re.compile(r"([a-z])\1+")
# Punctuation that ends a clause (not the separators inside numbers: those are in tokens).
_CLAUSE_RE = re.compile(r"[,.;!\n]")
# Colombians write millions with an apostrophe: "1'200.000".
_DIGIT_APOSTROPHE_RE = re.compile(r"(\d)'(\d)")
# Characters of the emoji blocks, to drop the ones the data does not name.
_EMOJI_RE = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f900-\U0001f9ff\u200d\ufe0f\u2b50\u2b06"
    "\u2934\u2935\u3030\u303d\u3297\u3299]"
)


def fold(text: str, emoji: Mapping[str, str]) -> str:
    """Lower-case `text`, strip accents, turn known emoji into tags and drop the rest."""
    if text.isascii():
        return text.lower()  # most chat lines: nothing to strip
    for symbol, tag in emoji.items():
        if symbol in text:
            text = text.replace(symbol, f" {tag} ")
    text = _EMOJI_RE.sub(" ", text)
    text = text.translate(_APOSTROPHES).lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True, slots=True)
class SpellingKey:
    """A language's phonetic rewrites: words that sound alike get the same key."""

    rules: tuple[tuple[re.Pattern[str], str], ...]
    # Runs of identical letters this long or longer become one letter; None keeps them.
    collapse: re.Pattern[str] | None

    @classmethod
    def build(cls, rules: Iterable[Sequence[str]], collapse_from: int) -> SpellingKey:
        """Compile the data file's (regex, replacement) pairs and its collapse length."""
        collapse = re.compile(rf"([a-z])\1{{{collapse_from - 1},}}") if collapse_from > 0 else None
        return cls(tuple((re.compile(a), b) for a, b in rules), collapse)

    def key(self, word: str) -> str:
        """The spelling key of one folded word."""
        for pattern, replacement in self.rules:
            word = pattern.sub(replacement, word)
        if self.collapse is not None:
            word = self.collapse.sub(r"\1", word)
        return word


class TypoFixer:
    """Maps a word one keystroke away from exactly one vocabulary word onto that word.

    Uses a deletion index (the SymSpell idea) so a look-up costs a few dictionary probes
    instead of a scan of the vocabulary. Extra letters and substitutions are only accepted in
    words of six or more letters, and substitutions never on the last letter, because in Spanish
    and Portuguese the last letter carries tense and person ("cancelo" is not a misspelt "cancele").
    """

    def __init__(
        self, vocabulary: Iterable[str], protected: Iterable[str], stems: Iterable[str] = ()
    ) -> None:
        self.vocabulary = frozenset(w for w in vocabulary if w.isalpha())
        self.protected = frozenset(protected) | self.vocabulary
        # A word a phrase stem starts ("cortado" for "cortad*") is meant as it is written.
        self._stems = frozenset(s for s in stems if len(s) >= 4)
        self._stem_lengths = sorted({len(s) for s in self._stems})
        self._deletions: dict[str, set[str]] = {}
        for word in self.vocabulary:
            if len(word) < 4:
                continue
            for i in range(len(word)):
                self._deletions.setdefault(word[:i] + word[i + 1 :], set()).add(word)
        self._cache: dict[str, str] = {}

    def fix(self, word: str) -> str:
        """The vocabulary word `word` was meant to be, or `word` itself."""
        if word in self.protected or len(word) < 4 or not word.isalpha():
            return word
        if any(word[:n] in self._stems for n in self._stem_lengths if n <= len(word)):
            return word
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        found: set[str] = set()
        # A letter missing: "cancle" is "cancele" minus one letter.
        found |= self._deletions.get(word, set())
        for i in range(len(word)):
            shorter = word[:i] + word[i + 1 :]
            # A letter too many: "cancelee" -> "cancele" (not in short words: "viaje" is not
            # a misspelt "baje").
            if len(word) >= 6 and shorter in self.vocabulary:
                found.add(shorter)
            # Two letters swapped ("mcuh"), or one replaced: the same length and the same
            # letters once one is dropped from each.
            for candidate in self._deletions.get(shorter, ()):
                if len(candidate) == len(word) and _one_slip(word, candidate):
                    found.add(candidate)
        # People rarely miss the first letter: "apaguei" (deleted) is not "paguei" (paid).
        found = {candidate for candidate in found if candidate[0] == word[0]}
        result = next(iter(found)) if len(found) == 1 else word
        if len(self._cache) < 50_000:  # bounded: a stream of random strings must not grow it
            self._cache[word] = result
        return result


def _one_slip(typed: str, meant: str) -> bool:
    """Whether `typed` is `meant` with two neighbours swapped or one inner letter replaced."""
    diffs = [i for i in range(len(typed)) if typed[i] != meant[i]]
    if len(diffs) == 2:
        i, j = diffs
        return j == i + 1 and typed[i] == meant[j] and typed[j] == meant[i]
    return len(diffs) == 1 and len(typed) >= 6 and diffs[0] != len(typed) - 1


@dataclass
class Normalizer:
    """The per-language pipeline from raw text to a canonical token string."""

    emoji: Mapping[str, str]
    rewrites: tuple[tuple[re.Pattern[str], str], ...]
    abbreviations: Mapping[str, str]
    spelling: SpellingKey
    typos: TypoFixer | None = None
    _word_cache: dict[str, str] = field(default_factory=dict)
    _raw_cache: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def word(self, folded_word: str) -> str:
        """The canonical form of one folded word (spelling key, then typo fix); cached."""
        cached = self._word_cache.get(folded_word)
        if cached is not None:
            return cached
        keyed = self.spelling.key(folded_word)
        if self.typos is not None:
            keyed = self.typos.fix(keyed)
        if len(self._word_cache) < 100_000:
            self._word_cache[folded_word] = keyed
        return keyed

    def tokens(self, text: str) -> list[str]:
        """Canonical tokens of `text`."""
        return self.tokens_and_breaks(text)[0]

    def tokens_and_breaks(self, text: str) -> tuple[list[str], frozenset[int]]:
        """Canonical tokens of `text`, and the indexes of tokens that start a new clause.

        A clause starts after a comma, full stop, semicolon, "!" or a line break: negation does
        not reach across one ("hoy no alcanzo, mañana le pago").
        """
        folded = fold(text, self.emoji)
        folded = _DIGIT_APOSTROPHE_RE.sub(r"\1.\2", folded)  # "1'200.000"
        for pattern, replacement in self.rewrites:
            folded = pattern.sub(replacement, folded)
        folded = _APOSTROPHE_RE.sub("", folded)
        out: list[str] = []
        breaks: set[int] = set()
        previous_end = 0
        previous_digit = False
        for match in _TOKEN_RE.finditer(folded):
            raw = match.group()
            if _CLAUSE_RE.search(folded, previous_end, match.start()):
                breaks.add(len(out))
            glued = previous_digit and match.start() == previous_end
            previous_end, previous_digit = match.end(), raw[0].isdigit()
            if not raw[0].isalpha() or raw.startswith("emo_"):
                out.append(raw)
                continue
            if glued:
                # Letters stuck to a number are units, not shorthand: "500k", "10x", "15th".
                keyed = self.spelling.key(raw)
                if keyed:
                    out.append(keyed)
                continue
            cached = self._raw_cache.get(raw)
            if cached is None:
                cached = self._expand(raw)
                if len(self._raw_cache) < 100_000:
                    self._raw_cache[raw] = cached
            out.extend(cached)
        return out, frozenset(breaks)

    def _expand(self, raw: str) -> tuple[str, ...]:
        expanded = self.abbreviations.get(raw)
        if expanded is None:
            # Shorthand is often stretched ("siii", "nooo"): try it collapsed too.
            expanded = self.abbreviations.get(_REPEATS_RE.sub(r"\1", raw))
        words = expanded.split() if expanded is not None else [raw]
        # A word can key to nothing ("h" drops its silent h): it is no token then.
        return tuple(k for k in (self.word(w) for w in words) if k)

    def normalize(self, text: str) -> str:
        """Canonical tokens joined by single spaces, with a space at each end for matching."""
        return " " + " ".join(self.tokens(text)) + " "
