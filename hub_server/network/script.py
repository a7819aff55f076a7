"""Serbian Latin to Serbian Cyrillic, letter for letter, keeping placeholders, tags and URLs.

Protocol texts and this app's catalogue get their Cyrillic from the Latin. (The hub's language
work may bring a shared transliterator; this one is small on purpose so it can be swapped.)
"""
import re

_KEEP = re.compile(r"%\(\w+\)[sdf]|%[sdf%]|\{[^}]*\}|<[^>]*>|&#?\w+;|https?://\S+|\b[A-Z][A-Z0-9]+\b")
_DIGRAPHS = {"Lj": "Љ", "LJ": "Љ", "lj": "љ", "Nj": "Њ", "NJ": "Њ", "nj": "њ", "Dž": "Џ", "DŽ": "Џ", "dž": "џ"}
_DIGRAPH = re.compile("|".join(_DIGRAPHS))
_LETTERS = str.maketrans(dict(zip("ABCČĆDĐEFGHIJKLMNOPRSŠTUVZŽabcčćdđefghijklmnoprsštuvzž",
                                  "АБЦЧЋДЂЕФГХИЈКЛМНОПРСШТУВЗЖабцчћдђефгхијклмнопрсштувзж")))


def _letters(text: str) -> str:
    return _DIGRAPH.sub(lambda m: _DIGRAPHS[m.group()], text).translate(_LETTERS)


def to_cyrillic(text: str) -> str:
    out, last = [], 0
    for kept in _KEEP.finditer(text):
        out += [_letters(text[last:kept.start()]), kept.group()]
        last = kept.end()
    out.append(_letters(text[last:]))
    return "".join(out)
