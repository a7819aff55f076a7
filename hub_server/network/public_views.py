"""Public pages of the network: protocols, signatories and their history, the municipalities' answers
and how fast they come. No account, no personal data, no JavaScript."""
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language, gettext as _
from django.views.decorators.http import require_GET

from hub_server.membership.models import Municipality
from hub_server.network import selectors


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
        "forwardings": selectors.public_forwardings(municipality=m)[:100],
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
