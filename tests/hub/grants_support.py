"""Shared set-up for the grant scheme's tests: an open call with two criteria, applicants, evaluators."""
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone

from hub_server.grants import evaluation, services
from hub_server.grants.roles import EVALUATORS
from hub_server.membership.models import Membership, Municipality
from hub_server.proposals import review_services

TITLES = {"bs": "Javni poziv za projekte", "hr": "Javni poziv za projekte", "sr-latn": "Javni poziv za projekte",
          "en": "Call for projects"}
TEXTS = {"bs": "Organizacije prijavljuju projekte.", "hr": "Organizacije prijavljuju projekte.",
         "sr-latn": "Organizacije prijavljuju projekte.", "en": "Organisations apply with projects."}
RELEVANCE = {"bs": "Relevantnost", "hr": "Relevantnost", "sr-latn": "Relevantnost", "en": "Relevance"}
FEASIBILITY = {"bs": "Izvodljivost", "hr": "Izvedivost", "sr-latn": "Izvodljivost", "en": "Feasibility"}


def open_call(admin, *, budget="10000", min_amount="1000", max_amount="5000", cofinancing=0, pass_mark="6",
              opens_in=timedelta(days=-1), closes_in=timedelta(days=10), publish=True):
    now = timezone.now()
    call = services.call_create(
        titles=TITLES, texts=TEXTS, by=admin, budget=Decimal(budget), min_amount=Decimal(min_amount),
        max_amount=Decimal(max_amount), cofinancing_percent=cofinancing, require_good_standing=True,
        require_network_municipality=True, require_validated_idea=True, pass_mark=Decimal(pass_mark), divergence=2,
        opens=now + opens_in, closes=now + closes_in, evaluation_until=(now + closes_in + timedelta(days=20)).date(),
        decision_by=(now + closes_in + timedelta(days=30)).date())
    if publish:
        # Criteria are fixed once a call opens: add them while it still opens in the future, as administrators do.
        services.Call.objects.filter(pk=call.pk).update(opens=now + timedelta(days=1))
        call.refresh_from_db()
        services.criterion_add(call=call, names=RELEVANCE, weight=Decimal(1), pass_mark=Decimal(3), by=admin)
        services.criterion_add(call=call, names=FEASIBILITY, weight=Decimal(1), pass_mark=Decimal(2), by=admin)
        services.call_publish(call=call, by=admin)
        services.Call.objects.filter(pk=call.pk).update(opens=now + opens_in)
        call.refresh_from_db()
    return call


def idea(make, reviewer, bench_id="sa-1", **fields):
    return review_services.proposal_validate(proposal=make(bench_id, **fields), by=reviewer)


def organisation_of(user):
    return Membership.objects.get(user=user).organisation


def draft(call, user, ideas=(), partners=(), title="Zeleni park", requested="3000", own="0", municipality=None):
    organisation = organisation_of(user)
    application = services.application_save(
        call=call, organisation=organisation, by=user, title=title, summary="Sažetak projekta",
        objectives="Ciljevi projekta", municipality=municipality or organisation.municipalities.first(),
        idea_ids=[p.pk for p in ideas], partner_ids=[o.pk for o in partners])
    services.budget_line_add(application=application, item="Klupe", requested=Decimal(requested), own=Decimal(own),
                             by=user)
    services.activity_add(application=application, title="Sadnja", starts=timezone.now().date(),
                          ends=timezone.now().date() + timedelta(days=30), by=user)
    return application


def evaluator(django_user_model, username, organisation=None):
    user = django_user_model.objects.create_user(username, email=f"{username}@example.org", password="pw-evaluate-123")
    user.groups.add(Group.objects.get_or_create(name=EVALUATORS)[0])
    if organisation is not None:
        Membership.objects.create(user=user, role=Membership.Role.REVIEWER, organisation=organisation)
    return user


def submitted_eligible(call, user, admin, **kw):
    application = services.application_submit(application=draft(call, user, **kw), by=user)
    evaluation.eligibility_record(application=application, eligible=True, reasons="Sve uredno", by=admin)
    application.refresh_from_db()
    return application


def evaluate(application, user, values: dict, submit=True):
    """values: {criterion index: score}; declares no conflict first."""
    assignment = evaluation.Assignment.objects.filter(application=application, evaluator=user).first() \
        or evaluation.assign(application=application, evaluator=user, by=None)
    if not assignment.declared:
        evaluation.declare(assignment=assignment, by=user, no_conflict=True)
    criteria = list(application.call.criteria.all())
    evaluation.scores_save(assignment=assignment, by=user, submit=submit, scores={
        criteria[i].pk: (v, f"Obrazloženje ocjene {v} za kriterij") for i, v in values.items()})
    return assignment


def municipality(name):
    return Municipality.objects.get(name=name)
