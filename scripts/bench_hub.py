"""Hub benchmark: 100,000 proposals and 1,000 benches; median server time of the review queue, the
public list and the fleet dashboard, on SQLite and (when a server answers) PostgreSQL."""
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PROPOSALS, BENCHES, RUNS = int(os.environ.get("BENCH_PROPOSALS", 100_000)), 1000, 25


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub_server.settings")
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from hub_server.fleet.models import Bench
    from hub_server.fleet_health.models import BenchHealth, TelemetryReading
    from hub_server.membership.services import organisation_apply, organisation_approve
    from hub_server.proposals.models import Proposal

    setup_test_environment()
    call_command("migrate", verbosity=0)
    municipalities = [f"Općina {i}" for i in range(12)]
    now = timezone.now()
    t = time.monotonic()
    Bench.objects.bulk_create([Bench(id=f"b-{i}", municipality=municipalities[i % 12]) for i in range(BENCHES)])
    readings = TelemetryReading.objects.bulk_create([TelemetryReading(
        bench_id=f"b-{i}", received=now, soc=50 + i % 50, battery_v=12.5, solar_w=10.0, mode="normal", clients=1,
        outbox=0, heap_free=60000, firmware="0.3.1", faults=[]) for i in range(BENCHES)])
    BenchHealth.objects.bulk_create([BenchHealth(bench_id=r.bench_id, reading=r) for r in readings])
    statuses = ["new", "new", "validated", "declined"]
    batch = []
    for n in range(PROPOSALS):
        batch.append(Proposal(id=f"{n:016x}", bench_id=f"b-{n % BENCHES}", receipt=f"{n:04X}-BNCH"[-9:],
                              title=f"Ideja {n}", body="Nova česma u parku " * 5, category="environment",
                              status=statuses[n % 4]))
        if len(batch) == 5000:
            Proposal.objects.bulk_create(batch)
            batch = []
    Proposal.objects.bulk_create(batch)
    Proposal.objects.update(received=now - timedelta(minutes=1))
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE")
    else:
        with connection.cursor() as c:
            c.execute("ANALYZE")
    print(f"  loaded {PROPOSALS} proposals, {BENCHES} benches in {time.monotonic() - t:.0f} s")
    from django.contrib.auth import get_user_model
    admin = get_user_model().objects.create_superuser("bench-admin", "a@example.org", "x")
    org = organisation_apply(name="CSO", registration_number="R-1", municipalities=[municipalities[0]],
                             contact_name="R", contact_email="r@example.org", principles_accepted=True)
    reviewer = organisation_approve(organisation=org, by=admin)
    client = Client()
    for label, user, url in [("review queue (1 municipality)", reviewer, "/review/"),
                             ("public list", None, "/public/"),
                             ("fleet dashboard (1,000 benches)", admin, "/fleet/")]:
        client.logout()
        if user:
            client.force_login(user)
        client.get(url)  # warm up
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(f"  {label:<34} median {statistics.median(times):6.1f} ms   p90 "
              f"{sorted(times)[int(RUNS * 0.9)]:6.1f} ms")


if __name__ == "__main__":
    main()
