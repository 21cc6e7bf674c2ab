"""The README tells the truth about settings and commands."""

import re
from pathlib import Path

from bot.cli import parser
from bot.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_table_and_nothing_else_is() -> None:
    documented = set(re.findall(r"^\| `(RECOBRO_[A-Z0-9_]+)` \|", README, flags=re.M))
    actual = {f"RECOBRO_{name.upper()}" for name in Settings.model_fields}
    assert documented == actual


def test_every_command_is_documented() -> None:
    subcommands = parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in subcommands:
        assert f"`recobro {name}" in README, name


def test_the_quick_start_is_two_commands() -> None:
    block = README.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    assert [line.split()[0:2] for line in block.strip().splitlines()] == [
        ["make", "demo"], ["make", "test"]]


def test_the_whatsapp_template_texts_in_the_readme_are_the_catalogs() -> None:
    from bot.channels.whatsapp_templates import KIND_SENTENCES, template_text

    for keys in KIND_SENTENCES.values():
        for key in keys:
            for locale in ("es-CO", "en-US", "pt-BR"):
                body = "\n".join("  " + line for line in template_text(key, locale).split("\n"))
                assert body in README, (key, locale)


def test_the_example_env_file_lists_every_setting() -> None:
    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text()
    listed = set(re.findall(r"^# (RECOBRO_[A-Z0-9_]+)=", example, flags=re.M))
    assert listed == {f"RECOBRO_{name.upper()}" for name in Settings.model_fields}
