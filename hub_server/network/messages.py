"""This app's message catalogues (locale/<locale>/LC_MESSAGES/django.po), compiled to .mo by `make setup`.

Serbian Cyrillic (`sr`) is written from Serbian Latin (`sr_Latn`) by transliteration, never by hand.
Pure Python (polib), so a fresh machine needs no gettext tools. To add strings: `django-admin
makemessages -l bs -l hr -l sr_Latn -l en` in this folder, translate, then run compile_catalogues().
"""
from pathlib import Path

import polib

from hub_server.network.script import to_cyrillic

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LOCALES = ("bs", "hr", "sr_Latn", "sr", "en")


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "django.po"


def write_cyrillic() -> None:
    latin = polib.pofile(str(po_path("sr_Latn")))
    latin.metadata["Language"] = "sr"
    for entry in latin:
        entry.msgstr = to_cyrillic(entry.msgstr)
        entry.msgstr_plural = {k: to_cyrillic(v) for k, v in entry.msgstr_plural.items()}
    po_path("sr").parent.mkdir(parents=True, exist_ok=True)
    latin.save(str(po_path("sr")))


def compile_catalogues() -> list[Path]:
    write_cyrillic()
    written = []
    for locale in LOCALES:
        po = polib.pofile(str(po_path(locale)))
        mo = po_path(locale).with_suffix(".mo")
        po.save_as_mofile(str(mo))
        written.append(mo)
    return written


def untranslated(locale: str) -> list[str]:
    return [e.msgid for e in polib.pofile(str(po_path(locale))) if not e.translated() or e.fuzzy]
