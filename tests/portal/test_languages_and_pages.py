"""Languages and page weight, checked on the renderer that builds the flash image's pages."""
import gzip
import re

import pytest

from benchcore import i18n, pages
from benchcore.forms import LIMITS, FormError
from edge_agent import portal_pages

WIRE_LIMIT = 8 * 1024


def table(lang):
    return dict(i18n.strings(lang))


def test_every_language_translates_every_string_and_leaves_no_english():
    english = table("en")
    for lang in i18n.LANGUAGES:
        s = table(lang)
        assert set(s) == set(english), lang
        if lang != "en":
            left = [k for k, v in s.items() if v == english[k] and not v.isdigit()]
            assert left == [], "%s still has English: %s" % (lang, left)


def test_serbian_cyrillic_is_the_latin_table_transliterated_and_has_no_latin_letters_left():
    generated = portal_pages.cyrillic_module_text()
    on_disk = (portal_pages.FIRMWARE / "benchcore" / "lang_sr_cyrl.py").read_text(encoding="utf-8")
    assert on_disk == generated, "run: python -m edge_agent.portal_pages"
    for key, value in table("sr-Cyrl").items():
        assert not re.search(r"[A-Za-zčćžšđČĆŽŠĐ]", value.replace("%d", "")), (key, value)
    assert portal_pages.to_cyrillic("Ljubljana, Njegoš, džep") == "Љубљана, Његош, џеп"


@pytest.mark.parametrize("header,expected", [
    ("bs-BA,bs;q=0.9,en;q=0.5", "bs"),
    ("hr-HR,hr;q=0.9", "hr"),
    ("sr-Latn-BA,sr;q=0.8", "sr-Latn"),
    ("sr-RS", "sr-Cyrl"),
    ("sr", "sr-Cyrl"),
    ("sr-Cyrl-BA", "sr-Cyrl"),
    ("sh", "sr-Latn"),
    ("de-DE,en;q=0.7,hr;q=0.9", "hr"),
    ("en-GB,en;q=0.8", "en"),
    ("fr-FR", "bs"),
    ("", "bs"),
    ("en;q=abc,hr;q=0.1", "hr"),
])
def test_the_language_follows_accept_language(header, expected):
    assert i18n.pick_language(None, header) == expected


def test_the_switcher_and_query_win_over_accept_language():
    assert i18n.pick_language("sr-Cyrl", "en") == "sr-Cyrl"
    assert i18n.pick_language("xx", "hr") == "hr"


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_page_fits_in_8_kb_on_the_wire(lang, tmp_path):
    sizes = portal_pages.build_www(tmp_path)
    raw, packed = sizes[lang]
    assert packed <= WIRE_LIMIT and raw <= WIRE_LIMIT
    html = (tmp_path / "www" / lang / "index.html").read_bytes()
    assert gzip.decompress((tmp_path / "www" / lang / "index.html.gz").read_bytes()) == html
    assert ('lang="%s"' % lang).encode() in html and b"<script" not in html
    # The heaviest dynamic page: the form sent back with every field at its limit in a 2-byte script.
    full = {k: "Ж" * n for k, n in LIMITS.items()}
    worst = "".join(pages.page(lang, "x", pages.form(lang, full, FormError("consent_needed", "consent"))))
    thanks = "".join(pages.page(lang, "x", pages.thanks(lang, "ABCD-EFGH")))
    status = "".join(pages.page(lang, "x", pages.status(lang, {"ideas": 12, "waiting": 2})))
    digest = "".join(pages.page(lang, "x", pages.digest(lang, [{"title": "Ж" * 160, "status": "Ж" * 400}] * 5)))
    for page in (worst, thanks, status, digest):
        assert len(page.encode()) <= WIRE_LIMIT


def test_the_consent_box_is_unticked_and_every_field_has_a_label():
    html = "".join(pages.form("bs"))
    assert 'type="checkbox" name="consent" value="on">' in html and "checked" not in html
    for field in ("title", "body", "category", "name", "contact"):
        assert '<label for="%s">' % field in html
