"""An operator sees the messages the ingest had to set aside (the dead letters), why, and can delete
them; never the message itself, which may hold a citizen's words."""
import pytest
from django.contrib.auth.models import User

from hub_server.fleet.services import dead_letter_keep
from simulators.benchmarks.lightbench import LightBench

pytestmark = pytest.mark.django_db


def test_the_admin_lists_dead_letters_with_their_reason_but_not_their_payload(client):
    topic, payload = LightBench("lb-1").proposal("Moj broj je 061 123 456")[:2]
    letter = dead_letter_keep(bench_id="lb-1", topic="proposal", payload=payload, reason="value too long for title",
                              attempts=5)
    User.objects.create_superuser("admin", password="pw-admin-123")
    client.login(username="admin", password="pw-admin-123")
    listing = client.get("/admin/fleet/deadletter/").content.decode()
    assert "value too long for title" in listing and "lb-1" in listing and str(len(payload)) in listing
    page = client.get(f"/admin/fleet/deadletter/{letter.pk}/change/").content.decode()
    assert "061 123 456" not in page and "061 123 456" not in listing
    assert client.get("/admin/fleet/deadletter/add/").status_code == 403
    client.post(f"/admin/fleet/deadletter/{letter.pk}/delete/", {"post": "yes"})
    assert not type(letter).objects.exists()
