"""The CSO review UI: thin views over membership.selectors (who may), selectors (reads),
decisions and review_services (review writes, shared with the API) and privacy_services
(contacts, erasure). Every view checks the user's municipalities, not only their login."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hub_server.mail.selectors import mail_failures_recent
from hub_server.membership.selectors import (user_can_answer, user_can_review, user_is_network_admin,
                                             user_municipality_names, user_review_scope, user_visible_municipalities)
from hub_server.proposals import decisions, forms, privacy_services, review_services, selectors
from hub_server.proposals.models import Action
from hub_server.proposals.text import inert, inert_line


@login_required
def review_queue(request):
    data = request.GET.copy()
    data.setdefault("status", "new")
    form = forms.QueueFilterForm(data)
    filters = form.cleaned_data if form.is_valid() else {"status": "new"}
    municipalities = user_review_scope(user=request.user, municipality=filters.get("municipality", ""))
    if municipalities == set():
        if request.user.has_perm("proposals.change_action") and user_municipality_names(user=request.user):
            return redirect("network-home")  # a municipal official: what was forwarded to them
        return render(request, "review/no_role.html", status=403)
    qs = selectors.review_queue(municipalities=municipalities, status=filters.get("status", ""),
                                bench=filters.get("bench", ""), category=filters.get("category", ""),
                                lang=filters.get("lang", ""), since=filters.get("since"),
                                until=filters.get("until"), q=filters.get("q", ""))
    page = Paginator(qs, selectors.QUEUE_PAGE).get_page(filters.get("page") or 1)
    query = data.copy()
    query.pop("page", None)
    return render(request, "review/queue.html", {
        "form": form, "page": page, "municipalities": user_visible_municipalities(user=request.user),
        "query": query.urlencode()})


@login_required
def proposal_detail(request, proposal_id):
    proposal = selectors.proposal_for_review(user=request.user, proposal_id=proposal_id)
    return render(request, "review/detail.html", {
        "p": proposal,
        "show_original": request.user.has_perm("proposals.view_original_text"),
        "candidates": selectors.duplicate_candidates(proposal=proposal),
        "audit": selectors.proposal_audit(proposal=proposal),
        "decline_form": forms.DeclineForm(), "duplicate_form": forms.DuplicateForm(),
        "edit_form": forms.EditForm(initial={"category": proposal.category, "tags": proposal.tags}),
        "redact_form": forms.RedactForm(initial={"public_title": inert_line(proposal.shown_title, 120),
                                                 "public_body": inert(proposal.shown_body, 2000)}),
        "hide_form": forms.HideForm(),
    })


@never_cache
@login_required
@require_POST
def proposal_contact(request, proposal_id):
    """The citizen's name and contact, shown on a separate page so that each look is audited."""
    proposal = selectors.proposal_for_review(user=request.user, proposal_id=proposal_id)
    if not request.user.has_perm("proposals.view_original_text"):
        raise PermissionDenied(_("You cannot see contact details."))
    contact = privacy_services.contact_view(proposal=proposal, by=request.user)
    return render(request, "review/contact.html", {"p": proposal, "contact": contact})


@login_required
@require_POST
def proposal_erase(request, proposal_id, what):
    """An administrator acts on a citizen's request that came another way (a letter, a call):
    erase the contact details, or the whole idea. Both audited; see privacy_services."""
    proposal = selectors.proposal_for_review(user=request.user, proposal_id=proposal_id)
    if not request.user.has_perm("proposals.view_original_text"):
        raise PermissionDenied(_("Only administrators erase citizens' data."))
    if what == "contact":
        privacy_services.contact_erase(proposal=proposal, by=request.user, why="erased by an administrator")
        messages.success(request, _("%(receipt)s: contact details erased.") % {"receipt": proposal.receipt})
        return redirect("review-detail", proposal_id=proposal.pk)
    if what == "idea":
        privacy_services.proposal_erase(proposal=proposal, by=request.user, why="erased by an administrator")
        messages.success(request, _("%(receipt)s: the idea was erased.") % {"receipt": proposal.receipt})
        return redirect("review-home")
    raise Http404(_("Erase the contact or the idea."))


@login_required
@require_POST
def proposal_decide(request, proposal_id, decision):
    proposal = selectors.proposal_for_review(user=request.user, proposal_id=proposal_id)
    data = request.POST
    if decision == "duplicate":  # a suggested candidate (radio) or a typed id/receipt, whichever is given
        data = {"original": next((v for v in request.POST.getlist("original") if v.strip()), "")}
    try:
        decisions.decision_apply(proposal=proposal, by=request.user, decision=decision, data=data)
    except decisions.UnknownDecision:
        raise Http404(_("Unknown decision."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("review-detail", proposal_id=proposal.pk)
    messages.success(request, _("%(receipt)s: decision saved.") % {"receipt": proposal.receipt})
    return redirect("review-detail", proposal_id=proposal.pk)


@login_required
def action_list(request):
    scope = user_municipality_names(user=request.user)
    if scope == set():
        raise PermissionDenied(_("You have no municipality to act for."))
    municipalities = user_visible_municipalities(user=request.user)
    form = forms.ActionCreateForm(municipalities=municipalities)
    if request.method == "POST":
        if not request.user.has_perm("proposals.add_action"):
            raise PermissionDenied(_("You cannot create actions."))
        form = forms.ActionCreateForm(request.POST, municipalities=municipalities)
        if form.is_valid():
            data = form.cleaned_data
            if not user_can_review(user=request.user, municipality=data["municipality"]):
                raise PermissionDenied(_("You do not review proposals of this municipality."))
            try:
                linked = selectors.ideas_named(municipality=data["municipality"], keys=data["proposals"])
                action = review_services.action_create(municipality=data["municipality"], title=data["title"],
                                                       proposals=linked, by=request.user,
                                                       public_answer=data["public_answer"])
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                messages.success(request, _("Action created."))
                return redirect("review-action", action_id=action.pk)
    return render(request, "review/actions.html", {
        "actions": selectors.actions_for(municipalities=scope), "form": form,
        "can_create": request.user.has_perm("proposals.add_action")})


@login_required
def action_detail(request, action_id):
    action = get_object_or_404(Action.objects.select_related("municipality"), pk=action_id)
    if not user_can_answer(user=request.user, municipality=action.municipality.name):
        raise PermissionDenied(_("You do not answer for this municipality."))
    form = forms.ActionUpdateForm(initial={"status": action.status, "public_answer": action.public_answer})
    if request.method == "POST":
        form = forms.ActionUpdateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            review_services.action_update(action=action, by=request.user, status=data["status"], note=data["note"],
                                          public_answer=data["public_answer"] or None)
            messages.success(request, _("Action updated."))
            return redirect("review-action", action_id=action.pk)
    return render(request, "review/action.html", {"action": action, "form": form,
                                                  "updates": action.updates.select_related("by")})


@login_required
def audit_log(request):
    if user_municipality_names(user=request.user) is not None:
        raise PermissionDenied(_("Only network administrators see the whole audit log."))
    return render(request, "review/audit.html", {"entries": selectors.audit_recent()})


@login_required
def mail_failures(request):
    if not user_is_network_admin(user=request.user):
        raise PermissionDenied(_("Only network administrators see failed emails."))
    return render(request, "review/mail_failures.html", {"failures": mail_failures_recent()})

