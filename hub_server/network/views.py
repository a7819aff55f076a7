"""Staff pages of the network app: officials, member organisations and administrators.

Thin: who may is network/access.py, reads are selectors, writes are services."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext as _
from django.views.decorators.http import require_POST

from hub_server.membership.models import Municipality
from hub_server.network import access, directory_selectors, forms, forwarding_services, protocol_services, selectors
from hub_server.network.models import Accession, NetworkAudit
from hub_server.proposals.models import Action, Proposal


INBOX_PAGE = 50


def _error(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@login_required
def home(request):
    """Each role's starting page: an official's inbox, an organisation's ideas to forward, the overview."""
    user = request.user
    official = access.official_municipality(user=user)
    organisation = access.user_organisation(user=user)
    context = {"official": official, "organisation": organisation, "is_admin": access.is_admin(user=user)}
    if official is not None:
        version = selectors.current_version(municipality=official)
        inbox = Paginator(selectors.official_inbox(municipality=official), INBOX_PAGE).get_page(request.GET.get("page"))
        context.update(inbox=inbox, version=version, now=timezone.now(),
                       accession=selectors.active_accession(version=version, organisation=None),
                       stats=selectors.response_stats().get(official.pk, selectors.EMPTY_STATS))
    elif organisation is not None:
        protocols = []
        for m in organisation.municipalities.order_by("name"):
            version = selectors.current_version(municipality=m)
            protocols.append({"municipality": m, "version": version,
                              "accession": selectors.active_accession(version=version, organisation=organisation)})
        context.update(protocols=protocols, ideas=selectors.forwardable_ideas(organisation=organisation),
                       actions=directory_selectors.actions_led_by(organisation=organisation).filter(
                           forwardings__isnull=True),
                       forwarded=selectors.organisation_forwardings(organisation=organisation),
                       forward_form=forms.ForwardForm())
    elif context["is_admin"]:
        context.update(overview=selectors.protocol_overview(),
                       official_form=forms.OfficialForm(municipalities=selectors.network_municipalities()))
    else:
        raise PermissionDenied(_("You have no role in the network."))
    return render(request, "network/home.html", context)


@login_required
def protocol(request, municipality_id):
    municipality = get_object_or_404(Municipality, pk=municipality_id)
    user = request.user
    official = access.official_municipality(user=user)
    organisation = access.can_act_for_organisation_in(user=user, municipality=municipality)
    may_sign_for_municipality = official is not None and official.pk == municipality.pk
    if not (may_sign_for_municipality or organisation or access.is_admin(user=user)):
        raise PermissionDenied(_("You do not act in this municipality."))
    version = selectors.current_version(municipality=municipality)
    mine = selectors.active_accession(version=version, organisation=None if may_sign_for_municipality else organisation)
    return render(request, "network/protocol.html", {
        "municipality": municipality, "version": version, "mine": mine,
        "text": version.text_in(get_language()) if version else "",
        "can_accede": bool(version and not mine and (may_sign_for_municipality or organisation)),
        "signatories": selectors.signatories(version=version),
        "versions": selectors.protocol_versions(municipality=municipality),
        "accede_form": forms.AccedeForm(), "withdraw_form": forms.WithdrawForm(),
        "publish_form": forms.PublishForm(initial=_publish_initial(version)) if access.is_admin(user=user) else None})


def _publish_initial(version) -> dict:
    if version is None:
        return {"response_days": 30}
    t = version.texts
    return {"text_bs": t.get("bs"), "text_hr": t.get("hr"), "text_sr_latn": t.get("sr-latn"), "text_sr": "",
            "text_en": t.get("en"), "response_days": version.protocol.response_days}


@login_required
@require_POST
def protocol_publish(request, municipality_id):
    municipality = get_object_or_404(Municipality, pk=municipality_id)
    if not access.is_admin(user=request.user):
        raise PermissionDenied(_("Only network administrators publish protocol versions."))
    form = forms.PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect("network-protocol", municipality_id=municipality.pk)
    try:
        version = protocol_services.protocol_publish(municipality=municipality, texts=form.texts(), by=request.user,
                                                     changes=form.cleaned_data["changes"],
                                                     response_days=form.cleaned_data["response_days"])
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Version %(number)s published.") % {"number": version.number})
    return redirect("network-protocol", municipality_id=municipality.pk)


@login_required
@require_POST
def protocol_accede(request, municipality_id):
    municipality = get_object_or_404(Municipality, pk=municipality_id)
    official = access.official_municipality(user=request.user)
    organisation = access.can_act_for_organisation_in(user=request.user, municipality=municipality)
    if not (organisation or (official and official.pk == municipality.pk)):
        raise PermissionDenied(_("You do not act in this municipality."))
    version = selectors.current_version(municipality=municipality)
    form = forms.AccedeForm(request.POST)
    if version is None or not form.is_valid():
        messages.error(request, _("Say in which capacity you accede."))
    else:
        try:
            protocol_services.protocol_accede(version=version, by=request.user,
                                              capacity=form.cleaned_data["capacity"],
                                              organisation=None if official else organisation)
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("You acceded to version %(number)s.") % {"number": version.number})
    return redirect("network-protocol", municipality_id=municipality.pk)


@login_required
@require_POST
def protocol_withdraw(request, accession_id):
    accession = get_object_or_404(Accession.objects.select_related("version__protocol__municipality"),
                                  pk=accession_id)
    municipality = accession.version.protocol.municipality
    official = access.official_municipality(user=request.user)
    organisation = access.user_organisation(user=request.user)
    allowed = (accession.organisation_id and organisation and organisation.pk == accession.organisation_id) or \
              (not accession.organisation_id and official and official.pk == municipality.pk)
    if not allowed:
        raise PermissionDenied(_("Only the party that acceded can withdraw."))
    form = forms.WithdrawForm(request.POST)
    try:
        protocol_services.accession_withdraw(accession=accession, by=request.user,
                                             reason=form.cleaned_data["reason"] if form.is_valid() else "")
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The accession was withdrawn."))
    return redirect("network-protocol", municipality_id=municipality.pk)


@login_required
@require_POST
def forward(request, kind, subject_id):
    organisation = access.user_organisation(user=request.user)
    if organisation is None:
        raise PermissionDenied(_("Only member organisations forward ideas."))
    form = forms.ForwardForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if kind == "idea":
            proposal = get_object_or_404(Proposal, pk=subject_id)
            forwarding = forwarding_services.forward_idea(proposal=proposal, organisation=organisation,
                                                          by=request.user, note=note)
        elif kind == "action":
            action = get_object_or_404(Action, pk=subject_id)
            forwarding = forwarding_services.forward_action(action=action, organisation=organisation,
                                                            by=request.user, note=note)
        else:
            raise Http404()
    except ValidationError as exc:
        _error(request, exc)
        return redirect("network-home")
    messages.success(request, _("Forwarded to %(municipality)s; answer due by %(due)s.") % {
        "municipality": forwarding.municipality.name, "due": forwarding.due.date().isoformat()})
    return redirect("network-forwarding", forwarding_id=forwarding.pk)


@login_required
def forwarding(request, forwarding_id):
    found = selectors.forwarding_for(forwarding_id=forwarding_id)
    if found is None:
        raise Http404()
    if not access.can_read_forwarding(user=request.user, forwarding=found):
        raise PermissionDenied(_("This was not forwarded to your municipality or by your organisation."))
    can_answer = access.can_answer(user=request.user, forwarding=found)
    form = forms.AnswerForm(forwarding=found) if can_answer else None
    if request.method == "POST":
        if not can_answer:
            raise PermissionDenied(_("Only officials of this municipality answer."))
        form = forms.AnswerForm(request.POST, forwarding=found)
        if form.is_valid():
            try:
                forwarding_services.forwarding_answer(forwarding=found, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                messages.success(request, _("Your answer was saved and is public."))
                return redirect("network-forwarding", forwarding_id=found.pk)
    return render(request, "network/forwarding.html", {"f": found, "form": form})


@login_required
@require_POST
def official_add(request):
    if not access.is_admin(user=request.user):
        raise PermissionDenied(_("Only network administrators add officials."))
    form = forms.OfficialForm(request.POST, municipalities=selectors.network_municipalities())
    if form.is_valid():
        try:
            protocol_services.official_add(municipality=Municipality.objects.get(pk=form.cleaned_data["municipality"]),
                                           email=form.cleaned_data["email"], full_name=form.cleaned_data["full_name"],
                                           by=request.user)
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The official's account was made; they got an email to set a password."))
    else:
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("network-home")


@login_required
def audit_log(request):
    if not access.is_admin(user=request.user):
        raise PermissionDenied(_("Only network administrators see the network's audit log."))
    return render(request, "network/audit.html",
                  {"entries": NetworkAudit.objects.select_related("actor", "municipality")[:300]})
