from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hub_server.membership import forms, selectors, services
from hub_server.membership.models import Organisation
from hub_server.portal.throttle import throttled


@throttled("apply")
def apply(request):
    """The public application form for CSOs (no account needed)."""
    municipalities = selectors.municipality_choices()
    form = forms.ApplicationForm(request.POST or None, municipalities=municipalities)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_apply(**form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            return render(request, "membership/applied.html", {"name": form.cleaned_data["name"]})
    return render(request, "membership/apply.html", {"form": form})


def _admin_only(request):
    if not selectors.user_is_network_admin(user=request.user):
        raise PermissionDenied(_("Only network administrators decide on applications."))


@login_required
def organisations(request):
    _admin_only(request)
    return render(request, "membership/organisations.html", {
        "pending": selectors.organisation_list_pending(),
        "decided": Organisation.objects.exclude(status=Organisation.Status.PENDING).prefetch_related("municipalities")[:100],
        "decline_form": forms.DeclineOrganisationForm()})


@login_required
@require_POST
def organisation_decide(request, organisation_id, decision):
    _admin_only(request)
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    try:
        if decision == "approve":
            user = services.organisation_approve(organisation=organisation, by=request.user)
            messages.success(request, _("%(organisation)s approved; %(user)s was emailed a password link.")
                             % {"organisation": organisation.name, "user": user.username})
        elif decision == "decline":
            form = forms.DeclineOrganisationForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("A reason is needed to decline."))
            services.organisation_decline(organisation=organisation, by=request.user,
                                          reason=form.cleaned_data["reason"])
            messages.success(request, _("%(organisation)s declined.") % {"organisation": organisation.name})
        else:
            raise PermissionDenied(_("Unknown decision."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("organisations")
