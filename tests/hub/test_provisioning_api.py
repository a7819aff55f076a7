"""The hub's side of `bench provision`: an offer changes nothing, a confirmation installs the
credentials and revokes the old ones, and a stale or foreign offer is refused."""
import pytest
from django.contrib.auth.models import Permission
from django.core import signing

from hub_server.broker import password_hash
from hub_server.fleet.models import Bench
from hub_server.membership.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def technician(django_user_model):
    user = django_user_model.objects.create_user("tech", password="pw-tech-123")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="fleet",
                                                        codename__in=["add_bench", "change_bench"]))
    return {"HTTP_AUTHORIZATION": "Bearer " + api_token_create(user=user, name="laptop")}


def offer(client, auth, bench_id="sa-7", municipality="Sarajevo Centar"):
    return client.post(f"/api/v1/staff/benches/{bench_id}/provision", {"municipality": municipality},
                       content_type="application/json", **auth)


def confirm(client, auth, body, bench_id="sa-7"):
    return client.post(f"/api/v1/staff/benches/{bench_id}/provision/confirm", {"offer": body["offer"]},
                       content_type="application/json", **auth)


def test_an_offer_changes_nothing_until_it_is_confirmed(client, technician, settings):
    settings.BENCH_MQTT = {"host": "mqtt.example.org", "port": 8883}
    first = offer(client, technician).json()
    assert first["mqtt"]["host"] == "mqtt.example.org" and first["mqtt"]["user"] == "sa-7"
    assert (first["key_id"], first["replaces"]) == ("k1", False) and len(first["seal_key"]) == 512
    assert not Bench.objects.filter(pk="sa-7").exists()  # an abandoned offer leaves no orphan
    assert confirm(client, technician, first).json() == {"bench_id": "sa-7", "municipality": "Sarajevo Centar",
                                                          "key_id": "k1"}
    bench = Bench.objects.get(pk="sa-7")
    assert bench.key == first["key"]
    salt = bench.mqtt_password_hash.split("$")[3]
    import base64
    assert bench.mqtt_password_hash == password_hash(first["mqtt"]["password"], base64.b64decode(salt))


def test_reprovisioning_rotates_and_a_stale_offer_is_refused(client, technician):
    first = offer(client, technician).json()
    confirm(client, technician, first)
    second, third = offer(client, technician).json(), offer(client, technician).json()
    assert (second["key_id"], second["replaces"]) == ("k2", True)
    assert Bench.objects.get(pk="sa-7").key == first["key"]  # still the old credentials
    assert confirm(client, technician, second).status_code == 200
    bench = Bench.objects.get(pk="sa-7")
    assert (bench.key_id, bench.key) == ("k2", second["key"])
    stale = confirm(client, technician, third)  # made against k1, which is gone
    assert stale.status_code == 409 and "provisioned or rotated meanwhile" in stale.json()["detail"]
    assert Bench.objects.get(pk="sa-7").key == second["key"]


def test_forged_foreign_and_unauthorised_requests_are_refused(client, technician, django_user_model):
    body = offer(client, technician).json()
    assert confirm(client, technician, body, bench_id="mo-1").json()["detail"] == "this offer is for another bench"
    forged = dict(body, offer=signing.dumps({"bench_id": "sa-7"}, key="not-the-hub", salt="link.bench-provision"))
    assert confirm(client, technician, forged).json()["detail"] == "this offer was not made by this hub"
    assert offer(client, technician, bench_id="Bad_Id").status_code == 400
    assert offer(client, {}).status_code == 401
    nobody = django_user_model.objects.create_user("nobody", password="pw-nobody-123")
    refused = offer(client, {"HTTP_AUTHORIZATION": "Bearer " + api_token_create(user=nobody, name="x")})
    assert refused.status_code == 403
    assert not Bench.objects.exists()


def test_every_provisioning_is_in_the_audit_log_with_who_and_which_key_and_no_secret(client, technician,
                                                                                   django_user_model):
    from hub_server.fleet.services import bench_register
    from hub_server.proposals.models import AuditEntry

    first = offer(client, technician).json()
    confirm(client, technician, first)
    bench_register(bench_id="sa-7", municipality="Sarajevo Centar")  # `hub bench-add` on the hub: no user
    entries = list(AuditEntry.objects.filter(verb="bench_provision").order_by("id"))
    assert [(e.actor and e.actor.username, e.subject) for e in entries] == [("tech", "sa-7"), (None, "sa-7")]
    assert (entries[0].before, entries[0].after) == ({}, {"municipality": "Sarajevo Centar", "key_id": "k1"})
    assert (entries[1].before["key_id"], entries[1].after["key_id"]) == ("k1", "k2")
    logged = str([(e.before, e.after) for e in entries])
    assert first["key"] not in logged and first["mqtt"]["password"] not in logged
    admin = django_user_model.objects.create_superuser("admin", password="pw-admin-123")
    client.force_login(admin)
    page = client.get("/review/audit/", HTTP_ACCEPT_LANGUAGE="bs").content.decode()
    assert "Dodijelio/la klupi nove pristupne podatke" in page and "sa-7" in page
    assert "hub (komandna linija)" in page and "<td>None</td>" not in page  # hub bench-add has no user
