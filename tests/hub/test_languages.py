"""The hub in five languages: complete catalogues, the reader's language kept in their profile,
local date formats, and e-mails in the recipient's language."""
import re

import polib
import pytest
from django.core import mail
from django.test import Client

from hub_server.languages import messages
from hub_server.languages.script import to_cyrillic

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def test_every_string_in_templates_and_code_has_a_translation_in_all_five_languages():
    missing = messages.untranslated()
    assert missing == [], "\n".join(f"{locale}: {msgid!r} in {where}" for locale, msgid, where in missing[:40])


def test_the_extractor_sees_templates_blocktranslate_plurals_and_model_labels():
    found = messages.extract()
    assert {"Review queue", "Page %(n)s of %(total)s", "Validated", "Received, awaiting review",
            "Map of Bosnia and Herzegovina with the network's benches"} <= set(found)
    assert found["%(n)s proposal."].plural == "%(n)s proposals."


@pytest.mark.parametrize("locale", list(messages.LOCALES.values()))
def test_translations_keep_every_placeholder(locale):
    for entry in polib.pofile(str(messages.po_path(locale))):
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        for text in [entry.msgstr] + list(entry.msgstr_plural.values()):
            if text:
                assert sorted(PLACEHOLDER.findall(text)) == wanted or entry.msgid_plural, (locale, entry.msgid, text)


def test_serbian_cyrillic_is_the_latin_text_transliterated_and_kept_in_step():
    latin = {e.msgid: e.msgstr for e in polib.pofile(str(messages.po_path("sr_Latn")))}
    cyrillic = {e.msgid: e.msgstr for e in polib.pofile(str(messages.po_path("sr")))}
    assert all(cyrillic[k] == to_cyrillic(v) for k, v in latin.items() if v)
    assert to_cyrillic("Ljubljana, %(name)s, CSV, Wi-Fi, <b>džep</b>") == "Љубљана, %(name)s, CSV, Wi-Fi, <b>џеп</b>"


@pytest.mark.parametrize("accept, lang, heading", [
    ("bs", "bs", "Red za pregled"), ("hr", "hr", "Red za pregled"), ("sr-Latn", "sr-Latn", "Red za pregled"),
    ("sr", "sr-Cyrl", "Ред за преглед"), ("en", "en", "Review queue")])
def test_the_review_queue_speaks_the_browsers_language(admin_user, benches, accept, lang, heading):
    client = Client(HTTP_ACCEPT_LANGUAGE=accept)
    client.force_login(admin_user)
    page = client.get("/review/").content.decode()
    assert f'<html lang="{lang}">' in page and f"<h1>{heading}</h1>" in page


def test_a_reviewers_language_is_kept_in_their_profile_across_browsers(admin_user, benches):
    first = Client(HTTP_ACCEPT_LANGUAGE="en")
    first.force_login(admin_user)
    first.post("/i18n/setlang/", {"language": "sr", "next": "/review/"})
    elsewhere = Client(HTTP_ACCEPT_LANGUAGE="en")  # another browser, no language cookie
    elsewhere.force_login(admin_user)
    assert "<h1>Ред за преглед</h1>" in elsewhere.get("/review/").content.decode()
    assert "<h1>Клупе у мрежи</h1>" in elsewhere.get("/fleet/").content.decode()


def test_an_unknown_language_is_not_saved(admin_user, benches):
    client = Client()
    client.force_login(admin_user)
    client.post("/i18n/setlang/", {"language": "xx", "next": "/review/"})
    assert not hasattr(admin_user, "language_preference") or admin_user.language_preference is None


def test_dates_and_numbers_in_the_local_format(admin_user, benches, new_proposal):
    from datetime import datetime, timezone as tz
    p = new_proposal(title="Datum")
    type(p).objects.filter(pk=p.pk).update(received=datetime(2026, 3, 7, 13, 5, tzinfo=tz.utc))
    client = Client(HTTP_ACCEPT_LANGUAGE="bs")
    client.force_login(admin_user)
    assert "7.3.2026. 14:05" in client.get("/review/").content.decode()  # Sarajevo time, day first
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_user)
    assert "7 Mar 2026, 14:05" in client.get("/review/").content.decode()


def test_error_pages_are_translated(db):
    page = Client(HTTP_ACCEPT_LANGUAGE="hr").get("/public/ideas/nothing-here/")
    assert page.status_code == 404 and "Stranica nije pronađena" in page.content.decode()


def test_reviewer_emails_go_out_in_each_recipients_language(admin_user, sarajevo_reviewer, new_proposal,
                                                             django_capture_on_commit_callbacks):
    from hub_server.languages.services import language_set
    from hub_server.proposals.notifications import reviewers_notify_new
    language_set(user=sarajevo_reviewer, language="sr")
    new_proposal(title="Nova klupa")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reviewers_notify_new()
    assert [m.subject for m in mail.outbox] == ["LINK: 1 нови предлог у Sarajevo Centar"]


def test_no_english_sentence_is_left_on_any_page_read_in_croatian(admin_user, benches, new_proposal):
    """Catches a string that is in the catalogue but never looked up (e.g. a % the template doubles)."""
    import html as html_module

    from hub_server.fleet_health.services import telemetry_record
    from django.utils import timezone
    p = new_proposal(title="Klupa")
    telemetry_record(bench_id="sa-1", data={"soc": 60, "wh_in_today": 10.0}, received=timezone.now())
    english = {e.msgid.replace("%%", "%") for e in polib.pofile(str(messages.po_path("hr")))
               if len(e.msgid) >= 12 and not PLACEHOLDER.search(e.msgid.replace("%%", "")) and e.msgstr != e.msgid}
    client = Client(HTTP_ACCEPT_LANGUAGE="hr")
    client.force_login(admin_user)
    for url in ("/review/", f"/review/p/{p.pk}/", "/review/actions/", "/review/audit/", "/review/organisations/",
                "/fleet/", "/fleet/sa-1/", "/public/", "/public/benches/", "/public/apply/", "/public/open-data/",
                f"/public/receipt/{p.receipt}/"):
        text = html_module.unescape(client.get(url).content.decode())
        left = [msgid for msgid in english if msgid in text]
        assert left == [], (url, left)
