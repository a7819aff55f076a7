"""Public pages of the network: protocols, signatories and their history, the municipalities' answers
and how fast they come. No account, no personal data, no JavaScript."""
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language, gettext as _
from django.views.decorators.http import require_GET

from hub_server.membership.models import Municipality
from hub_server.network import directory_selectors, selectors
from hub_server.network.directory_models import FieldOfWork


@require_GET
def overview(request):
    datasets = [("protocols", _("Protocol versions")), ("signatories", _("Signatories and withdrawals")),
                ("answers", _("Forwarded ideas and answers")), ("response-times", _("Response times"))]
    return render(request, "network/public_overview.html", {"rows": selectors.protocol_overview(),
                                                            "datasets": datasets})


@require_GET
def municipality(request, municipality_id):
    m = get_object_or_404(Municipality, pk=municipality_id)
    version = selectors.current_version(municipality=m)
    return render(request, "network/public_municipality.html", {
        "m": m, "version": version, "text": version.text_in(get_language()) if version else "",
        "signatories": selectors.signatories(version=version),
        "awaiting": selectors.awaiting_reaccession(municipality=m),
        "versions": selectors.protocol_versions(municipality=m),
        "forwardings": selectors.public_forwardings(municipality=m, steps=False)[:100],
        "stats": selectors.response_stats().get(m.pk, selectors.EMPTY_STATS)})


@require_GET
def answer(request, forwarding_id):
    f = selectors.forwarding_for(forwarding_id=forwarding_id)
    if f is None:
        raise Http404()
    return render(request, "network/public_answer.html", {"f": f})


@require_GET
def protocol_version(request, municipality_id, number):
    version = selectors.protocol_versions(municipality=get_object_or_404(Municipality, pk=municipality_id)).filter(
        number=number).first()
    if version is None:
        raise Http404()
    return render(request, "network/public_version.html", {"version": version, "text": version.text_in(get_language()),
                                                           "m": version.protocol.municipality})


@require_GET
def organisations(request):
    municipality_id = request.GET.get("m", "")
    municipality_id = int(municipality_id) if municipality_id.isdigit() else None
    field = request.GET.get("field", "")
    field = field if field in FieldOfWork.values else ""
    q = request.GET.get("q", "")[:100]
    return render(request, "network/public_directory.html", {
        "organisations": directory_selectors.directory(q=q, municipality_id=municipality_id, field=field),
        "municipalities": selectors.network_municipalities(), "fields": FieldOfWork.choices,
        "q": q, "m": municipality_id, "field": field})


@require_GET
def organisation(request, organisation_id):
    found = directory_selectors.public_organisation(organisation_id=organisation_id)
    if found is None:
        raise Http404()
    return render(request, "network/public_organisation.html", found)


@require_GET
def trainings(request):
    return render(request, "network/public_trainings.html", {"trainings": directory_selectors.trainings()})
