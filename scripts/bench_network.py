"""Network benchmark: 12 municipalities, 20,000 forwarded ideas (half answered), every municipality's
protocol signed by 20 organisations; median server time of the public overview, a municipality's
page, the response-time API and an official's inbox. Prints figures; asserts nothing about speed."""
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FORWARDED, RUNS = int(os.environ.get("BENCH_FORWARDED", 20_000)), 15


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
    from hub_server.membership.models import Municipality, Organisation
    from hub_server.network.model_protocol import model_texts
    from hub_server.network.models import Accession, Forwarding
    from hub_server.network.protocol_services import official_add, protocol_publish
    from hub_server.proposals.models import Proposal

    setup_test_environment()
    call_command("migrate", verbosity=0)
    rng = random.Random(14)
    now = timezone.now()
    t = time.monotonic()
    municipalities = [Municipality.objects.create(name=f"Općina {i}") for i in range(12)]
    versions = [protocol_publish(municipality=m, texts=model_texts(municipality=m.name), by=None)
                for m in municipalities]
    orgs = Organisation.objects.bulk_create([Organisation(
        name=f"CSO {i}", registration_number=f"B-{i}", contact_name="x", contact_email=f"c{i}@example.org",
        status="approved") for i in range(240)])
    Accession.objects.bulk_create([Accession(version=versions[i % 12], party="organisation", organisation=o,
                                             capacity="President") for i, o in enumerate(orgs)])
    Bench.objects.bulk_create([Bench(id=f"b-{i}", municipality=m.name) for i, m in enumerate(municipalities)])
    Proposal.objects.bulk_create([Proposal(id=f"{n:016x}", bench_id=f"b-{n % 12}", receipt=f"{n:09d}",
                                           title=f"Idea {n}", body="Klupe u parku", category="other",
                                           status="validated") for n in range(FORWARDED)])
    rows = []
    for n in range(FORWARDED):
        forwarded = now - timedelta(days=rng.uniform(0, 120))
        answered = forwarded + timedelta(days=rng.uniform(1, 45)) if n % 2 else None
        if answered and answered >= now:
            answered = None
        rows.append(Forwarding(municipality=municipalities[n % 12], proposal_id=f"{n:016x}", organisation=orgs[n % 240],
                               forwarded=forwarded, due=forwarded + timedelta(days=30), answered=answered,
                               days_to_answer=(answered - forwarded).total_seconds() / 86400 if answered else None,
                               status="accepted" if answered else "forwarded", answer="Prihvaćeno" if answered else ""))
    Forwarding.objects.bulk_create(rows, batch_size=2000)
    official = official_add(municipality=municipalities[0], email="o@example.org", full_name="", by=None)
    print(f"  seeded {FORWARDED} forwarded ideas in {time.monotonic() - t:.1f} s ({connection.vendor})")

    client = Client()
    staff = Client()
    staff.force_login(official)
    pages = {"public overview /public/network/": (client, "/public/network/"),
             "municipality page": (client, f"/public/network/m/{municipalities[0].pk}/"),
             "API /api/v1/response-times": (client, "/api/v1/response-times"),
             "official's inbox /network/": (staff, "/network/")}
    for name, (c, url) in pages.items():
        assert c.get(url).status_code == 200, url
        times = []
        for _ in range(RUNS):
            t = time.perf_counter()
            c.get(url)
            times.append(time.perf_counter() - t)
        print(f"  {name:<36} median {statistics.median(times) * 1000:7.1f} ms  (max {max(times) * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
