"""Exports for the funder: calls, applications, scores and decisions as CSV or a spreadsheet (XLSX).

Administrators only: the scores name the evaluators (the funder's auditor asks who scored what)."""
import csv
import io

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from hub_server.grants import audit
from hub_server.grants.models import Application, Call, Decision, Score
from hub_server.grants.views import _admin_only
from hub_server.proposals.text import csv_safe


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def call_rows(calls):
    yield ["call", "title_en", "title_bs", "budget_bam", "min_bam", "max_bam", "cofinancing_percent", "pass_mark",
           "opens", "closes", "evaluation_until", "decision_by", "criteria", "versions", "decided"]
    for c in calls:
        yield [c.pk, c.title_in("en"), c.title_in("bs"), c.budget, c.min_amount, c.max_amount, c.cofinancing_percent,
               c.pass_mark, _local(c.opens), _local(c.closes), c.evaluation_until, c.decision_by,
               "; ".join(f"{x.name_in('en')} (w {x.weight}, pass {x.pass_mark})" for x in c.criteria.all()),
               c.versions.count(), _local(c.decided)]


def application_rows(calls):
    yield ["call", "application", "receipt", "organisation", "partners", "municipality", "title", "status",
           "submitted", "requested_bam", "own_share_bam", "ideas", "eligibility_reasons"]
    for a in Application.objects.filter(call__in=calls).exclude(status=Application.Status.DRAFT).select_related(
            "organisation", "municipality").prefetch_related("partners", "ideas", "budget_lines",
                                                              "eligibility_checks"):
        check = a.eligibility_checks.first()
        yield [a.call_id, a.pk, a.receipt, a.organisation.name, "; ".join(o.name for o in a.partners.all()),
               a.municipality.name, a.title, a.status, _local(a.submitted), a.requested, a.own_share,
               "; ".join(p.receipt for p in a.ideas.all()), check.reasons if check else ""]


def score_rows(calls):
    yield ["call", "application", "evaluator", "declared_no_conflict", "submitted", "criterion", "score",
           "justification"]
    for s in Score.objects.filter(assignment__application__call__in=calls, assignment__submitted__isnull=False) \
            .select_related("assignment__application", "assignment__evaluator", "criterion") \
            .order_by("assignment__application_id", "assignment_id", "criterion__order"):
        yield [s.assignment.application.call_id, s.assignment.application_id, s.assignment.evaluator.username,
               _local(s.assignment.declared), _local(s.assignment.submitted), s.criterion.name_in("en"), s.value,
               s.justification]


def decision_rows(calls):
    yield ["call", "application", "organisation", "outcome", "amount_bam", "weighted_total", "rank", "reserve_rank",
           "reasons", "decided"]
    for d in Decision.objects.filter(application__call__in=calls).select_related("application__organisation") \
            .order_by("application__call_id", "rank"):
        yield [d.application.call_id, d.application_id, d.application.organisation.name, d.outcome, d.amount, d.total,
               d.rank, d.reserve_rank, d.reasons, _local(d.at)]


DATASETS = {"calls": call_rows, "applications": application_rows, "scores": score_rows, "decisions": decision_rows}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value):
    return "" if value is None else value if isinstance(value, (int,)) else str(value)


@login_required
def export(request, dataset, fmt):
    """One dataset as CSV, or every dataset as sheets of one XLSX workbook (dataset "all")."""
    _admin_only(request)
    calls = Call.objects.filter(pk=request.GET["call"]) if request.GET.get("call", "").isdigit() else Call.objects.all()
    if fmt == "csv" and dataset in DATASETS:
        out = io.StringIO()
        writer = csv.writer(out)
        for row in DATASETS[dataset](calls):
            writer.writerow([csv_safe(str(_cell(v))) for v in row])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx" and dataset in (*DATASETS, "all"):
        from openpyxl import Workbook
        workbook = Workbook()
        workbook.remove(workbook.active)
        for name, rows in DATASETS.items():
            if dataset in (name, "all"):
                sheet = workbook.create_sheet(name)
                for row in rows(calls):
                    sheet.append([csv_safe(_cell(v)) if isinstance(_cell(v), str) else v for v in row])
        out = io.BytesIO()
        workbook.save(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX)
    else:
        raise Http404(_("No such dataset."))
    audit.record(actor=request.user, verb="export", subject=f"{dataset}.{fmt}",
                 call=calls.first() if calls.count() == 1 else None, after={"calls": [c.pk for c in calls]})
    response["Content-Disposition"] = f'attachment; filename="link-grants-{dataset}.{fmt}"'
    return response
