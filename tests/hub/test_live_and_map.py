"""The change marker that live pages poll, and the map of benches (server side; the browser side is
in tests/system/test_hub_ui.py)."""
import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from hub_server.fleet.services import bench_register
from hub_server.fleet_health.models import Alert
from hub_server.fleet_health.services import telemetry_record
from hub_server.portal import bih_outline
from hub_server.portal.geo import MUNICIPALITIES, project
from hub_server.proposals import review_services


def marker(client, url="/public/live.json"):
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    return response.json()["v"]


def test_the_marker_moves_when_an_idea_arrives_or_is_decided_and_not_otherwise(benches, new_proposal,
                                                                                 sarajevo_reviewer):
    client = Client()
    first = marker(client)
    assert marker(client) == first
    p = new_proposal(title="Nova")
    second = marker(client)
    assert second != first
    review_services.proposal_validate(proposal=p, by=sarajevo_reviewer)
    assert marker(client) != second


def test_the_staff_marker_needs_a_login_and_follows_telemetry_for_the_fleet(admin_user, benches):
    assert Client().get("/review/live.json").status_code == 302
    client = Client()
    client.force_login(admin_user)
    before = marker(client, "/review/live.json")
    telemetry_record(bench_id="sa-1", data={"soc": 70}, received=timezone.now())
    assert marker(client, "/review/live.json") != before


def test_every_network_municipality_lies_inside_the_drawn_country():
    x0, y0, width, height = bih_outline.VIEWBOX
    points = [project(*where) for where in MUNICIPALITIES.values()]
    assert len(points) == 12
    assert all(x0 < x < width and y0 < y < height for x, y in points)
    west, east = project(*MUNICIPALITIES["Bihać"]), project(*MUNICIPALITIES["Bijeljina"])
    north, south = project(*MUNICIPALITIES["Prijedor"]), project(*MUNICIPALITIES["Trebinje"])
    assert west[0] < east[0] and north[1] < south[1]  # west is left, north is up


def test_the_map_colours_each_municipality_by_its_least_healthy_bench(db, benches):
    now = timezone.now()
    telemetry_record(bench_id="sa-1", data={"soc": 80}, received=now)  # working
    bench_register(bench_id="sa-2", municipality="Sarajevo Centar")  # never seen: not responding
    telemetry_record(bench_id="mo-1", data={"soc": 80}, received=now)
    Alert.objects.create(bench_id="mo-1", kind=Alert.Kind.LOW_BATTERY, detail="15 %", opened=now - timedelta(hours=1))
    bench_register(bench_id="elsewhere-1", municipality="Vareš")  # not one of the twelve
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/public/benches/").content.decode()
    markers = dict(re.findall(r'<g class="marker marker--(\w+)"><title>([^<:]+):', page)[i][::-1]
                   for i in range(len(re.findall(r'<g class="marker', page))))
    assert len(markers) == 12  # Vareš has no coordinates: listed, not drawn
    assert markers["Sarajevo Centar"] == "offline" and markers["Mostar"] == "alert" and markers["Tuzla"] == "none"
    assert "Vareš" in page and "elsewhere-1" in page
    assert "15 %" not in page  # alert details stay on the staff dashboard
