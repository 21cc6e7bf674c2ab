"""The phrase language of the data files, compiled to indexed regular expressions.

A phrase is a sequence of items separated by spaces, matched against consecutive tokens of
the normalised text (see `text.py`):

    word          one token; written with its normal spelling, it is keyed like the text
    stem*         one token starting with `stem` ("pag*" matches "pago", "pagar", "pague")
    (a b|c)       one of several sub-phrases
    item?         the item may be missing ("ya (lo|la)? pague")
    ..  / ...     up to 3 / up to 6 tokens of anything in between
    <name>        one of the phrases of the named set ("ya <paid>"); <num> is any number,
                  <any> any one token
    !word         the next item does not come right after `word` ("!la manana"); `!<name>`
                  does the same for each one-word phrase of a set, `!<num>` for a number
    -word         the next token is not `word` ("dia -<num>": "dia" not before a number);
                  `-<name>` refuses each one-word phrase of a set
    $ % ? / :     those symbols as tokens ("?" standing alone is a question mark)

Phrases are indexed by a word they cannot match without, so a message is only tried
against the few phrases whose key words it contains: that keeps a thousand phrases cheap.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

_PATTERN_TOKEN_RE = re.compile(r"\.\.\.|\.\.|<[a-z_]+>|[()|]|\?|[^\s()|?]+")
_NUMBER = r"\d\S* "
_ANY = r"\S+ "

Keyer = Callable[[str], list[str]]


class PhraseError(ValueError):
    """A phrase in a data file cannot be compiled; the message names the phrase."""


@dataclass(frozen=True, slots=True)
class _Compiled:
    regex: str
    # Words of which at least one must be in the text; None when nothing is required.
    needs: frozenset[str] | None


class PhraseCompiler:
    """Turns phrases into regex source, keying their words like the text."""

    def __init__(self, keyer: Keyer, sets: Mapping[str, Sequence[str]]) -> None:
        self._keyer = keyer
        self._sets = sets
        self._set_cache: dict[str, _Compiled] = {}
        self.words: set[str] = set()  # every literal word seen: the typo fixer's vocabulary
        self.stems: set[str] = set()  # every stem ("cortad*"): words it starts are no typos

    def compile(self, phrase: str) -> _Compiled:
        """Regex source for `phrase`, matching `tok tok ... ` after a space."""
        tokens = _tokenize(phrase)
        pos, compiled = self._sequence(tokens, 0, phrase)
        if pos != len(tokens):
            raise PhraseError(f"unbalanced ')' in phrase {phrase!r}")
        return compiled

    def _sequence(self, tokens: list[str], pos: int, phrase: str) -> tuple[int, _Compiled]:
        alternatives: list[_Compiled] = []
        parts: list[_Compiled] = []
        while pos < len(tokens) and tokens[pos] != ")":
            token = tokens[pos]
            if token == "|":
                alternatives.append(_concat(parts))
                parts = []
                pos += 1
                continue
            if token == "(":
                pos, item = self._sequence(tokens, pos + 1, phrase)
                if pos >= len(tokens):
                    raise PhraseError(f"missing ')' in phrase {phrase!r}")
                pos += 1  # the ")"
            else:
                item = self._atom(token, phrase)
                pos += 1
            if pos < len(tokens) and tokens[pos] == "?+":
                item = _Compiled(f"(?:{item.regex})?", None)
                pos += 1
            parts.append(item)
        alternatives.append(_concat(parts))
        if len(alternatives) == 1:
            return pos, alternatives[0]
        needs: frozenset[str] | None = frozenset()
        for alt in alternatives:
            needs = None if needs is None or alt.needs is None else needs | alt.needs
        return pos, _Compiled("(?:" + "|".join(a.regex for a in alternatives) + ")", needs)

    def _atom(self, token: str, phrase: str) -> _Compiled:
        if token == "..":
            return _Compiled(f"(?:{_ANY}){{0,3}}", None)
        if token == "...":
            return _Compiled(f"(?:{_ANY}){{0,6}}", None)
        if token.startswith("<"):
            name = token[1:-1]
            if name == "num":
                return _Compiled(_NUMBER, frozenset({"<num>"}))
            if name == "any":
                return _Compiled(_ANY, None)
            if name not in self._set_cache:
                if name not in self._sets:
                    raise PhraseError(f"unknown set <{name}> in phrase {phrase!r}")
                # Guard against a set that names itself while being compiled.
                self._set_cache[name] = _Compiled("(?!)", None)
                self._set_cache[name] = self._alternatives(self._sets[name])
            return self._set_cache[name]
        if token.startswith("-") and len(token) > 1:
            # "dia -<num>": the next token is not a number (nor that word).
            if token == "-<num>":
                return _Compiled(r"(?!\d)", None)
            if token.startswith("-<") and token.endswith(">"):
                words = self._set_words(token[2:-1], phrase)
                body = "|".join(re.escape(w) for w in sorted(words))
                return _Compiled(f"(?!(?:{body}) )" if body else "", None)
            keyed = self._keyer(token[1:])
            return _Compiled(f"(?!{re.escape(' '.join(keyed))} )", None)
        if token.startswith("!<") and token.endswith(">"):
            return _Compiled(self._not_after_set(token[2:-1], phrase), None)
        if token.startswith("!") and len(token) > 1:
            # "!la manana": "manana" not right after "la" ("la mañana" is the morning).
            keyed = self._keyer(token[1:])
            return _Compiled(f"(?<! {re.escape(' '.join(keyed))} )", None)
        if not token[0].isalnum():
            return _Compiled(re.escape(token) + " ", frozenset({token}))
        if token.endswith("*"):
            stem = token[:-1]
            keyed = self._keyer(stem)
            if len(keyed) != 1:
                raise PhraseError(f"stem {stem!r} in {phrase!r} must stay one word")
            key = keyed[0]
            # A stem whose key changes when a letter follows would never match ("canc" keys
            # to "kank" but "cancele" to "kansele"): refuse it when the data is loaded.
            for letter in "aeiou":
                if not self._keyer(stem + letter)[0].startswith(key):
                    raise PhraseError(f"stem {stem!r} in {phrase!r}: lengthen or shorten it")
            self.stems.add(key)
            return _Compiled(re.escape(key) + r"\S* ", frozenset({key + "*"}))
        keyed = self._keyer(token)
        self.words.update(keyed)
        regex = "".join(re.escape(k) + " " for k in keyed)
        return _Compiled(regex, frozenset({keyed[0]}) if keyed else None)

    def _not_after_set(self, name: str, phrase: str) -> str:
        """Lookbehinds refusing each word of a set (or any number) right before."""
        if name == "num":
            return r"(?<!\d )"
        words = self._set_words(name, phrase)
        return "".join(f"(?<! {re.escape(w)} )" for w in sorted(words))

    def _set_words(self, name: str, phrase: str) -> set[str]:
        """The keyed words of a set of one-word phrases (for `!<name>` and `-<name>`)."""
        if name not in self._sets:
            raise PhraseError(f"unknown set <{name}> in phrase {phrase!r}")
        words: set[str] = set()
        for entry in self._sets[name]:
            keyed = self._keyer(entry)
            if len(keyed) != 1 or not keyed[0].isalnum():
                raise PhraseError(f"<{name}> in {phrase!r}: the set must hold single words")
            words.add(keyed[0])
        return words

    def _alternatives(self, phrases: Iterable[str]) -> _Compiled:
        compiled = [self.compile(p) for p in phrases]
        needs: frozenset[str] | None = frozenset()
        for c in compiled:
            needs = None if needs is None or c.needs is None else needs | c.needs
        return _Compiled("(?:" + "|".join(c.regex for c in compiled) + ")", needs)


def _tokenize(phrase: str) -> list[str]:
    tokens: list[str] = []
    for m in _PATTERN_TOKEN_RE.finditer(phrase):
        token = m.group()
        # A "?" glued to the item before it makes that item optional; alone it is a token.
        if token == "?" and m.start() > 0 and not phrase[m.start() - 1].isspace():
            tokens.append("?+")
        else:
            tokens.append(token)
    return tokens


def _cost(needs: frozenset[str]) -> int:
    """How often a message is likely to hold one of these words: short words are everywhere."""
    return sum(8 if len(word.rstrip("*")) <= 3 else 1 for word in needs)


def _concat(parts: list[_Compiled]) -> _Compiled:
    needs: frozenset[str] | None = None
    for part in parts:
        # Index by the most selective requirement: few and rare words ("cuotas" rather than
        # "no" or "de") mean few phrases to try per message.
        if part.needs is not None and (needs is None or _cost(part.needs) < _cost(needs)):
            needs = part.needs
    return _Compiled("".join(p.regex for p in parts), needs)


# Compiled regexes shared by every lexicon: the Spanish countries share most phrases, and
# Python's own cache (512 entries) is too small for them.
_REGEX_CACHE: dict[str, re.Pattern[str]] = {}


def _regex(source: str) -> re.Pattern[str]:
    compiled = _REGEX_CACHE.get(source)
    if compiled is None:
        compiled = _REGEX_CACHE[source] = re.compile(source)
    return compiled


class PhraseIndex(Generic[T]):
    """Many phrases with a payload each, tried only when the text has their key words.

    A phrase's regex is compiled the first time a message could match it: most phrases of
    a lexicon are never tried in a given run, so start-up stays short.
    """

    def __init__(self) -> None:
        self._entries: list[tuple[str, T]] = []
        self._compiled: dict[int, re.Pattern[str]] = {}
        self._by_word: dict[str, list[int]] = {}
        self._by_stem: dict[str, list[int]] = {}
        self._always: list[int] = []
        self._stem_lengths: set[int] = set()
        self._token_cache: dict[str, tuple[int, ...]] = {}

    def add(self, compiled: _Compiled, payload: T) -> None:
        """Index one compiled phrase."""
        index = len(self._entries)
        self._entries.append(("(?<= )" + compiled.regex, payload))
        if compiled.needs is None:
            self._always.append(index)
            return
        for need in compiled.needs:
            if need.endswith("*"):
                self._by_stem.setdefault(need[:-1], []).append(index)
                self._stem_lengths.add(len(need) - 1)
            else:
                self._by_word.setdefault(need, []).append(index)

    def _for_token(self, token: str) -> tuple[int, ...]:
        cached = self._token_cache.get(token)
        if cached is None:
            found = set(self._by_word.get(token, ()))
            if token[0].isdigit():
                found.update(self._by_word.get("<num>", ()))
            for length in self._stem_lengths:
                if len(token) >= length:
                    found.update(self._by_stem.get(token[:length], ()))
            cached = tuple(found)
            if len(self._token_cache) < 50_000:
                self._token_cache[token] = cached
        return cached

    def candidates(self, tokens: Iterable[str]) -> list[int]:
        """Indexes of the phrases that may match a text with these tokens, in order."""
        found = set(self._always)
        cache = self._token_cache
        for token in tokens if isinstance(tokens, (set, frozenset)) else set(tokens):
            indexes = cache.get(token)
            if indexes is None:
                indexes = self._for_token(token)
            if indexes:
                found.update(indexes)
        return sorted(found)

    def search(self, text: str, tokens: Iterable[str]) -> list[tuple[T, re.Match[str]]]:
        """Every phrase found in `text` (normalised, spaced) with its first match."""
        hits: list[tuple[T, re.Match[str]]] = []
        for index in self.candidates(tokens):
            source, payload = self._entries[index]
            regex = self._compiled.get(index)
            if regex is None:
                regex = self._compiled[index] = _regex(source)
            match = regex.search(text)
            if match is not None:
                hits.append((payload, match))
        return hits

    def search_all(self, text: str, tokens: Iterable[str]) -> list[tuple[T, re.Match[str]]]:
        """Every match of every phrase in `text`, not only the first of each phrase."""
        hits: list[tuple[T, re.Match[str]]] = []
        for index in self.candidates(tokens):
            source, payload = self._entries[index]
            regex = self._compiled.get(index)
            if regex is None:
                regex = self._compiled[index] = _regex(source)
            match = regex.search(text)
            while match is not None:  # most phrases match once or not at all
                hits.append((payload, match))
                if match.end() <= match.start():
                    break
                match = regex.search(text, match.end())
        return hits

    def compile_all(self) -> None:
        """Compile every phrase now (tests use it to prove the data files are valid)."""
        for index, (source, _payload) in enumerate(self._entries):
            self._compiled[index] = _regex(source)

    def __len__(self) -> int:
        return len(self._entries)
