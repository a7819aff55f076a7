"""Staff pages for the directory profile, partners in actions and trainings. Thin, like views.py."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hub_server.membership.models import Organisation
from hub_server.network import access, directory_selectors, directory_services, forms
from hub_server.network.directory_models import ActionPartner, Training, TrainingRegistration
from hub_server.proposals.models import Action


def _organisation(request) -> Organisation:
    organisation = access.user_organisation(user=request.user)
    if organisation is None:
        raise PermissionDenied(_("Only member organisations do this."))
    return organisation


@login_required
def profile(request):
    organisation = _organisation(request)
    current = directory_selectors._profile(organisation)
    initial = {k: getattr(current, k) for k in ("description", "website", "fields_of_work", "public_email",
                                                 "public_phone")} if current else {}
    form = forms.ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            directory_services.profile_update(organisation=organisation, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, _("Your public profile was saved."))
            return redirect("network-public-organisation", organisation_id=organisation.pk)
    others = Organisation.objects.filter(status=Organisation.Status.APPROVED).exclude(pk=organisation.pk)
    return render(request, "network/profile.html", {
        "organisation": organisation, "form": form,
        "led": directory_selectors.actions_led_by(organisation=organisation),
        "invite_form": forms.InviteForm(organisations=others),
        "invitations": directory_selectors.invitations_for(organisation=organisation)})


@login_required
@require_POST
def partner_invite(request, action_id):
    organisation = _organisation(request)
    action = get_object_or_404(Action, pk=action_id)
    if not directory_selectors.actions_led_by(organisation=organisation).filter(pk=action.pk).exists():
        raise PermissionDenied(_("Only the organisation that leads an action invites partners."))
    invited = get_object_or_404(Organisation, pk=request.POST.get("organisation") or 0)
    try:
        directory_services.partner_invite(action=action, organisation=invited, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s was invited.") % {"name": invited.name})
    return redirect("network-profile")


@login_required
@require_POST
def partner_respond(request, partner_id, answer):
    organisation = _organisation(request)
    partner = get_object_or_404(ActionPartner, pk=partner_id, organisation=organisation)
    if answer not in ("accept", "decline"):
        raise PermissionDenied()
    try:
        directory_services.partner_respond(partner=partner, by=request.user, accept=answer == "accept")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("network-profile")


@login_required
def trainings(request):
    is_admin = access.is_admin(user=request.user)
    organisation = access.user_organisation(user=request.user)
    if not (is_admin or organisation):
        raise PermissionDenied(_("Trainings are for member organisations."))
    form = forms.TrainingForm(request.POST or None) if is_admin else None
    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied(_("Only network administrators publish trainings."))
        if form.is_valid():
            try:
                directory_services.training_publish(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                messages.success(request, _("The training was published."))
                return redirect("network-trainings")
    return render(request, "network/trainings.html", {
        "trainings": directory_selectors.trainings().prefetch_related("registrations__organisation"),
        "form": form, "is_admin": is_admin, "organisation": organisation, "register_form": forms.RegisterForm(),
        "mine": directory_selectors.registrations_of(organisation=organisation) if organisation else []})


@login_required
@require_POST
def training_register(request, training_id):
    organisation = _organisation(request)
    form = forms.RegisterForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Give the participant's name."))
        directory_services.training_register(training=get_object_or_404(Training, pk=training_id),
                                             organisation=organisation, by=request.user,
                                             participant=form.cleaned_data["participant"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The participant was registered."))
    return redirect("network-trainings")


@login_required
@require_POST
def attendance(request, registration_id):
    if not access.is_admin(user=request.user):
        raise PermissionDenied(_("Only network administrators record attendance."))
    registration = get_object_or_404(TrainingRegistration, pk=registration_id)
    directory_services.attendance_record(registration=registration, by=request.user,
                                         attended=request.POST.get("attended") == "yes")
    return redirect("network-trainings")
