"""Fill en and pt_BR catalogs from a {msgid: (en, pt_BR)} table (a one-off helper for
bootstrapping catalogs; day-to-day translation happens in the .po files)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def main(table_file: str) -> None:
    table = runpy.run_path(table_file)["T"]
    template = read_po((ROOT / "locales" / "recobro.pot").open("rb"))
    for index, lang in ((None, "es"), (0, "en"), (1, "pt_BR")):
        path = ROOT / "locales" / lang / "LC_MESSAGES" / "recobro.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        existing = read_po(path.open("rb"), locale=lang) if path.exists() else None
        catalog = Catalog(locale=lang, domain="recobro", project="Recobro",
                          copyright_holder="Recobro contributors", fuzzy=False)
        for message in template:
            if not message.id:
                continue
            if index is None:
                text = ""  # es is the source language: gettext falls back to the msgid
            elif message.id in table:
                text = table[message.id][index]
            elif existing is not None and existing.get(message.id) is not None:
                text = existing.get(message.id).string
            else:
                sys.exit(f"no {lang} translation for {message.id!r}")
            catalog.add(message.id, text)
        with path.open("wb") as out:
            write_po(out, catalog, width=100, omit_header=False, sort_output=True)


if __name__ == "__main__":
    main(sys.argv[1])
