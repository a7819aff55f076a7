"""The CSO review UI: thin views over membership.selectors (who may), selectors (reads) and
review_services (writes). Every view checks the user's municipalities, not only their login."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hub_server.membership.selectors import (user_can_answer, user_can_review, user_municipality_names,
                                             user_visible_municipalities)
from hub_server.proposals import forms, review_services, selectors
from hub_server.proposals.models import Action, Proposal
from hub_server.proposals.text import inert, inert_line


def _reviewable(request, proposal_id: str) -> Proposal:
    proposal = get_object_or_404(Proposal.objects.select_related("bench", "duplicate_of"), pk=proposal_id)
    if not user_can_review(user=request.user, municipality=proposal.bench.municipality):
        raise PermissionDenied(_("You do not review proposals of this municipality."))
    return proposal


@login_required
def review_queue(request):
    scope = user_municipality_names(user=request.user)
    if scope == set() or not request.user.has_perm("proposals.review_proposal"):
        if request.user.has_perm("proposals.change_action") and scope:
            return redirect("review-actions")
        return render(request, "review/no_role.html", status=403)
    data = request.GET.copy()
    data.setdefault("status", "new")
    form = forms.QueueFilterForm(data)
    filters = form.cleaned_data if form.is_valid() else {"status": "new"}
    municipalities = scope
    if filters.get("municipality"):
        if scope is not None and filters["municipality"] not in scope:
            raise PermissionDenied(_("You do not review proposals of this municipality."))
        municipalities = {filters["municipality"]}
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
    proposal = _reviewable(request, proposal_id)
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


def _find_original(value: str, proposal: Proposal) -> Proposal:
    value = value.strip()
    found = (Proposal.objects.select_related("bench")
             .filter(Q(pk=value.lower()) | Q(receipt=value.upper()), bench__municipality=proposal.bench.municipality)
             .exclude(pk=proposal.pk).first())
    if found is None:
        raise ValidationError(_("No proposal with that id or receipt code in this municipality."))
    return found


@login_required
@require_POST
def proposal_decide(request, proposal_id, decision):
    proposal = _reviewable(request, proposal_id)
    user = request.user
    form_class = {"decline": forms.DeclineForm, "duplicate": forms.DuplicateForm, "edit": forms.EditForm,
                  "redact": forms.RedactForm, "hide": forms.HideForm, "validate": None}.get(decision, False)
    if form_class is False:
        raise Http404(_("Unknown decision."))
    data = request.POST
    if decision == "duplicate":  # a suggested candidate (radio) or a typed id/receipt, whichever is given
        data = {"original": next((v for v in request.POST.getlist("original") if v.strip()), "")}
    form = form_class(data) if form_class else None
    if form is not None and not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect("review-detail", proposal_id=proposal.pk)
    data = form.cleaned_data if form else {}
    try:
        if decision == "validate":
            review_services.proposal_validate(proposal=proposal, by=user)
        elif decision == "decline":
            review_services.proposal_decline(proposal=proposal, by=user, reason=data["reason"], note=data["note"])
        elif decision == "duplicate":
            review_services.proposal_mark_duplicate(proposal=proposal, by=user,
                                                    original=_find_original(data["original"], proposal))
        elif decision == "edit":
            review_services.proposal_edit(proposal=proposal, by=user, category=data["category"],
                                          tags=data["tags"].split(","))
        elif decision == "redact":
            review_services.proposal_redact(proposal=proposal, by=user, public_title=data["public_title"],
                                            public_body=data["public_body"])
        elif decision == "hide":
            review_services.proposal_hide(proposal=proposal, by=user, note=data["note"])
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
            keys = [k.strip() for k in data["proposals"].split(",") if k.strip()]
            linked = list(Proposal.objects.filter(bench__municipality=data["municipality"])
                          .filter(Q(pk__in=[k.lower() for k in keys]) | Q(receipt__in=[k.upper() for k in keys])))
            try:
                if len(linked) < len(keys):
                    raise ValidationError(_("Some of those ideas are not in this municipality."))
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


# Kept for the URL name the login redirect used before the queue existed.
proposal_list = review_queue
