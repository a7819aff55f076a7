"""The public directory of member organisations, partners in actions, Leadership Academy trainings."""
from datetime import timedelta

import pytest
from django.utils import translation
from django.core.exceptions import ValidationError
from django.utils import timezone

from hub_server.membership.models import Organisation
from hub_server.network import directory_services as ds
from hub_server.network.directory_models import ActionPartner
from hub_server.network.models import NetworkAudit
from hub_server.proposals import review_services
from tests.hub.network_support import english_messages  # noqa: F401 (autouse fixture)
from tests.hub.network_support import municipality, validated_idea

pytestmark = pytest.mark.django_db



@pytest.fixture
def orgs(sarajevo_reviewer, mostar_reviewer, admin_user, new_proposal):
    sa = Organisation.objects.get(registration_number="REG-1")
    mo = Organisation.objects.get(registration_number="REG-2")
    ds.profile_update(organisation=sa, by=sarajevo_reviewer, description="Mladi za zeleni grad",
                      website="https://zeleni.example.org", fields_of_work=["youth", "environment"])
    ds.profile_update(organisation=mo, by=mostar_reviewer, description="Kultura u Mostaru", website="",
                      fields_of_work=["culture"], public_email="info@kultura.example.org")
    return {"sa": sa, "mo": mo, "sa_user": sarajevo_reviewer, "mo_user": mostar_reviewer, "admin": admin_user,
            "make": new_proposal}


def test_the_directory_is_searchable_and_shows_contact_only_if_chosen(client, orgs):
    client.cookies["django_language"] = "en"
    names = lambda r: [o.name for o in r.context["organisations"]]  # noqa: E731
    assert names(client.get("/public/network/organisations/")) == ["CSO REG-1", "CSO REG-2"]
    assert names(client.get("/public/network/organisations/?q=zeleni")) == ["CSO REG-1"]
    assert names(client.get("/public/network/organisations/?field=culture")) == ["CSO REG-2"]
    assert names(client.get(f"/public/network/organisations/?m={municipality('Sarajevo Centar').pk}")) == ["CSO REG-1"]
    assert names(client.get("/public/network/organisations/?field=nonsense&m=x")) == ["CSO REG-1", "CSO REG-2"]
    sa = client.get(f"/public/network/organisations/{orgs['sa'].pk}/").content.decode()
    assert "Mladi za zeleni grad" in sa and "https://zeleni.example.org" in sa and "Youth, Environment" in sa
    assert 'id="contact"' not in sa and "rev-reg-1@example.org" not in sa.lower()  # registered contact never shown
    mo = client.get(f"/public/network/organisations/{orgs['mo'].pk}/").content.decode()
    assert "info@kultura.example.org" in mo
    with pytest.raises(ValidationError):
        ds.profile_update(organisation=orgs["sa"], by=orgs["sa_user"], description="", website="javascript:alert(1)",
                          fields_of_work=[])
    with pytest.raises(ValidationError, match="Unknown field"):
        ds.profile_update(organisation=orgs["sa"], by=orgs["sa_user"], description="", website="",
                          fields_of_work=["astrology"])
    pending = Organisation.objects.create(name="Pending CSO", registration_number="P-1", contact_name="x",
                                          contact_email="p@example.org")
    assert client.get(f"/public/network/organisations/{pending.pk}/").status_code == 404


def test_profile_lists_validated_ideas_actions_led_and_joined_as_partner(client, orgs,
                                                                         django_capture_on_commit_callbacks):
    from django.core import mail
    idea = validated_idea(orgs["make"], orgs["sa_user"], title="Česma u parku")
    action = review_services.action_create(municipality="Sarajevo Centar", title="Česma za park",
                                           proposals=[idea], by=orgs["sa_user"])
    client.cookies["django_language"] = "en"
    client.force_login(orgs["mo_user"])  # Mostar's organisation does not lead it
    assert client.post(f"/network/actions/{action.pk}/invite/", {"organisation": orgs["sa"].pk}).status_code == 403
    client.force_login(orgs["sa_user"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/network/actions/{action.pk}/invite/",
                           {"organisation": orgs["mo"].pk}).status_code == 302
    assert mail.outbox[0].to == ["rev-REG-2@example.org"] and "CSO REG-1" in mail.outbox[0].body
    partner = ActionPartner.objects.get()
    public = client.get(f"/public/actions/{action.pk}/").content.decode()
    assert 'id="partners"' not in public  # only once the invitation is accepted
    assert client.post(f"/network/partners/{partner.pk}/accept/").status_code == 404  # not its invitation
    client.force_login(orgs["mo_user"])
    assert client.post(f"/network/partners/{partner.pk}/accept/").status_code == 302
    with pytest.raises(ValidationError, match="already answered"):
        ds.partner_respond(partner=partner, by=orgs["mo_user"], accept=False)
    public = client.get(f"/public/actions/{action.pk}/").content.decode()
    assert "CSO REG-2" in public.split('id="partners"')[1]
    sa = client.get(f"/public/network/organisations/{orgs['sa'].pk}/").content.decode()
    assert "Česma u parku" in sa.split('id="validated"')[1].split("</ul>")[0]
    assert "Česma za park" in sa.split('id="led"')[1].split("</ul>")[0]
    mo = client.get(f"/public/network/organisations/{orgs['mo'].pk}/").content.decode()
    assert "Česma za park" in mo.split('id="joined"')[1].split("</ul>")[0]
    assert set(NetworkAudit.objects.values_list("verb", flat=True)) >= {"partner_invite", "partner_respond",
                                                                         "profile_update"}


def test_trainings_fill_to_capacity_record_attendance_and_show_on_profiles(client, orgs):
    starts = timezone.now() + timedelta(days=10)
    with pytest.raises(ValidationError, match="where the training"):
        ds.training_publish(by=orgs["admin"], title="Liderstvo", starts=starts, capacity=2, language="bs")
    client.force_login(orgs["sa_user"])
    assert client.post("/network/trainings/", {"title": "X", "starts": "2030-01-01 10:00", "capacity": 5,
                                               "language": "bs", "online": "on"}).status_code == 403
    client.force_login(orgs["admin"])
    client.post("/network/trainings/", {"title": "Akademija liderstva: modul 1", "starts": starts.strftime("%Y-%m-%d %H:%M"),
                                        "capacity": 2, "language": "bs", "place": "Sarajevo, Vijećnica"})
    training = ds.Training.objects.get()
    client.force_login(orgs["sa_user"])
    client.post(f"/network/trainings/{training.pk}/register/", {"participant": "Lejla Lejlić"})
    client.post(f"/network/trainings/{training.pk}/register/", {"participant": "Amra Amrić"})
    client.force_login(orgs["mo_user"])
    response = client.post(f"/network/trainings/{training.pk}/register/", {"participant": "Ivan Ivić"}, follow=True)
    assert "The training is full." in response.content.decode() or "popunjen" in response.content.decode()
    assert training.registrations.count() == 2
    registration = training.registrations.first()
    assert client.post(f"/network/registrations/{registration.pk}/attendance/", {"attended": "yes"}).status_code == 403
    client.force_login(orgs["admin"])
    client.post(f"/network/registrations/{registration.pk}/attendance/", {"attended": "yes"})
    public = client.get("/public/network/trainings/").content.decode()
    assert "Akademija liderstva: modul 1" in public and "Lejla" not in public  # participants are not public
    assert "Akademija liderstva" in client.get(f"/public/network/organisations/{orgs['sa'].pk}/").content.decode()
    assert "Akademija liderstva" not in client.get(
        f"/public/network/organisations/{orgs['mo'].pk}/").content.decode().split('id="trainings"')[1]


def test_concurrent_registrations_never_overfill_a_training(transactional_db, sarajevo_reviewer, admin_user):
    """Eight organisations' members register at once for two places (PostgreSQL: real row locks)."""
    import threading

    from django.db import connection, connections
    if connection.vendor != "postgresql":
        pytest.skip("row locks under concurrency are a PostgreSQL matter (the hub suite reruns on it)")
    org = Organisation.objects.get(registration_number="REG-1")
    training = ds.training_publish(by=admin_user, title="Modul 2", starts=timezone.now() + timedelta(days=3),
                                   capacity=2, language="bs", online=True)
    barrier, outcomes = threading.Barrier(8), []

    def register(n):
        try:
            barrier.wait()
            translation.activate("en")  # each thread has its own active language
            ds.training_register(training=training, organisation=org, participant=f"P{n}", by=sarajevo_reviewer)
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["The training is full."] * 6 + ["ok"] * 2
    assert training.registrations.count() == 2
