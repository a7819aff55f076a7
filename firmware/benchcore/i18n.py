"""The portal's languages. Each lives in its own module (lang_<code>), imported only when a
page in it is served, so the heap holds one language's strings, not all of them."""
import sys

LANGUAGES = ("bs", "en")
DEFAULT_LANG = "bs"
_loaded = [None]


def strings(lang):
    """The string table of lang (one of LANGUAGES); the previous table is released."""
    name = "benchcore.lang_" + lang
    if _loaded[0] != name:
        if _loaded[0] is not None:
            sys.modules.pop(_loaded[0], None)
            try:
                delattr(sys.modules["benchcore"], _loaded[0][10:])
            except (AttributeError, KeyError):
                pass
        _loaded[0] = name
    return __import__(name, None, None, ("S",)).S


def pick_language(query_lang, accept_language):
    if query_lang in LANGUAGES:
        return query_lang
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANG
