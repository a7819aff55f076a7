"""Staff pages of the grant scheme: administrators' calls, applicants' drafts, evaluators' scoring.

Thin: who may is grants/access.py, reads are selectors, writes are services (services.py, evaluation.py)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext as _
from django.views.decorators.http import require_POST

from hub_server.grants import access, audit, evaluation, forms, selectors, services
from hub_server.grants.models import Application, Assignment, Attachment, BudgetLine, Call, Decision, GrantAudit


def _error(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def _form_errors(request, form) -> None:
    messages.error(request, "; ".join(f"{form.fields[k].label if k in form.fields else ''}: {' '.join(v)}"
                                      for k, v in form.errors.items()))


def _admin_only(request) -> None:
    if not access.is_admin(user=request.user):
        raise PermissionDenied(_("Only network administrators run the grant scheme."))


def _applicant_of(request, application: Application) -> None:
    if not access.is_applicant_of(user=request.user, application=application):
        raise PermissionDenied(_("Only the applicant organisation may do this."))


@login_required
def home(request):
    user = request.user
    context = {"is_admin": access.is_admin(user=user), "organisation": access.applicant_organisation(user=user),
               "is_evaluator": access.is_evaluator(user=user)}
    if not (context["is_admin"] or context["organisation"] or context["is_evaluator"]):
        raise PermissionDenied(_("You have no role in the grant scheme."))
    if context["is_admin"]:
        context["calls"] = [{"call": c, "progress": selectors.call_progress(call=c)}
                            for c in selectors.calls_for_admin()]
    if context["organisation"]:
        context.update(open_calls=selectors.open_calls(),
                       applications=selectors.organisation_applications(organisation=context["organisation"]))
    if context["is_evaluator"]:
        context["assignments"] = selectors.evaluator_assignments(user=user)
    return render(request, "grants/home.html", context)


@login_required
def call_new(request):
    _admin_only(request)
    form = forms.CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            call = services.call_create(by=request.user, **form.call_fields())
        except ValidationError as exc:
            _error(request, exc)
        else:
            return redirect("grants-call", call_id=call.pk)
    return render(request, "grants/call_form.html", {"form": form, "call": None})


@login_required
def call_edit(request, call_id):
    _admin_only(request)
    call = get_object_or_404(Call, pk=call_id)
    form = forms.CallForm(request.POST or None, initial=forms.CallForm.initial_for(call))
    if request.method == "POST" and form.is_valid():
        try:
            services.call_change(call=call, by=request.user, changes=form.cleaned_data["changes"], **form.call_fields())
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The call was saved."))
            return redirect("grants-call", call_id=call.pk)
    return render(request, "grants/call_form.html", {"form": form, "call": call})


@login_required
def call_detail(request, call_id):
    call = get_object_or_404(Call, pk=call_id)
    user = request.user
    is_admin = access.is_admin(user=user)
    organisation = access.applicant_organisation(user=user)
    if not (is_admin or (call.published and (organisation or access.is_evaluator(user=user)))):
        raise PermissionDenied(_("You have no role in the grant scheme."))
    language = get_language()
    return render(request, "grants/call.html", {
        "call": call, "title": call.title_in(language), "text": call.text_in(language), "is_admin": is_admin,
        "criteria": [(c, c.name_in(language)) for c in call.criteria.all()], "versions": call.versions.all(),
        "criterion_form": forms.CriterionForm() if is_admin and not call.has_opened() else None,
        "application_form": (forms.ApplicationForm(organisation=organisation)
                             if organisation and call.is_open() else None),
        "progress": selectors.call_progress(call=call) if is_admin else None})


@login_required
@require_POST
def criterion_add(request, call_id):
    _admin_only(request)
    call = get_object_or_404(Call, pk=call_id)
    form = forms.CriterionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            services.criterion_add(call=call, names=form.names(), weight=form.cleaned_data["weight"],
                                   pass_mark=form.cleaned_data["pass_mark"], by=request.user)
        except ValidationError as exc:
            _error(request, exc)
    return redirect("grants-call", call_id=call.pk)


@login_required
@require_POST
def call_publish(request, call_id):
    _admin_only(request)
    call = get_object_or_404(Call, pk=call_id)
    try:
        services.call_publish(call=call, by=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The call is published."))
    return redirect("grants-call", call_id=call.pk)


# Applicants ---------------------------------------------------------------------------------------------------

def _save_application(request, call, organisation, application=None):
    form = forms.ApplicationForm(request.POST, organisation=organisation)
    if not form.is_valid():
        _form_errors(request, form)
        return application
    d = form.cleaned_data
    try:
        return services.application_save(
            call=call, organisation=organisation, by=request.user, title=d["title"], summary=d["summary"],
            objectives=d["objectives"], municipality=d["municipality"], application=application,
            partner_ids=[o.pk for o in d["partners"]], idea_ids=[p.pk for p in d["ideas"]])
    except ValidationError as exc:
        _error(request, exc)
        return application


@login_required
@require_POST
def application_new(request, call_id):
    call = get_object_or_404(Call, pk=call_id, published=True)
    organisation = access.applicant_organisation(user=request.user)
    if organisation is None:
        raise PermissionDenied(_("Only members of approved organisations apply."))
    application = _save_application(request, call, organisation)
    if application is None:
        return redirect("grants-call", call_id=call.pk)
    messages.success(request, _("The draft was saved."))
    return redirect("grants-application", application_id=application.pk)


@login_required
def application_detail(request, application_id):
    application = get_object_or_404(Application.objects.select_related("call", "organisation", "municipality"),
                                    pk=application_id)
    user = request.user
    if not access.can_read_application(user=user, application=application):
        raise PermissionDenied(_("You may not read this application."))
    is_applicant = access.is_applicant_of(user=user, application=application)
    is_admin = access.is_admin(user=user)
    draft = application.status == Application.Status.DRAFT
    if request.method == "POST":
        if not (is_applicant and draft):
            raise PermissionDenied(_("Only the applicant organisation may do this."))
        if _save_application(request, application.call, application.organisation, application):
            messages.success(request, _("The draft was saved."))
        return redirect("grants-application", application_id=application.pk)
    language = get_language()
    decision = getattr(application, "decision", None)
    context = {
        "a": application, "call_title": application.call.title_in(language), "is_applicant": is_applicant,
        "is_admin": is_admin, "editable": is_applicant and draft,
        "budget_problems": services.budget_problems(application) if draft or is_admin else [],
        "eligibility": application.eligibility_checks.first(), "decision": decision,
        "decision_reasons": evaluation.decision_reasons(decision, language) if decision else "",
        "snapshots": application.snapshots.all() if is_admin or is_applicant else [],
        "milestones": application.milestones.select_related("action")}
    if context["editable"]:
        context.update(
            form=forms.ApplicationForm(organisation=application.organisation, initial={
                "title": application.title, "summary": application.summary, "objectives": application.objectives,
                "municipality": application.municipality, "partners": application.partners.all(),
                "ideas": application.ideas.all()}),
            budget_form=forms.BudgetLineForm(auto_id="budget_%s"),
            activity_form=forms.ActivityForm(auto_id="activity_%s"),
            attachment_form=forms.AttachmentForm(auto_id="attachment_%s"))
    if is_applicant and application.status == Application.Status.AWARDED:
        context["milestone_form"] = forms.MilestoneForm(application=application, auto_id="milestone_%s")
    if is_admin:
        context.update(automatic=evaluation.automatic_eligibility(application),
                       eligibility_form=forms.EligibilityForm(auto_id="eligibility_%s"),
                       assign_form=forms.AssignForm(auto_id="assign_%s"),
                       note_form=forms.NoteForm(initial={"note": application.consensus_note}, auto_id="consensus_%s"),
                       scores=evaluation.visible_scores(application=application, user=user),
                       divergent=evaluation.divergent_criteria(application),
                       assignments=application.assignments.select_related("evaluator"))
    elif is_applicant and decision:
        context["scores"] = evaluation.submitted_scores(application=application)
    return render(request, "grants/application.html", context)


def _applicant_write(request, application_id, write):
    application = get_object_or_404(Application, pk=application_id)
    _applicant_of(request, application)
    try:
        write(application)
    except ValidationError as exc:
        _error(request, exc)
    return redirect("grants-application", application_id=application.pk)


@login_required
@require_POST
def budget_add(request, application_id):
    form = forms.BudgetLineForm(request.POST)

    def write(application):
        if not form.is_valid():
            raise ValidationError(_("A budget line needs an item and amounts of 0 or more."))
        services.budget_line_add(application=application, by=request.user, **form.cleaned_data)
    return _applicant_write(request, application_id, write)


@login_required
@require_POST
def budget_remove(request, application_id, line_id):
    def write(application):
        services.budget_line_remove(line=get_object_or_404(BudgetLine, pk=line_id, application=application),
                                    by=request.user)
    return _applicant_write(request, application_id, write)


@login_required
@require_POST
def activity_add(request, application_id):
    form = forms.ActivityForm(request.POST)

    def write(application):
        if not form.is_valid():
            raise ValidationError(_("An activity needs a title and an end on or after its start."))
        services.activity_add(application=application, by=request.user, **form.cleaned_data)
    return _applicant_write(request, application_id, write)


@login_required
@require_POST
def attachment_add(request, application_id):
    def write(application):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError(_("Choose a file."))
        data = upload.read(services.settings.HUB_GRANT_FILE_LIMIT + 1)
        services.attachment_add(application=application, name=upload.name, data=data, by=request.user)
    return _applicant_write(request, application_id, write)


@login_required
@require_POST
def application_submit(request, application_id):
    def write(application):
        application = services.application_submit(application=application, by=request.user)
        messages.success(request, _("Submitted. Your receipt: %(receipt)s") % {"receipt": application.receipt})
    return _applicant_write(request, application_id, write)


@login_required
@require_POST
def milestone_add(request, application_id):
    application = get_object_or_404(Application, pk=application_id)
    form = forms.MilestoneForm(request.POST, application=application)

    def write(application):
        if not form.is_valid():
            raise ValidationError(_("A milestone report needs a title, a text and the amount spent so far."))
        evaluation.milestone_report(application=application, by=request.user, **form.cleaned_data)
    return _applicant_write(request, application_id, write)


@login_required
def attachment_download(request, attachment_id):
    attachment = get_object_or_404(Attachment.objects.select_related("application__call"), pk=attachment_id)
    if not access.can_read_attachment(user=request.user, attachment=attachment):
        raise PermissionDenied(_("You may not read this application."))
    path = services.attachment_path(attachment)
    if not path.is_file():
        raise Http404(_("The file is missing."))
    audit.record(actor=request.user, verb="attachment_read", subject=attachment.application.title,
                 call=attachment.application.call, after={"attachment": attachment.pk, "sha256": attachment.sha256})
    response = FileResponse(path.open("rb"), as_attachment=True, filename=attachment.name,
                            content_type=services.ATTACHMENT_KINDS[attachment.kind])
    response["Cache-Control"] = "private, no-store"
    return response


# Administrators: eligibility, assignment, progress, ranking, decision ------------------------------------------

@login_required
def call_evaluation(request, call_id):
    _admin_only(request)
    call = get_object_or_404(Call, pk=call_id)
    show = request.GET.get("show", "")
    return render(request, "grants/evaluation.html", {
        "call": call, "title": call.title_in(get_language()), "show": show,
        "rows": selectors.applications_progress(call=call, show=show if show in ("evaluated", "not_evaluated") else ""),
        "progress": selectors.call_progress(call=call), "per_evaluator": selectors.evaluators_progress(call=call),
        "assign_form": forms.AssignForm()})


def _admin_write(request, application_id, write):
    _admin_only(request)
    application = get_object_or_404(Application, pk=application_id)
    try:
        write(application)
    except ValidationError as exc:
        _error(request, exc)
    back = request.POST.get("next", "")
    if back.startswith("/grants/") and "//" not in back:  # only back to a page of the scheme
        return redirect(back)
    return redirect("grants-application", application_id=application.pk)


@login_required
@require_POST
def eligibility(request, application_id):
    form = forms.EligibilityForm(request.POST)

    def write(application):
        if not form.is_valid():
            raise ValidationError(_("Give the reasons for the eligibility decision."))
        evaluation.eligibility_record(application=application, by=request.user, **form.cleaned_data)
    return _admin_write(request, application_id, write)


@login_required
@require_POST
def assign(request, application_id):
    form = forms.AssignForm(request.POST)

    def write(application):
        if not form.is_valid():
            raise ValidationError(_("Choose an evaluator."))
        evaluation.assign(application=application, evaluator=form.cleaned_data["evaluator"], by=request.user)
    return _admin_write(request, application_id, write)


@login_required
@require_POST
def unassign(request, application_id, assignment_id):
    def write(application):
        evaluation.unassign(assignment=get_object_or_404(Assignment, pk=assignment_id, application=application),
                            by=request.user, reason=request.POST.get("reason", ""))
    return _admin_write(request, application_id, write)


@login_required
@require_POST
def award_withdraw(request, application_id):
    def write(application):
        promoted = evaluation.award_withdraw(application=application, by=request.user,
                                             reason=request.POST.get("reason", ""))
        if promoted:
            messages.success(request, _("Funded from the reserve list: %(titles)s") % {
                "titles": "; ".join(a.title for a in promoted)})
    return _admin_write(request, application_id, write)


@login_required
@require_POST
def consensus(request, application_id):
    form = forms.NoteForm(request.POST)

    def write(application):
        if not form.is_valid():
            raise ValidationError(_("Write the consensus the evaluators reached."))
        evaluation.consensus_note(application=application, note=form.cleaned_data["note"], by=request.user)
    return _admin_write(request, application_id, write)


@login_required
@require_POST
def assign_bulk(request, call_id):
    _admin_only(request)
    call = get_object_or_404(Call, pk=call_id)
    made = evaluation.assign_bulk(call=call, by=request.user)
    messages.success(request, _("%(n)s assignments made.") % {"n": made})
    return redirect("grants-evaluation", call_id=call.pk)


@login_required
def call_ranking(request, call_id):
    _admin_only(request)
    call = get_object_or_404(Call, pk=call_id)
    language = get_language()
    if request.method == "POST":
        form = forms.NoteForm(request.POST)
        try:
            evaluation.decide(call=call, by=request.user, note=form.data.get("note", ""))
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The decision is recorded and the applicants are notified."))
        return redirect("grants-ranking", call_id=call.pk)
    rows = evaluation.ranking(call)
    if call.decided:  # what was decided (and changed since, e.g. a withdrawal), not a recomputation
        decided = {d.application_id: d for d in Decision.objects.filter(application__call=call)}
        for row in rows:
            d = decided.get(row.application.pk)
            if d is not None:
                row.outcome, row.amount, row.reserve_rank = d.outcome, d.amount, d.reserve_rank
    return render(request, "grants/ranking.html", {
        "call": call, "title": call.title_in(language), "rows": rows,
        "criteria": [(c, c.name_in(language)) for c in call.criteria.all()],
        "awarded_total": sum(r.amount for r in rows),
        "note_form": forms.NoteForm(use_required_attribute=False)})  # the decision's note is optional


@login_required
def audit_log(request):
    _admin_only(request)
    return render(request, "grants/audit.html", {"entries": GrantAudit.objects.select_related("actor")[:500]})


# Evaluators ----------------------------------------------------------------------------------------------------

def _my_assignment(request, assignment_id) -> Assignment:
    assignment = get_object_or_404(Assignment.objects.select_related("application__call"), pk=assignment_id)
    if assignment.evaluator_id != request.user.pk:
        raise PermissionDenied(_("This is another evaluator's assignment."))
    return assignment


@login_required
def assignment_detail(request, assignment_id):
    assignment = _my_assignment(request, assignment_id)
    application = assignment.application
    language = get_language()
    context = {"s": assignment, "a": application, "call_title": application.call.title_in(language)}
    if assignment.conflict:
        pass
    elif not assignment.declared:
        context["declare_form"] = forms.DeclareForm()
    else:
        mine = {s.criterion_id: s for s in assignment.scores.all()}
        context.update(
            criteria=[{"c": c, "name": c.name_in(language), "score": mine.get(c.pk)}
                      for c in application.call.criteria.all()],
            scores=evaluation.visible_scores(application=application, user=request.user) if assignment.submitted
            else [])
    return render(request, "grants/assignment.html", context)


@login_required
@require_POST
def declare(request, assignment_id):
    assignment = _my_assignment(request, assignment_id)
    form = forms.DeclareForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            evaluation.declare(assignment=assignment, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _error(request, exc)
    return redirect("grants-assignment", assignment_id=assignment.pk)


@login_required
@require_POST
def score(request, assignment_id):
    assignment = _my_assignment(request, assignment_id)
    scores = {}
    for criterion in assignment.application.call.criteria.all():
        value = request.POST.get(f"score-{criterion.pk}", "")
        if value != "":
            scores[criterion.pk] = (int(value) if value.isdigit() else -1, request.POST.get(f"why-{criterion.pk}", ""))
    try:
        evaluation.scores_save(assignment=assignment, by=request.user, scores=scores,
                               submit=request.POST.get("submit") == "1")
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Your evaluation is submitted.") if request.POST.get("submit") == "1"
                         else _("Your scores are saved as a draft."))
    return redirect("grants-assignment", assignment_id=assignment.pk)
