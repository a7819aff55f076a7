"""Cooperation protocols: versions in five languages, accession, withdrawal, re-accession, public list."""
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation

from hub_server.membership.models import Organisation
from hub_server.network import protocol_services
from hub_server.network.models import Accession, NetworkAudit
from hub_server.languages.script import to_cyrillic
from tests.hub.network_support import english_messages  # noqa: F401 (autouse fixture)
from tests.hub.network_support import TEXTS, municipality, official, publish

pytestmark = pytest.mark.django_db



@pytest.fixture
def sarajevo(sarajevo_reviewer, mostar_reviewer, admin_user):
    version = publish("Sarajevo Centar", admin_user, response_days=20)
    return {"version": version, "official": official("Sarajevo Centar", "sluzbenik@sa.ba", admin_user),
            "org": Organisation.objects.get(registration_number="REG-1"), "reviewer": sarajevo_reviewer,
            "other_org": Organisation.objects.get(registration_number="REG-2"), "admin": admin_user}


def test_a_version_needs_four_languages_and_serbian_cyrillic_is_written_from_the_latin(sarajevo_reviewer, admin_user):
    with pytest.raises(ValidationError, match="missing in: hr"):
        publish("Sarajevo Centar", admin_user, texts={"hr": " "})
    version = publish("Sarajevo Centar", admin_user)
    assert version.number == 1 and version.protocol.response_days == 30
    assert version.texts["sr"] == "Општина и организације сарађују. Љубав, њива, џеп."
    assert version.text_in("hr") == TEXTS["hr"]
    entry = NetworkAudit.objects.get(verb="protocol_publish")
    assert (entry.actor, entry.after) == (admin_user, {"response_days": 30, "version": 1})


def test_the_municipality_and_organisations_accede_and_the_public_page_lists_them(client, sarajevo):
    v = sarajevo["version"]
    protocol_services.protocol_accede(version=v, by=sarajevo["official"], capacity="Načelnik")
    protocol_services.protocol_accede(version=v, by=sarajevo["reviewer"], capacity="Predsjednica",
                                      organisation=sarajevo["org"])
    with pytest.raises(ValidationError, match="already acceded"):
        protocol_services.protocol_accede(version=v, by=sarajevo["reviewer"], capacity="X", organisation=sarajevo["org"])
    with pytest.raises(ValidationError, match="does not work in this municipality"):
        protocol_services.protocol_accede(version=v, by=sarajevo["admin"], capacity="X",
                                          organisation=sarajevo["other_org"])
    client.cookies["django_language"] = "bs"
    page = client.get(f"/public/network/m/{v.protocol.municipality_id}/").content.decode()
    assert "Sarajevo Centar (Općina; Načelnik)" in page and "CSO REG-1 (Članica mreže; Predsjednica)" in page
    assert "sluzbenik@sa.ba" not in page and "rev-reg-1@example.org" not in page.lower()  # parties, never people
    assert "Općina i organizacije sarađuju." in page
    assert [a["verb"] for a in NetworkAudit.objects.values("verb").order_by("id")][-2:] == ["protocol_accede"] * 2


def test_withdrawing_ends_an_accession_and_stays_in_the_history(client, sarajevo):
    v = sarajevo["version"]
    a = protocol_services.protocol_accede(version=v, by=sarajevo["reviewer"], capacity="Predsjednica",
                                          organisation=sarajevo["org"])
    protocol_services.accession_withdraw(accession=a, by=sarajevo["reviewer"], reason="Udruženje se gasi")
    with pytest.raises(ValidationError, match="already withdrawn"):
        protocol_services.accession_withdraw(accession=a, by=sarajevo["reviewer"])
    client.cookies["django_language"] = "en"
    page = client.get(f"/public/network/m/{v.protocol.municipality_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    signatories = page.split('id="signatories"')[1].split("</ul>")[0]
    assert "CSO REG-1" not in signatories
    assert "withdrew" in page and "Udruženje se gasi" in page
    # and it can accede again
    protocol_services.protocol_accede(version=v, by=sarajevo["reviewer"], capacity="Predsjednica",
                                      organisation=sarajevo["org"])


def test_a_new_version_asks_every_signatory_to_accede_again(client, sarajevo, django_capture_on_commit_callbacks):
    v1 = sarajevo["version"]
    protocol_services.protocol_accede(version=v1, by=sarajevo["official"], capacity="Načelnik")
    protocol_services.protocol_accede(version=v1, by=sarajevo["reviewer"], capacity="Predsjednica",
                                      organisation=sarajevo["org"])
    mail.outbox.clear()
    with pytest.raises(ValidationError, match="between 1 and 365"):
        publish("Sarajevo Centar", sarajevo["admin"], response_days=0)
    with django_capture_on_commit_callbacks(execute=True):
        v2 = publish("Sarajevo Centar", sarajevo["admin"], changes="Rok 15 dana", response_days=15)
    assert v2.number == 2 and v2.protocol.response_days == 15
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"sluzbenik@sa.ba", "rev-REG-1@example.org"}
    with pytest.raises(ValidationError, match="current version"):
        protocol_services.protocol_accede(version=v1, by=sarajevo["reviewer"], capacity="X",
                                          organisation=sarajevo["org"])
    page = client.get(f"/public/network/m/{v1.protocol.municipality_id}/").content.decode()
    assert "CSO REG-1, Sarajevo Centar" in page.split('id="awaiting"')[1].split("</p>")[0]
    assert "Rok 15 dana" in page
    protocol_services.protocol_accede(version=v2, by=sarajevo["official"], capacity="Načelnik")
    page = client.get(f"/public/network/m/{v1.protocol.municipality_id}/").content.decode()
    assert "Sarajevo Centar" not in page.split('id="awaiting"')[1].split("</p>")[0]
    assert Accession.objects.filter(version=v1, withdrawn__isnull=True).count() == 2  # history is kept


def test_staff_pages_let_each_party_accede_only_for_itself(client, sarajevo, django_user_model):
    mid = sarajevo["version"].protocol.municipality_id
    mostar = municipality("Mostar")
    mostar_official = official("Mostar", "sluzbenik@mo.ba", sarajevo["admin"])
    client.force_login(mostar_official)
    assert client.get(f"/network/protocols/{mid}/").status_code == 403
    assert client.post(f"/network/protocols/{mid}/accede/", {"capacity": "Načelnik"}).status_code == 403
    assert not Accession.objects.exists()
    client.force_login(sarajevo["official"])
    assert client.post(f"/network/protocols/{mid}/accede/", {"capacity": "Načelnik"}).status_code == 302
    accession = Accession.objects.get()
    assert (accession.party, accession.signed_by, accession.capacity) == ("municipality", sarajevo["official"],
                                                                          "Načelnik")
    client.force_login(sarajevo["reviewer"])
    assert client.post(f"/network/accessions/{accession.pk}/withdraw/").status_code == 403  # not its accession
    assert client.post(f"/network/protocols/{mid}/publish/", {}).status_code == 403  # administrators only
    client.force_login(mostar_official)
    assert client.post(f"/network/accessions/{accession.pk}/withdraw/").status_code == 403
    client.force_login(sarajevo["official"])
    assert client.post(f"/network/accessions/{accession.pk}/withdraw/", {"reason": "Novi saziv"}).status_code == 302
    accession.refresh_from_db()
    assert (accession.withdrawn_by, accession.withdraw_reason) == (sarajevo["official"], "Novi saziv")
    client.force_login(sarajevo["admin"])
    response = client.post(f"/network/protocols/{mostar.pk}/publish/", {
        "text_bs": "a", "text_hr": "b", "text_sr_latn": "c", "text_en": "d", "response_days": 10}, follow=True)
    assert response.status_code == 200 and mostar.protocol.versions.get().texts["sr"] == "ц"


@pytest.mark.django_db(False)
def test_the_networks_words_are_in_the_hubs_catalogue_with_cyrillic_written_from_the_latin():
    with translation.override("sr"):
        assert translation.gettext("Signatories") == "Потписници"
        assert translation.gettext("Forwarded to %(name)s") == "Прослеђено општини %(name)s"  # placeholders kept
    with translation.override("hr"):
        assert translation.gettext("Under consideration") == "Razmatra se"


def test_the_model_protocol_is_published_once_for_every_municipality_the_hub_knows(benches, capsys):
    from django.core.management import call_command

    from hub_server.network.models import ProtocolVersion
    call_command("protocol-model")
    assert capsys.readouterr().out.split() == ["Mostar", "Sarajevo", "Centar"]
    version = ProtocolVersion.objects.get(protocol__municipality__name="Mostar")
    assert version.texts["sr"].startswith("Општина Мостар и организације цивилног друштва, чланице мреже LINK")
    call_command("protocol-model")
    assert capsys.readouterr().out == "" and ProtocolVersion.objects.count() == 2


def test_an_administrator_sees_the_overview_adds_an_official_and_reads_the_audit_log(client, sarajevo,
                                                                                      django_capture_on_commit_callbacks):
    from django.contrib.auth import get_user_model
    client.force_login(sarajevo["admin"])
    client.cookies["django_language"] = "en"
    assert "Sarajevo Centar" in client.get("/network/").content.decode().split('id="protocols"')[1]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/network/officials/", {"municipality": municipality("Mostar").pk,
                                                       "email": "Nacelnik@Mostar.ba", "full_name": "Načelnik"})
    assert response.status_code == 302
    user = get_user_model().objects.get(username="nacelnik@mostar.ba")
    assert user.membership.municipality.name == "Mostar" and not user.has_usable_password()
    assert mail.outbox[0].to == ["nacelnik@mostar.ba"] and "/accounts/reset/" in mail.outbox[0].body
    with pytest.raises(ValidationError, match="another role"):
        protocol_services.official_add(municipality=municipality("Mostar"), email="rev-REG-1@example.org",
                                       full_name="", by=sarajevo["admin"])
    audit_page = client.get("/network/audit/").content.decode()
    assert "official_add" in audit_page and "protocol_publish" in audit_page
