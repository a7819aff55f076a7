"""Build-time side of the captive portal: Serbian Cyrillic by transliteration, and the static
pages rendered per language and gzipped into the flash image's www/ (served as they are).

Runs on CPython with the same page generators the bench uses (firmware/benchcore/pages.py)."""
import gzip
import json
import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"

_LATIN_DIGRAPHS = {"Lj": "Љ", "LJ": "Љ", "lj": "љ", "Nj": "Њ", "NJ": "Њ", "nj": "њ",
                   "Dž": "Џ", "DŽ": "Џ", "dž": "џ"}
_LATIN = dict(zip("ABCČĆDĐEFGHIJKLMNOPRSŠTUVZŽabcčćdđefghijklmnoprsštuvzž",
                  "АБЦЧЋДЂЕФГХИЈКЛМНОПРСШТУВЗЖабцчћдђефгхијклмнопрсштувзж"))


def to_cyrillic(text: str) -> str:
    """Serbian Latin to Cyrillic, letter for letter; %-formats and other ASCII marks are kept."""
    out = []
    i = 0
    while i < len(text):
        if text[i] == "%" and i + 1 < len(text):
            out.append(text[i:i + 2])  # a format such as %d stays a format
            i += 2
            continue
        pair = text[i:i + 2]
        if pair in _LATIN_DIGRAPHS:
            out.append(_LATIN_DIGRAPHS[pair])
            i += 2
            continue
        out.append(_LATIN.get(text[i], text[i]))
        i += 1
    return "".join(out)


def cyrillic_module_text() -> str:
    latin = _strings("sr-Latn")
    lines = ["# Portal strings: sr-Cyrl, transliterated mechanically from lang_sr_latn.py by",
             "# edge_agent/portal_pages.py (python -m edge_agent.portal_pages); do not edit by hand.", "S = {"]
    for key, value in latin.items():
        lines.append("    %r: %r," % (key, to_cyrillic(value)))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _benchcore():
    if str(FIRMWARE) not in sys.path:
        sys.path.insert(0, str(FIRMWARE))
    return importlib.import_module("benchcore.pages"), importlib.import_module("benchcore.i18n")


def _strings(lang):
    return _benchcore()[1].strings(lang)


def render_form(lang: str) -> bytes:
    pages, _ = _benchcore()
    return "".join(pages.page(lang, _strings(lang)["title"], pages.form(lang))).encode()


def build_www(out: Path) -> dict:
    """Write www/<lang>/index.html and index.html.gz into out; returns {lang: (raw, gz)} sizes."""
    _, i18n = _benchcore()
    sizes = {}
    for lang in i18n.LANGUAGES:
        html = render_form(lang)
        packed = gzip.compress(html, compresslevel=9, mtime=0)
        target = out / "www" / lang
        target.mkdir(parents=True, exist_ok=True)
        (target / "index.html").write_bytes(html)
        (target / "index.html.gz").write_bytes(packed)
        sizes[lang] = (len(html), len(packed))
        # The bench reads its words from these at run time (benchcore/i18n.py says why not modules).
        words = importlib.import_module(i18n.module_name(lang)).S
        (out / "www" / "lang").mkdir(parents=True, exist_ok=True)
        (out / "www" / "lang" / (lang + ".json")).write_text(json.dumps(words, ensure_ascii=False))
    return sizes


if __name__ == "__main__":
    path = FIRMWARE / "benchcore" / "lang_sr_cyrl.py"
    path.write_text(cyrillic_module_text(), encoding="utf-8")
    print("wrote", path)
