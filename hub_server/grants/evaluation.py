"""Writes and computations of the evaluation: eligibility, assignments, conflict declarations, scores,
divergence and consensus, the ranking within the budget, decisions and milestone reports.

The rules hold whoever calls: an evaluator of the applicant's or a partner's organisation cannot be
assigned; no scores before a declaration of no conflict; scores are final once submitted; a decision needs
two submitted evaluations per eligible application and a consensus note where scores diverge.
"""
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from hub_server.grants import access, audit, emails
from hub_server.grants.models import Application, Assignment, Call, Decision, EligibilityCheck, MilestoneReport, Score
from hub_server.grants.roles import EVALUATORS
from hub_server.grants.services import LINKABLE_IDEAS, budget_problems, snapshot
from hub_server.mail.services import mail_on_commit
from hub_server.membership.models import Organisation

MIN_EVALUATIONS = 2
RANKED = (Application.Status.ELIGIBLE, Application.Status.AWARDED, Application.Status.RESERVE,
          Application.Status.REJECTED, Application.Status.WITHDRAWN)
_TWO = Decimal("0.01")


def automatic_eligibility(application: Application) -> list[str]:
    """The call's eligibility rules this application breaks, in words (empty: none)."""
    call, organisation = application.call, application.organisation
    reasons = []
    if call.require_good_standing and organisation.status != Organisation.Status.APPROVED:
        reasons.append(_("The organisation is not a member in good standing."))
    if call.require_network_municipality and not organisation.municipalities.filter(
            pk=application.municipality_id).exists():
        reasons.append(_("The organisation does not work in the project's municipality of the network."))
    if call.require_validated_idea and not application.ideas.filter(status__in=LINKABLE_IDEAS).exists():
        reasons.append(_("No validated citizens' idea is linked."))
    reasons.extend(budget_problems(application))
    return reasons


@transaction.atomic
def eligibility_record(*, application: Application, eligible: bool, reasons: str, by) -> EligibilityCheck:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status not in (Application.Status.SUBMITTED, Application.Status.ELIGIBLE,
                                  Application.Status.INELIGIBLE) or application.call.decided:
        raise ValidationError(_("Only submitted applications of an undecided call are checked for eligibility."))
    found = automatic_eligibility(application)
    reasons = reasons.strip()
    if not reasons:
        raise ValidationError(_("Give the reasons for the eligibility decision."))
    if eligible and found:
        raise ValidationError(_("The application breaks the call's rules: %(rules)s") % {"rules": " ".join(found)})
    check = EligibilityCheck.objects.create(application=application, eligible=eligible, reasons=reasons[:2000],
                                            automatic=found, by=by)
    before = application.status
    application.status = Application.Status.ELIGIBLE if eligible else Application.Status.INELIGIBLE
    application.save(update_fields=["status", "updated"])
    snapshot(application=application, step="eligibility")
    audit.record(actor=by, verb="eligibility", subject=application.title, call=application.call,
                 before={"status": before}, after={"status": application.status, "reasons": check.reasons,
                                                   "rules_broken": found})
    if not eligible:
        aid = application.pk
        mail_on_commit(lambda: emails.send_ineligible(application_id=aid))
    return check


def assignment_refusal(*, application: Application, evaluator) -> str | None:
    """Why this person cannot evaluate this application (None: they can)."""
    if not evaluator.groups.filter(name=EVALUATORS).exists():
        return _("%(user)s is not a grant evaluator.") % {"user": evaluator.username}
    organisation = access.evaluator_organisation(user=evaluator)
    if organisation is not None and (organisation.pk == application.organisation_id
                                     or application.partners.filter(pk=organisation.pk).exists()):
        return _("%(user)s belongs to the applicant or a partner organisation.") % {"user": evaluator.username}
    if application.status != Application.Status.ELIGIBLE:
        return _("Only eligible applications are evaluated.")
    return None


@transaction.atomic
def assign(*, application: Application, evaluator, by) -> Assignment:
    refusal = assignment_refusal(application=application, evaluator=evaluator)
    if refusal:
        raise ValidationError(refusal)
    assignment, created = Assignment.objects.get_or_create(application=application, evaluator=evaluator,
                                                           defaults={"assigned_by": by})
    if not created:
        raise ValidationError(_("%(user)s is already assigned.") % {"user": evaluator.username})
    audit.record(actor=by, verb="assign", subject=application.title, call=application.call,
                 after={"evaluator": evaluator.username, "application": application.pk})
    aid = assignment.pk
    mail_on_commit(lambda: emails.send_assigned(assignment_id=aid))
    return assignment


@transaction.atomic
def unassign(*, assignment: Assignment, by, reason: str) -> None:
    """Withdraw an evaluator who has not submitted (unresponsive, or a conflict found later); kept in the audit."""
    assignment = Assignment.objects.select_for_update().select_related("application__call", "evaluator").get(
        pk=assignment.pk)
    if assignment.submitted:
        raise ValidationError(_("A submitted evaluation stays; write a consensus note instead."))
    if len(reason.strip()) < 5:
        raise ValidationError(_("Say why the evaluator is withdrawn."))
    audit.record(actor=by, verb="unassign", subject=assignment.application.title, call=assignment.application.call,
                 before={"evaluator": assignment.evaluator.username, "declared": bool(assignment.declared),
                         "scores": {str(s.criterion_id): s.value for s in assignment.scores.all()}},
                 after={"reason": reason.strip()[:500]})
    assignment.delete()


def evaluators():
    return get_user_model().objects.filter(groups__name=EVALUATORS, is_active=True).order_by("username")


@transaction.atomic
def assign_bulk(*, call: Call, by, per_application: int = MIN_EVALUATIONS) -> int:
    """Give every eligible application of the call `per_application` active evaluators, spreading the work:
    the least loaded evaluator without a conflict first. Returns how many assignments were made."""
    pool = list(evaluators())
    load = {u.pk: Assignment.objects.filter(evaluator=u, conflict=False, application__call=call).count() for u in pool}
    made = 0
    for application in call.applications.filter(status=Application.Status.ELIGIBLE).order_by("pk"):
        have = set(application.assignments.values_list("evaluator_id", flat=True))
        active = application.assignments.filter(conflict=False).count()
        for user in sorted(pool, key=lambda u: (load[u.pk], u.username)):
            if active >= per_application:
                break
            if user.pk in have or assignment_refusal(application=application, evaluator=user):
                continue
            Assignment.objects.create(application=application, evaluator=user, assigned_by=by)
            load[user.pk] += 1
            active += 1
            made += 1
            audit.record(actor=by, verb="assign", subject=application.title, call=call,
                         after={"evaluator": user.username, "application": application.pk, "bulk": True})
    return made


@transaction.atomic
def declare(*, assignment: Assignment, by, no_conflict: bool, statement: str = "") -> Assignment:
    """The evaluator's declaration; a declared conflict withdraws them from the application."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.evaluator_id != by.pk:
        raise ValidationError(_("Only the assigned evaluator declares."))
    if assignment.declared or assignment.conflict:
        raise ValidationError(_("You have already declared."))
    if no_conflict:
        assignment.declared = timezone.now()
    else:
        assignment.conflict = True
    assignment.declaration = statement.strip()[:500]
    assignment.save(update_fields=["declared", "conflict", "declaration"])
    audit.record(actor=by, verb="declare_no_conflict" if no_conflict else "declare_conflict",
                 subject=assignment.application.title, call=assignment.application.call,
                 after={"statement": assignment.declaration})
    return assignment


@transaction.atomic
def scores_save(*, assignment: Assignment, by, scores: dict, submit: bool = False) -> Assignment:
    """scores: {criterion_id: (value, justification)}. Saved as a draft; submit makes them final."""
    assignment = Assignment.objects.select_for_update().select_related("application__call").get(pk=assignment.pk)
    if assignment.evaluator_id != by.pk or assignment.conflict or not assignment.declared:
        raise ValidationError(_("Declare that you have no conflict of interest first."))
    if assignment.submitted:
        raise ValidationError(_("Your evaluation is submitted; it cannot change."))
    if assignment.application.call.decided:
        raise ValidationError(_("The call is decided."))
    criteria = list(assignment.application.call.criteria.all())
    for criterion in criteria:
        if criterion.pk not in scores:
            continue
        value, justification = scores[criterion.pk]
        if value is None or not 0 <= int(value) <= 5:
            raise ValidationError(_("A score is a whole number from 0 to 5."))
        Score.objects.update_or_create(assignment=assignment, criterion=criterion, defaults={
            "value": int(value), "justification": (justification or "").strip()[:2000]})
    if submit:
        done = {s.criterion_id: s for s in assignment.scores.all()}
        if any(c.pk not in done or len(done[c.pk].justification) < 10 for c in criteria):
            raise ValidationError(_("Score every criterion and justify each score in a sentence or more."))
        assignment.submitted = timezone.now()
        assignment.save(update_fields=["submitted"])
    audit.record(actor=by, verb="scores_submit" if submit else "scores_save", subject=assignment.application.title,
                 call=assignment.application.call,
                 after={str(s.criterion_id): s.value for s in assignment.scores.all()})
    return assignment


def submitted_scores(*, application: Application) -> list[Score]:
    return list(Score.objects.filter(assignment__application=application, assignment__submitted__isnull=False)
                .select_related("assignment__evaluator", "criterion").order_by("assignment_id", "criterion__order"))


def visible_scores(*, application: Application, user) -> list[Score]:
    """Administrators see every submitted score; an evaluator sees others' only after submitting their own."""
    if access.is_admin(user=user):
        return submitted_scores(application=application)
    mine = Assignment.objects.filter(application=application, evaluator=user).first()
    if mine is None:
        return []
    if mine.submitted is None:
        return list(Score.objects.filter(assignment=mine).select_related("assignment__evaluator", "criterion"))
    return submitted_scores(application=application)


def _submitted_values(call: Call, application: Application | None = None) -> dict:
    """{application id: {criterion id: [values]}} of the submitted evaluations (one query)."""
    query = Score.objects.filter(assignment__application__call=call, assignment__submitted__isnull=False,
                                 assignment__conflict=False)
    if application is not None:
        query = query.filter(assignment__application=application)
    found: dict = {}
    for application_id, criterion_id, value in query.values_list("assignment__application_id", "criterion_id",
                                                                  "value"):
        found.setdefault(application_id, {}).setdefault(criterion_id, []).append(value)
    return found


def _divergent(values: dict, criteria: list, spread: int) -> list:
    return [c for c in criteria if len(values.get(c.pk, [])) >= 2
            and max(values[c.pk]) - min(values[c.pk]) >= spread]


def divergent_criteria(application: Application) -> list:
    """The criteria on which submitted scores differ by the call's divergence or more."""
    call = application.call
    values = _submitted_values(call, application).get(application.pk, {})
    return _divergent(values, list(call.criteria.all()), call.divergence)


@transaction.atomic
def consensus_note(*, application: Application, note: str, by) -> Application:
    note = note.strip()
    if len(note) < 10:
        raise ValidationError(_("Write the consensus the evaluators reached."))
    application = Application.objects.select_for_update().get(pk=application.pk)
    before = application.consensus_note
    application.consensus_note = note[:3000]
    application.save(update_fields=["consensus_note", "updated"])
    audit.record(actor=by, verb="consensus", subject=application.title, call=application.call,
                 before={"note": before}, after={"note": application.consensus_note})
    return application


@dataclass
class Ranked:
    application: Application
    averages: dict  # criterion -> Decimal
    evaluations: int
    total: Decimal | None = None
    failed: list = field(default_factory=list)  # criteria below their pass mark
    passes: bool = False
    divergent: list = field(default_factory=list)
    outcome: str = ""
    amount: Decimal = Decimal(0)
    rank: int | None = None
    reserve_rank: int | None = None

    @property
    def ready(self) -> bool:
        return self.evaluations >= MIN_EVALUATIONS and (not self.divergent or bool(self.application.consensus_note))


def ranking(call: Call) -> list[Ranked]:
    """Eligible applications by weighted total of average scores; those passing every criterion's mark and
    the overall mark are funded in rank order until the next one no longer fits the budget; from there on
    the passing ones form the reserve list in rank order. Ties: the smaller request first, then earlier."""
    criteria = list(call.criteria.all())
    scores = _submitted_values(call)
    evaluations = dict(Assignment.objects.filter(application__call=call, submitted__isnull=False, conflict=False)
                       .values("application_id").annotate(n=Count("id")).values_list("application_id", "n"))
    rows = []
    for application in call.applications.filter(status__in=RANKED).prefetch_related("budget_lines"):
        values = scores.get(application.pk, {})
        averages = {c: (Decimal(sum(values[c.pk])) / len(values[c.pk])).quantize(_TWO, rounding=ROUND_HALF_UP)
                    for c in criteria if values.get(c.pk)}
        row = Ranked(application=application, averages=averages, evaluations=evaluations.get(application.pk, 0),
                     divergent=_divergent(values, criteria, call.divergence))
        if row.evaluations and len(averages) == len(criteria):
            row.total = sum((averages[c] * c.weight for c in criteria), Decimal(0)).quantize(_TWO)
            row.failed = [c for c in criteria if averages[c] < c.pass_mark]
            row.passes = not row.failed and row.total >= call.pass_mark
        rows.append(row)
    rows.sort(key=lambda r: (r.total is None, -(r.total or 0), r.application.requested,
                             r.application.submitted or timezone.now(), r.application.pk))
    left, funding, reserve = call.budget, True, 0
    for place, row in enumerate(rows, start=1):
        row.rank = place if row.total is not None else None
        if not row.passes:
            row.outcome = Decision.Outcome.REJECTED
            continue
        requested = row.application.requested
        if funding and requested <= left:
            row.outcome, row.amount = Decision.Outcome.AWARDED, requested
            left -= requested
        else:
            funding = False
            reserve += 1
            row.outcome, row.reserve_rank = Decision.Outcome.RESERVE, reserve
    return rows


def _reasons(row: Ranked, call: Call, language: str) -> str:
    def number(value):  # in the reader's language: 3,50 in Bosnian, 3.50 in English
        return formats.number_format(value, 2)

    parts = [_("Weighted total %(total)s (pass mark %(mark)s).") % {"total": number(row.total),
                                                                     "mark": number(call.pass_mark)}]
    for criterion, average in row.averages.items():
        parts.append(f"{criterion.name_in(language)}: {number(average)} / 5")
    if row.failed:
        parts.append(_("Below the pass mark on: %(criteria)s.") % {
            "criteria": ", ".join(c.name_in(language) for c in row.failed)})
    elif not row.passes:
        parts.append(_("Below the overall pass mark."))
    elif row.outcome == Decision.Outcome.RESERVE:
        parts.append(_("Passed, but the budget is exhausted: reserve list place %(n)s.") % {"n": row.reserve_rank})
    return "\n".join(parts)


@transaction.atomic
def decide(*, call: Call, by, note: str = "") -> list[Decision]:
    """Record the ranking's outcome for every eligible application and notify each applicant."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.decided:
        raise ValidationError(_("The call is already decided."))
    if timezone.now() < call.closes:
        raise ValidationError(_("The call has not closed yet."))
    if call.applications.filter(status=Application.Status.SUBMITTED).exists():
        raise ValidationError(_("Some submitted applications have no eligibility check yet."))
    rows = ranking(call)
    waiting = [r.application.title for r in rows if not r.ready]
    if waiting:
        raise ValidationError(_("Not ready: two submitted evaluations and, where scores diverge, a consensus note "
                                "are needed for: %(titles)s") % {"titles": "; ".join(waiting)})
    decisions = []
    for row in rows:
        reasons = _reasons(row, call, "en") + (f"\n{note.strip()}" if note.strip() else "")
        details = {"averages": {str(c.pk): str(v) for c, v in row.averages.items()},
                   "failed": [c.pk for c in row.failed], "passes": row.passes, "evaluations": row.evaluations}
        decisions.append(Decision.objects.create(application=row.application, outcome=row.outcome, amount=row.amount,
                                                 total=row.total, rank=row.rank, reserve_rank=row.reserve_rank,
                                                 reasons=reasons[:3000], details=details, by=by))
        row.application.status = {Decision.Outcome.AWARDED: Application.Status.AWARDED,
                                  Decision.Outcome.RESERVE: Application.Status.RESERVE}.get(
            row.outcome, Application.Status.REJECTED)
        row.application.save(update_fields=["status", "updated"])
        snapshot(application=row.application, step="decision")
        audit.record(actor=by, verb="decide", subject=row.application.title, call=call,
                     after={"outcome": row.outcome, "amount": str(row.amount), "total": str(row.total),
                            "rank": row.rank, "reserve_rank": row.reserve_rank})
    call.decided = timezone.now()
    call.save(update_fields=["decided"])
    ids = [d.application_id for d in decisions]
    mail_on_commit(lambda: [emails.send_decision(application_id=i) for i in ids])
    return decisions


@transaction.atomic
def award_withdraw(*, application: Application, by, reason: str) -> list[Application]:
    """An awarded project is withdrawn (the organisation declines, or cannot sign). Its amount returns to the
    budget and the reserve list is funded in its order while the next request fits in what is left; nobody
    further down jumps one that does not fit. Returns the applications funded from the reserve list."""
    reason = reason.strip()
    if len(reason) < 5:
        raise ValidationError(_("Say why the award is withdrawn."))
    application = Application.objects.select_for_update().select_related("call").get(pk=application.pk)
    if application.status != Application.Status.AWARDED:
        raise ValidationError(_("Only an awarded project can be withdrawn."))
    call = Call.objects.select_for_update().get(pk=application.call_id)
    decision = application.decision
    before = {"outcome": decision.outcome, "amount": str(decision.amount)}
    decision.outcome, decision.amount = Decision.Outcome.WITHDRAWN, Decimal(0)
    decision.reasons = f"{decision.reasons}\nWithdrawn: {reason}"[:3000]
    decision.save(update_fields=["outcome", "amount", "reasons"])
    application.status = Application.Status.WITHDRAWN
    application.save(update_fields=["status", "updated"])
    audit.record(actor=by, verb="award_withdraw", subject=application.title, call=call, before=before,
                 after={"outcome": decision.outcome, "reason": reason[:500]})
    left = call.budget - sum(d.amount for d in Decision.objects.filter(application__call=call,
                                                                       outcome=Decision.Outcome.AWARDED))
    promoted = []
    for first in (Decision.objects.filter(application__call=call, outcome=Decision.Outcome.RESERVE)
                  .select_related("application").order_by("reserve_rank")):
        if first.application.requested > left:
            break  # the reserve list's order holds: nobody further down jumps the first who does not fit
        left -= first.application.requested
        first.outcome, first.amount = Decision.Outcome.AWARDED, first.application.requested
        first.reasons = f"{first.reasons}\nFunded from the reserve list after a withdrawal."[:3000]
        first.save(update_fields=["outcome", "amount", "reasons"])
        first.application.status = Application.Status.AWARDED
        first.application.save(update_fields=["status", "updated"])
        audit.record(actor=by, verb="reserve_funded", subject=first.application.title, call=call,
                     before={"outcome": Decision.Outcome.RESERVE, "reserve_rank": first.reserve_rank},
                     after={"outcome": first.outcome, "amount": str(first.amount)})
        promoted.append(first.application)
    ids = [a.pk for a in promoted]
    mail_on_commit(lambda: [emails.send_decision(application_id=i) for i in ids])
    return promoted


def decision_reasons(decision: Decision, language: str) -> str:
    """The decision's reasons in the reader's language, from the figures kept with it (the stored text is
    English, for the auditor)."""
    details = decision.details or {}
    if decision.total is None or "averages" not in details:
        return decision.reasons
    call = decision.application.call
    criteria = {c.pk: c for c in call.criteria.all()}
    row = Ranked(application=decision.application, evaluations=details.get("evaluations", 0),
                 averages={criteria[int(k)]: Decimal(v) for k, v in details["averages"].items()},
                 total=decision.total, failed=[criteria[k] for k in details.get("failed", [])],
                 passes=details.get("passes", False), outcome=decision.outcome, reserve_rank=decision.reserve_rank)
    return _reasons(row, call, language)


@transaction.atomic
def milestone_report(*, application: Application, by, title: str, text: str, spent: Decimal,
                     action=None) -> MilestoneReport:
    if application.status != Application.Status.AWARDED:
        raise ValidationError(_("Only funded projects report milestones."))
    if not title.strip() or not text.strip() or spent < 0:
        raise ValidationError(_("A milestone report needs a title, a text and the amount spent so far."))
    if action is not None and not action.proposals.filter(pk__in=application.ideas.values("pk")).exists() \
            and action.municipality_id != application.municipality_id:
        raise ValidationError(_("The action is neither in the project's municipality nor on its ideas."))
    report = MilestoneReport.objects.create(application=application, by=by, title=title.strip()[:160],
                                            text=text.strip()[:3000], spent=spent, action=action)
    audit.record(actor=by, verb="milestone", subject=application.title, call=application.call,
                 after={"title": report.title, "spent": str(spent), "action": action.pk if action else None})
    return report
