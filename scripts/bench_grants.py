"""Grant scheme benchmark: one call with BENCH_APPLICATIONS (default 200) eligible applications, 5 criteria,
2 submitted evaluations each; median server time of the ranking page, the evaluation (progress) page, the
XLSX export, and the public call page after the decision; the time of the decision itself. Prints figures;
asserts nothing about speed."""
import os
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
APPLICATIONS, RUNS = int(os.environ.get("BENCH_APPLICATIONS", 200)), 7


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub_server.settings")
    import django
    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from hub_server.fleet.models import Bench
    from hub_server.grants import evaluation
    from hub_server.grants.models import Application, Assignment, BudgetLine, Call, Criterion, Score
    from hub_server.membership import roles
    from hub_server.membership.models import Municipality, Organisation
    from hub_server.proposals.models import Proposal

    setup_test_environment()
    call_command("migrate", verbosity=0)
    now = timezone.now()
    t = time.monotonic()
    names = {lang: "Poziv" for lang in ("bs", "hr", "sr-latn", "sr", "en")}
    call = Call.objects.create(titles=names, texts=names, budget=Decimal(APPLICATIONS * 1500), min_amount=1000,
                               max_amount=5000, pass_mark=Decimal(12), opens=now - timedelta(days=30),
                               closes=now - timedelta(days=1), evaluation_until=now.date(), decision_by=now.date(),
                               published=True)
    criteria = [Criterion.objects.create(call=call, names=names, order=i) for i in range(5)]
    municipality = Municipality.objects.create(name="Općina B")
    Bench.objects.create(id="b-1", municipality=municipality.name)
    Proposal.objects.create(id="0" * 16, bench_id="b-1", receipt="000000001", title="Ideja", body="x",
                            category="other", status="validated")
    User = get_user_model()
    evaluators = [User.objects.create_user(f"eva-{i}") for i in range(10)]
    group = Group.objects.get_or_create(name="Grant evaluators")[0]
    group.user_set.add(*evaluators)
    admin = User.objects.create_user("admin")
    admin.groups.add(Group.objects.get(name=roles.ADMINISTRATORS))
    for n in range(APPLICATIONS):
        organisation = Organisation.objects.create(name=f"CSO {n}", registration_number=f"G-{n}", contact_name="x",
                                                   contact_email=f"c{n}@example.org", status="approved")
        application = Application.objects.create(call=call, organisation=organisation, municipality=municipality,
                                                 title=f"Projekat {n}", summary="s", objectives="o",
                                                 status="eligible", submitted=now - timedelta(days=2))
        application.ideas.add("0" * 16)
        BudgetLine.objects.create(application=application, item="x", requested=Decimal(1000 + (n * 37) % 4000))
        for k in range(2):
            assignment = Assignment.objects.create(application=application, evaluator=evaluators[(n + k) % 10],
                                                   declared=now, submitted=now)
            Score.objects.bulk_create([Score(assignment=assignment, criterion=c, value=3 + (n + i + k) % 3,
                                             justification="Obrazloženje ocjene") for i, c in enumerate(criteria)])
        if evaluation.divergent_criteria(application):
            application.consensus_note = "Dogovoreno na sastanku"
            application.save(update_fields=["consensus_note"])
    print(f"  set-up: {APPLICATIONS} applications, {APPLICATIONS * 10} scores in {time.monotonic() - t:.1f} s "
          f"({connection.vendor})")
    client = Client(HTTP_ACCEPT_LANGUAGE="bs")
    client.force_login(admin)

    def median_ms(url):
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        return statistics.median(times)

    print(f"  ranking page:      {median_ms(f'/grants/calls/{call.pk}/ranking/'):7.0f} ms median of {RUNS}")
    print(f"  evaluation page:   {median_ms(f'/grants/calls/{call.pk}/evaluation/'):7.0f} ms")
    print(f"  export all.xlsx:   {median_ms(f'/grants/export/all.xlsx?call={call.pk}'):7.0f} ms")
    start = time.perf_counter()
    decisions = evaluation.decide(call=call, by=admin)  # e-mails: locmem (setup_test_environment)
    awarded = sum(1 for d in decisions if d.outcome == "awarded")
    print(f"  decision:          {(time.perf_counter() - start) * 1000:7.0f} ms ({awarded} awarded, "
          f"{sum(1 for d in decisions if d.outcome == 'reserve')} on the reserve list)")
    print(f"  public call page:  {median_ms(f'/public/grants/calls/{call.pk}/'):7.0f} ms")


if __name__ == "__main__":
    main()
