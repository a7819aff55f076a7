"""The grant scheme in public: calls with their criteria and amendments, awarded projects with amounts,
partners, the citizens' ideas they carry and their milestone reports. No personal data."""
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from hub_server.grants import selectors
from hub_server.grants.models import Call


@require_GET
def calls(request):
    language = get_language()
    return render(request, "grants/public_calls.html", {
        "calls": [(c, c.title_in(language)) for c in selectors.public_calls()]})


@require_GET
def call(request, call_id):
    c = get_object_or_404(Call, pk=call_id, published=True)
    language = get_language()
    return render(request, "grants/public_call.html", {
        "call": c, "title": c.title_in(language), "text": c.text_in(language),
        "criteria": [(x, x.name_in(language)) for x in c.criteria.all()], "versions": c.versions.all(),
        "awarded": selectors.awarded(call=c) if c.decided else []})
