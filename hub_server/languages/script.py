"""Serbian Latin to Serbian Cyrillic, letter for letter (the two scripts map one to one).

Placeholders (%(name)s, %s, {x}), HTML tags, entities and Latin acronyms or foreign words
(CSV, JSON, LINK, Wi-Fi) are kept as they are."""
import re

_KEEP = re.compile(r"%\(\w+\)[sdf]|%[sdf%]|\{[^}]*\}|<[^>]*>|&#?\w+;|https?://\S+"
                   r"|\b[A-Z][A-Z0-9]+\b|\b[\w-]*[QWXYqwxy][\w-]*\b|\bSoC\b|\buPlot\b")
_DIGRAPHS = {"Lj": "Љ", "LJ": "Љ", "lj": "љ", "Nj": "Њ", "NJ": "Њ", "nj": "њ", "Dž": "Џ", "DŽ": "Џ", "dž": "џ"}
_DIGRAPH = re.compile("|".join(_DIGRAPHS))
_LETTERS = str.maketrans(dict(zip("ABCČĆDĐEFGHIJKLMNOPRSŠTUVZŽabcčćdđefghijklmnoprsštuvzž",
                                  "АБЦЧЋДЂЕФГХИЈКЛМНОПРСШТУВЗЖабцчћдђефгхијклмнопрсштувзж")))


def _letters(text: str) -> str:
    return _DIGRAPH.sub(lambda m: _DIGRAPHS[m.group()], text).translate(_LETTERS)


def to_cyrillic(text: str) -> str:
    out, last = [], 0
    for kept in _KEEP.finditer(text):
        out.append(_letters(text[last:kept.start()]))
        out.append(kept.group())
        last = kept.end()
    out.append(_letters(text[last:]))
    return "".join(out)
