import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hub_server.fleet.services import bench_register
from hub_server.fleet_health.models import Alert, BenchHealth, TelemetryReading
from hub_server.fleet_health.services import fleet_check, telemetry_record

pytestmark = pytest.mark.django_db
FULL = {"batt_v": 12.6, "batt_a": -0.4, "soc": 76, "solar_w": 18.5, "wh_in": 102.0,
        "wh_out": 40.5, "mode": "normal", "clients": 3, "outbox": 0, "heap_free": 61000,
        "firmware": "0.3.1", "up": 3600, "faults": []}


@pytest.fixture
def t0():
    return timezone.now() - timedelta(hours=1)


@pytest.fixture(autouse=True)
def staff_email(settings):
    settings.HUB_STAFF_EMAILS = ["ops@example.org"]


def test_a_full_reading_is_stored(benches, t0):
    telemetry_record(bench_id="sa-1", data=FULL, received=t0)
    r = TelemetryReading.objects.get()
    assert (r.soc, r.battery_v, r.mode, r.outbox, r.firmware, r.faults) == (76.0, 12.6, "normal", 0, "0.3.1", [])
    assert BenchHealth.objects.get(bench_id="sa-1").reading == r


def test_unknown_missing_and_mistyped_values_are_tolerated(benches, t0):
    telemetry_record(bench_id="sa-1", data={"soc": "full", "clients": True, "faults": "ina219", "x": 1,
                                            "mode": "m" * 500, "batt_v": float("nan")}, received=t0)
    r = TelemetryReading.objects.get()
    assert (r.soc, r.clients, r.faults, r.battery_v, len(r.mode)) == (None, None, [], None, 20)
    telemetry_record(bench_id="nope", data=FULL, received=t0)
    assert TelemetryReading.objects.count() == 1


def test_alerts_open_once_email_once_and_clear_on_recovery(benches, t0, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for minute in range(3):
            telemetry_record(bench_id="sa-1", data={**FULL, "soc": 12, "faults": ["ina219_solar"]},
                             received=t0 + timedelta(minutes=minute))
    kinds = sorted(Alert.objects.filter(cleared=None).values_list("kind", flat=True))
    assert kinds == ["low_battery", "sensor_fault"]
    # in the hub's language (Bosnian) for staff who chose none in their profile
    assert sorted(m.subject for m in mail.outbox) == ["LINK klupa sa-1: Kvar senzora", "LINK klupa sa-1: Slaba baterija"]
    telemetry_record(bench_id="sa-1", data={**FULL, "soc": 22}, received=t0 + timedelta(minutes=5))
    assert list(Alert.objects.filter(cleared=None).values_list("kind", flat=True)) == ["low_battery"]  # hysteresis
    telemetry_record(bench_id="sa-1", data={**FULL, "soc": 30}, received=t0 + timedelta(minutes=6))
    assert not Alert.objects.filter(cleared=None).exists()
    assert len(mail.outbox) == 2


def test_a_growing_outbox_raises_an_alert(benches, t0):
    for i, depth in enumerate([0, 2, 4, 7, 9]):
        telemetry_record(bench_id="sa-1", data={**FULL, "outbox": depth}, received=t0 + timedelta(minutes=i))
    assert Alert.objects.get(cleared=None).kind == "outbox_growing"
    telemetry_record(bench_id="sa-1", data={**FULL, "outbox": 0}, received=t0 + timedelta(minutes=9))
    assert not Alert.objects.filter(cleared=None).exists()


def test_silent_benches_go_offline_and_come_back(benches, t0, settings):
    now = timezone.now()
    telemetry_record(bench_id="sa-1", data=FULL, received=now - timedelta(minutes=5))
    telemetry_record(bench_id="mo-1", data=FULL, received=now - timedelta(minutes=settings.HUB_ALERT_OFFLINE_MINUTES + 1))
    assert fleet_check(now=now) == 1
    assert fleet_check(now=now) == 0  # once
    assert Alert.objects.get(cleared=None).bench_id == "mo-1"
    telemetry_record(bench_id="mo-1", data=FULL, received=now)
    assert not Alert.objects.filter(cleared=None).exists()


def test_the_dashboard_needs_the_permission(client, sarajevo_reviewer, admin_user, benches):
    client.force_login(sarajevo_reviewer)
    assert client.get("/fleet/").status_code == 403
    assert client.get("/fleet/sa-1/series.json").status_code == 403
    client.force_login(admin_user)
    assert client.get("/fleet/").status_code == 200


def bench_table_ids(page: str) -> list[str]:
    table = page.split('id="bench-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/fleet/([\w-]+)/">', table)


def test_the_dashboard_reads_a_constant_number_of_queries_and_pages_the_benches(client, admin_user, benches):
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as few:
        client.get("/fleet/")
    now = timezone.now()
    for i in range(60):
        bench_register(bench_id=f"b-{i:02}", municipality="Tuzla")
        telemetry_record(bench_id=f"b-{i:02}", data={**FULL, "soc": 10 if i % 2 else 80}, received=now)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/fleet/").content.decode()
    assert len(few) == len(many) <= 11 + 3  # + the releases section (bench updates, rollouts, audit); 4: the session, the user and the user's permissions
    assert "Low battery" in page
    # 62 benches, ordered by municipality: Mostar, Sarajevo Centar, then Tuzla's 60; 50 on a page
    assert bench_table_ids(page) == ["mo-1", "sa-1"] + [f"b-{i:02}" for i in range(48)]
    assert "Benches 1–50 of 62" in page and "Page 1 of 2" in page
    assert bench_table_ids(client.get("/fleet/?page=2").content.decode()) == [f"b-{i:02}" for i in range(48, 60)]
    # Tuzla's 60 are counted beside the map, not named (the table and the links filter them)
    tuzla = re.search(r'<td><a href="\?municipality=Tuzla#benches">Tuzla</a></td>(.*?)</tr>', page).group(1)
    assert re.findall(r">(\d+)<", tuzla) == ["60", "30", "30", "0"]  # benches, working, needs attention, offline
    assert 'href="/fleet/?municipality=Tuzla#benches">All 60 benches</a>' in page


def test_the_bench_list_filters(client, admin_user, benches):
    now = timezone.now()
    for i in range(20):
        bench_register(bench_id=f"b-{i:02}", municipality="Tuzla")
        telemetry_record(bench_id=f"b-{i:02}", data={**FULL, "soc": 10 if i % 2 else 80}, received=now)
    client.force_login(admin_user)
    odd, even = [f"b-{i:02}" for i in range(1, 20, 2)], [f"b-{i:02}" for i in range(0, 20, 2)]
    for query, expected in [("state=alert", odd), ("alert=low_battery", odd), ("state=offline", ["mo-1", "sa-1"]),
                            ("municipality=Mostar", ["mo-1"]), ("q=b-1", [f"b-{i}" for i in range(10, 20)]),
                            ("firmware=0.3.1&state=ok", even), ("state=nonsense&municipality=Nowhere", [])]:
        page = client.get(f"/fleet/?{query}").content.decode()
        assert bench_table_ids(page) == expected, query
        assert ("No bench matches these filters." in page) == (not expected)


def test_bench_charts_have_table_fallbacks_and_json(client, admin_user, benches, t0, new_proposal):
    for h in range(3):
        telemetry_record(bench_id="sa-1", data={**FULL, "soc": 50 + h}, received=t0 - timedelta(hours=h))
    new_proposal()
    client.force_login(admin_user)
    page = client.get("/fleet/sa-1/").content.decode()
    assert "uPlot.iife.min.js" in page and "<table" in page and 'id="series-data"' in page
    series = client.get("/fleet/sa-1/series.json?days=30").json()
    assert series["days"] == 30 and len(series["soc"]) == 3 and series["proposals"][0][1] == 1
    # one bucket per hour, each at its hour's start; each local day's harvest is its highest count
    assert [v for _, v in series["soc"]] == [52.0, 51.0, 50.0]
    assert all(t % 3600 == 0 for t, _ in series["soc"]) and series["soc"][-1][0] <= t0.timestamp() < series["soc"][-1][0] + 3600
    assert {v for _, v in series["harvest_wh"]} == {102.0}


def test_alerts_read_in_the_readers_language_for_every_fault_the_firmware_reports(benches, t0, client, settings,
                                                                              django_capture_on_commit_callbacks):
    from benchcore.power import monitor
    from benchcore.power.ina219 import FAULT_NAMES
    from django.contrib.auth.models import User
    from django.utils import translation

    from hub_server.fleet_health.models import FAULTS, fault_label

    # every reason the bench's power monitor can put after "sensor:" has a label, so none reaches staff raw
    reasons = set(FAULT_NAMES[1:]) | {monitor._IMPLAUSIBLE, "spike"}
    assert reasons <= set(FAULTS), reasons - set(FAULTS)
    with django_capture_on_commit_callbacks(execute=True):
        telemetry_record(bench_id="sa-1", data={**FULL, "soc": 12, "faults": ["battery:" + FAULT_NAMES[1]]}, received=t0)
    fleet_check(now=timezone.now() + timedelta(days=1))  # mo-1 never sent anything
    bodies = "\n".join(m.body for m in mail.outbox)
    assert "napunjenost baterije 12 %" in bodies and "senzor baterije: ne odgovara na I2C sabirnici" in bodies
    with translation.override("sr"):
        assert Alert.objects.get(bench_id="mo-1").describe() == "никад се није јавила"
    with translation.override("en"):
        assert fault_label("solar:implausible") == "solar panel sensor: implausible reading"
    User.objects.create_superuser("admin", password="pw-admin-123")
    client.login(username="admin", password="pw-admin-123")
    page = client.get("/fleet/", HTTP_ACCEPT_LANGUAGE="hr").content.decode()
    assert "nikad se nije javila" in page and "senzor baterije: ne odgovara" in page
    assert "never" not in page and "SoC 12" not in page
