"""The hub's message catalogues: find every translatable string, keep the five .po files in step,
compile them to .mo (pure Python: polib, so no gettext tools are needed on a fresh machine).

Sources of truth: the English msgids in templates ({% translate %}, {% blocktranslate %}, _("…"))
and in Python (gettext, gettext_lazy, ngettext, … with literal arguments); the translations in
hub_server/locale/<locale>/LC_MESSAGES/django.po. Serbian Cyrillic (`sr`) is written from Serbian
Latin by transliteration on `update`; English msgstr repeat their msgid.
"""
import ast
import re
from dataclasses import dataclass
from pathlib import Path

import polib

HUB = Path(__file__).resolve().parent.parent
LOCALE_DIR = HUB / "locale"
# Django language code -> gettext locale folder
LOCALES = {"bs": "bs", "hr": "hr", "sr-latn": "sr_Latn", "sr": "sr", "en": "en"}
WRITTEN_BY_HAND = ("bs", "hr", "sr_Latn")
_SLAVIC_PLURALS = ("nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
                   "(n%100<10 || n%100>=20) ? 1 : 2);")
PLURAL_FORMS = {"bs": _SLAVIC_PLURALS, "hr": _SLAVIC_PLURALS, "sr_Latn": _SLAVIC_PLURALS, "sr": _SLAVIC_PLURALS,
                "en": "nplurals=2; plural=(n != 1);"}
_GETTEXT = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy"}
_NGETTEXT = {"ngettext", "ngettext_lazy"}
_TEMPLATE_UNDERSCORE = re.compile(r'_\("((?:[^"\\]|\\.)*)"\)')


@dataclass(frozen=True)
class Message:
    msgid: str
    plural: str = ""
    where: str = ""


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "django.po"


def _template_messages(path: Path) -> list[Message]:
    from django.template import engines
    from django.templatetags.i18n import BlockTranslateNode, TranslateNode

    source = path.read_text(encoding="utf-8")
    template = engines["django"].from_string(source).template
    found = []
    for node in template.nodelist.get_nodes_by_type(TranslateNode):
        literal = node.filter_expression.var.literal if hasattr(node.filter_expression.var, "literal") else None
        if isinstance(literal, str):  # Django looks a {% translate %} literal up with its % doubled
            found.append(Message(literal.replace("%", "%%"), where=str(path.relative_to(HUB))))
    for node in template.nodelist.get_nodes_by_type(BlockTranslateNode):
        singular, _ = node.render_token_list(node.singular)
        plural = node.render_token_list(node.plural)[0] if node.plural else ""
        if node.trimmed:
            singular, plural = (" ".join(s.split()) for s in (singular, plural))
        found.append(Message(singular, plural, str(path.relative_to(HUB))))
    found += [Message(m.encode().decode("unicode_escape").replace("%", "%%"), where=str(path.relative_to(HUB)))
              for m in _TEMPLATE_UNDERSCORE.findall(source)]
    return found


def _python_messages(path: Path) -> list[Message]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
        if name in _GETTEXT and args:
            text = args[1] if name.startswith("pgettext") and len(args) > 1 else args[0]
            if text:
                found.append(Message(text, where=str(path.relative_to(HUB))))
        elif name in _NGETTEXT and len(args) >= 2 and args[0] and args[1]:
            found.append(Message(args[0], args[1], str(path.relative_to(HUB))))
    return found


def extract() -> dict[str, Message]:
    """Every translatable string of the hub, by msgid (the first place it was seen)."""
    messages: dict[str, Message] = {}
    for path in sorted(HUB.rglob("*")):
        if "migrations" in path.parts or "locale" in path.parts or "vendor" in path.parts:
            continue
        if path.suffix == ".html" and "templates" in path.parts:
            found = _template_messages(path)
        elif path.suffix == ".py":
            found = _python_messages(path)
        else:
            continue
        for message in found:
            messages.setdefault(message.msgid, message)
    return messages


def _load(locale: str) -> polib.POFile:
    path = po_path(locale)
    catalogue = polib.pofile(str(path)) if path.exists() else polib.POFile()
    catalogue.metadata.update({"Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "8bit",
                               "Language": locale, "Plural-Forms": PLURAL_FORMS[locale],
                               "MIME-Version": "1.0", "Project-Id-Version": "LINK hub"})
    return catalogue


def update() -> dict[str, int]:
    """Add new msgids to every catalogue, drop gone ones, fill English and Serbian Cyrillic."""
    from hub_server.languages.script import to_cyrillic

    messages = extract()
    latin = {e.msgid: e for e in _load("sr_Latn")}
    counts = {}
    for locale in LOCALES.values():
        catalogue = _load(locale)
        existing = {e.msgid: e for e in catalogue}
        entries = []
        for msgid, message in sorted(messages.items()):
            entry = existing.get(msgid) or polib.POEntry(msgid=msgid, msgstr="")
            entry.occurrences = [(message.where, "")]
            if message.plural:
                entry.msgid_plural = message.plural
                if not entry.msgstr_plural:
                    entry.msgstr_plural = {i: "" for i in range(2 if locale == "en" else 3)}
            if locale == "en":
                if message.plural:
                    entry.msgstr_plural = {0: msgid, 1: message.plural}
                else:
                    entry.msgstr = msgid
            elif locale == "sr" and msgid in latin:
                source = latin[msgid]
                entry.msgstr = to_cyrillic(source.msgstr)
                if source.msgstr_plural:
                    entry.msgstr_plural = {k: to_cyrillic(v) for k, v in source.msgstr_plural.items()}
            entries.append(entry)
        catalogue[:] = entries
        path = po_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalogue.save(str(path))
        counts[locale] = len(entries)
    return counts


def untranslated() -> list[tuple[str, str, str]]:
    """(locale, msgid, where) for every string some catalogue lacks, leaves empty or marks fuzzy."""
    messages = extract()
    missing = []
    for locale in LOCALES.values():
        catalogue = {e.msgid: e for e in polib.pofile(str(po_path(locale)))} if po_path(locale).exists() else {}
        for msgid, message in sorted(messages.items()):
            entry = catalogue.get(msgid)
            done = entry is not None and "fuzzy" not in entry.flags and (
                all(entry.msgstr_plural.values()) if message.plural else bool(entry.msgstr))
            if not done:
                missing.append((locale, msgid, message.where))
    return missing


def compile_catalogues(force: bool = False) -> list[Path]:
    """Write each django.mo next to its .po when missing or older; the .mo files are not committed."""
    written = []
    for locale in LOCALES.values():
        po = po_path(locale)
        mo = po.with_suffix(".mo")
        if po.exists() and (force or not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
            polib.pofile(str(po)).save_as_mofile(str(mo))
            written.append(mo)
    return written
