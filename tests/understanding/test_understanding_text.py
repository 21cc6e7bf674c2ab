"""Normalisation, the phrase language and the data files behind the rules."""

from datetime import date

import pytest

from bot.understanding import understand
from bot.understanding.lexicon import (
    LANGUAGES,
    lexicon_for,
    lexicon_for_locale,
    split_locale,
)
from bot.understanding.patterns import PhraseCompiler, PhraseError, PhraseIndex
from bot.understanding.text import TypoFixer


def _tokens(locale: str, text: str) -> list[str]:
    return lexicon_for_locale(locale).normalizer.tokens(text)


def test_misspellings_share_the_key_of_the_right_spelling() -> None:
    for wrong, right in [("kiero ablar", "quiero hablar"), ("nesesito", "necesito"),
                         ("ya page", "ya pagué"), ("yamar", "llamar"), ("holaaaa", "hola")]:
        assert _tokens("es-CO", wrong) == _tokens("es-CO", right), wrong


def test_chat_shorthand_is_expanded() -> None:
    assert _tokens("es-MX", "xq") == _tokens("es-MX", "porque")
    assert _tokens("pt-BR", "vc") == _tokens("pt-BR", "você")
    assert _tokens("en-US", "can't") == _tokens("en-US", "cannot") == ["can", "not"]


def test_letters_glued_to_a_number_are_units_not_shorthand() -> None:
    # "k" alone is "que" in Spanish chat; after a number it is a thousand.
    assert _tokens("es-CO", "500k") == ["500", "k"]
    assert _tokens("es-CO", "k") == _tokens("es-CO", "que")


def test_emoji_become_tags_and_unknown_ones_disappear() -> None:
    assert _tokens("es-CO", "👍🏽") == ["emo_ok"]
    assert _tokens("es-CO", "🌮") == []


def test_colombian_apostrophe_millions_keep_their_digits() -> None:
    assert _tokens("es-CO", "1'200.000") == ["1.200.000"]


def test_the_typo_fixer_fixes_one_slip_and_leaves_real_words_alone() -> None:
    fixer = TypoFixer(["cancele", "asesor", "much"], protected=["cancelo"])
    assert fixer.fix("cancle") == "cancele"  # a letter missing
    assert fixer.fix("asesro") == "asesor"  # two letters swapped
    assert fixer.fix("mcuh") == "much"
    assert fixer.fix("cancelo") == "cancelo"  # protected: a different tense
    assert fixer.fix("canceli") == "canceli"  # never the last letter (tense and person)
    assert fixer.fix("xyz") == "xyz"


def test_two_equally_close_words_are_not_guessed() -> None:
    fixer = TypoFixer(["pagar", "pegar"], protected=[])
    assert fixer.fix("pgar") == "pgar"


def _compiler(sets: dict[str, list[str]] | None = None) -> PhraseCompiler:
    return PhraseCompiler(lambda w: [w.lower()], sets or {})


def test_phrases_compile_with_groups_options_gaps_and_sets() -> None:
    index: PhraseIndex[str] = PhraseIndex()
    compiler = _compiler({"paid": ["pague", "cancele"]})
    index.add(compiler.compile("ya (lo|la)? <paid>"), "paid")
    index.add(compiler.compile("te pago .. viernes"), "promise")
    index.add(compiler.compile("!la manana"), "tomorrow")
    text = " ya lo cancele y te pago el otro viernes o manana "
    found = {payload for payload, _ in index.search(text, text.split())}
    assert found == {"paid", "promise", "tomorrow"}
    morning = " en la manana "
    assert index.search(morning, morning.split()) == []


@pytest.mark.parametrize("phrase", ["(a|b", "a)", "<nope> x"])
def test_a_broken_phrase_is_refused_when_the_data_loads(phrase: str) -> None:
    with pytest.raises(PhraseError):
        _compiler().compile(phrase)


def test_a_stem_whose_key_changes_is_refused() -> None:
    spanish = lexicon_for("es", None).normalizer.spelling
    compiler = PhraseCompiler(lambda w: [spanish.key(w)], {})
    with pytest.raises(PhraseError, match="stem 'canc'"):
        compiler.compile("canc*")


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("es-CO", ("es", "CO")), ("es_co", ("es", "CO")), ("pt-BR", ("pt", "BR")),
     ("en", ("en", None)), ("fr-FR", ("es", None)), ("", ("es", None)),
     ("es-419", ("es", "419"))],
)
def test_locale_tags_are_split_into_language_and_region(
    tag: str, expected: tuple[str, str | None]
) -> None:
    assert split_locale(tag) == expected


@pytest.mark.parametrize("region", [None, "CO", "CL", "MX", "PE", "AR"])
def test_every_spanish_data_file_compiles(region: str | None) -> None:
    lexicon = lexicon_for("es", region)
    for index in (lexicon.intents, lexicon.vetoes, lexicon.reasons, lexicon.dates,
                  lexicon.installments, lexicon.per_period):
        index.compile_all()
    assert len(lexicon.intents) > 300


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_reads_a_promise(language: str) -> None:
    text = {"es": "te pago el viernes", "en": "I'll pay on Friday", "pt": "pago na sexta"}[language]
    lexicon = lexicon_for(language, None)
    lexicon.intents.compile_all()
    assert lexicon.language == language
    assert understand(text, language, date(2026, 11, 18)).date == date(2026, 11, 20)
