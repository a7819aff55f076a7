"""The portal's languages. Their words are written in lang_<code>.py; the flash image carries them
as www/lang/<tag>.json too, and the bench reads those: the heap holds one language's words at a
time, and lets go of them. An imported module would not: MicroPython interns the string constants of
an .mpy for good, so every language a citizen ever chose stayed in RAM (~3.5 KB each), and each new
one grew the interpreter's string pool by a block that a busy heap could not always give."""
import gc
import json

_WORDS_DIR = "www/lang/"

# BCP 47 tags, as they go into <html lang>. Serbian in both scripts: Cyrillic is what CLDR means
# by a bare "sr", Latin is asked for with sr-Latn; both are ijekavian, as spoken in the country.
LANGUAGES = ("bs", "hr", "sr-Latn", "sr-Cyrl", "en")
DEFAULT_LANG = "bs"
# The switcher names every language in itself, so a citizen finds their own whatever page is shown.
NATIVE_NAMES = (("bs", "Bosanski"), ("hr", "Hrvatski"), ("sr-Latn", "Srpski"), ("sr-Cyrl", "Српски"),
                ("en", "English"))
_loaded = [None, None]  # language, its table


def module_name(lang):
    return "benchcore.lang_" + lang.replace("-", "_").lower()


def strings(lang):
    """The string table of lang (one of LANGUAGES); the previous table is released."""
    if _loaded[0] != lang:
        _loaded[0] = _loaded[1] = None
        gc.collect()
        try:
            with open(_WORDS_DIR + lang + ".json") as f:
                _loaded[1] = json.load(f)
        except OSError:  # not on a bench (CPython tests, the image builder): the module itself
            _loaded[1] = __import__(module_name(lang), None, None, ("S",)).S
        _loaded[0] = lang
    return _loaded[1]


def _match(tag):
    """The portal language for one Accept-Language tag, or None."""
    tag = tag.lower()
    if tag in ("bs", "hr", "en") or tag[:3] in ("bs-", "hr-", "en-"):
        return tag[:2]
    if tag == "sr" or tag.startswith("sr-"):
        return "sr-Latn" if "latn" in tag else "sr-Cyrl"
    if tag in ("sh", "cnr") or tag.startswith("sh-") or tag.startswith("cnr-"):
        return "sr-Latn"  # Serbo-Croatian and Montenegrin readers get Latin Serbian
    return None


def pick_language(query_lang, accept_language):
    """query_lang (the switcher's ?lang= or the form's field) wins; then Accept-Language by q."""
    if query_lang in LANGUAGES:
        return query_lang
    best = None
    best_q = 0.0
    for part in (accept_language or "")[:256].split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:7])
            except ValueError:
                q = 0.0
        if q > best_q:
            lang = _match(tag.strip())
            if lang:
                best, best_q = lang, q
    return best or DEFAULT_LANG
