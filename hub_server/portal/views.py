"""The public portal: no account, no personal data, no JavaScript needed."""
import csv
import json

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hub_server.fleet_health.selectors import fleet_summary, map_rows
from hub_server.membership.selectors import municipality_choices
from hub_server.network import open_data as network_open_data
from hub_server.portal import open_data
from hub_server.portal.forms import DataRequestForm
from hub_server.portal.geo import MAP_NAMES_BENCHES_UP_TO, map_points
from hub_server.portal.throttle import throttled
from hub_server.proposals import privacy_services, selectors
from hub_server.proposals.text import csv_safe, receipt_normalise

PUBLIC_PAGE = 30


@require_GET
def home(request):
    municipality = request.GET.get("m", "")[:80]
    q = request.GET.get("q", "")[:100]
    ideas = Paginator(selectors.public_ideas(municipality=municipality, q=q), PUBLIC_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "portal/home.html", {
        "ideas": ideas, "actions": selectors.public_actions(municipality=municipality)[:10],
        "municipalities": municipality_choices(), "municipality": municipality, "q": q})


@require_GET
def idea(request, proposal_id):
    p = selectors.public_idea(proposal_id=proposal_id)
    if p is None:
        raise Http404(_("No such public idea."))
    return render(request, "portal/idea.html", {"p": p, "actions": p.actions.all() if p.status == "validated" else []})


@require_GET
def action(request, action_id):
    a = selectors.public_action(action_id=action_id)
    if a is None:
        raise Http404(_("No such action."))
    return render(request, "portal/action.html", {"a": a})


@require_GET
@throttled("receipt", methods=("GET",), counts=lambda request, code="": bool(code))
def receipt(request, code=""):
    """The receipt lookup; a code that cannot be a receipt is a 400, never a search (nor a 500)."""
    typed = request.GET.get("code", "").strip()
    if not typed and not code:  # the form sent empty: just the form again
        return render(request, "portal/receipt.html", {"code": "", "found": [], "asked": False})
    normal = receipt_normalise(typed or code)
    if normal is None:
        return render(request, "portal/receipt.html", {"code": "", "found": [], "asked": True}, status=400)
    if normal != code:
        return redirect("portal-receipt-code", code=normal)
    return render(request, "portal/receipt.html", {
        "code": normal, "found": selectors.public_by_receipt(receipt=normal), "asked": True})


@never_cache  # the answer can hold the citizen's name and contact: no copy in any cache
@throttled("data_request")
def my_data(request):
    """A citizen asks, with the receipt code and the contact they gave, for a copy, or withdraws
    consent, or has the idea erased. The same answer whether the code is unknown or the contact wrong."""
    form = DataRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = privacy_services.citizen_request(receipt=data["receipt"], contact=data["contact"],
                                                        kind=data["kind"])
        except privacy_services.CitizenNotMatched:
            form.add_error(None, _("No idea has that receipt code with that contact."))
        else:
            copy = selectors.citizen_data_copy(proposal=proposal) if data["kind"] == "copy" else None
            return render(request, "portal/my_data_done.html", {"kind": data["kind"], "copy": copy,
                                                                "receipt": data["receipt"]})
    return render(request, "portal/my_data.html", {"form": form, "retention_days": settings.HUB_CONTACT_RETENTION_DAYS},
                  status=400 if form.errors else 200)


@require_GET
def benches(request):
    summary = fleet_summary()
    rows = map_rows(summary=summary, listed=MAP_NAMES_BENCHES_UP_TO)
    return render(request, "portal/benches.html", {"map_points": map_points(summary=summary, rows=rows)})


@require_GET
def open_data_index(request):
    return render(request, "portal/open_data.html", {})


def _licence():
    return {**settings.HUB_OPEN_DATA_LICENCE, "attribution": "LINK benches network",
            "generated": timezone.now().isoformat(timespec="seconds")}


class _Echo:
    def write(self, value):
        return value


@require_GET
def export(request, dataset, fmt):
    rows, fields = {"ideas": (open_data.idea_rows, open_data.IDEA_FIELDS),
                    "actions": (open_data.action_rows, open_data.ACTION_FIELDS),
                    **network_open_data.DATASETS}.get(dataset, (None, None))
    if rows is None or fmt not in ("csv", "json"):
        raise Http404(_("No such dataset."))
    licence = _licence()
    if fmt == "json":
        body = json.dumps({"licence": licence, "dataset": dataset, "fields": fields, "rows": list(rows())},
                          ensure_ascii=False, indent=1)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        writer = csv.writer(_Echo())

        def lines():
            yield writer.writerow(fields)
            for row in rows():
                yield writer.writerow([csv_safe(",".join(map(str, v)) if isinstance(v, list) else str(v))
                                       for v in (row[f] for f in fields)])
        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="link-{dataset}.{fmt}"'
    response["Link"] = f'<{licence["url"]}>; rel="license"'
    return response
