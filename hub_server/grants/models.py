"""The grant scheme ("financial support to third parties"): calls with published criteria, member
organisations' applications built on citizens' ideas, evaluations without conflicts of interest,
decisions within the budget, milestone reports, and the scheme's own audit log.

Who may do what is in grants/access.py; every write is a service (services.py, evaluation.py).
"""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TEXT_LANGUAGES = ("bs", "hr", "sr-latn", "sr", "en")


class Call(models.Model):
    """A call for proposals; texts per language code (sr is transliterated from sr-latn when not given)."""

    titles = models.JSONField(help_text="Title per language code")
    texts = models.JSONField(help_text="Text per language code")
    budget = models.DecimalField(max_digits=12, decimal_places=2, help_text="Total budget in BAM")
    min_amount = models.DecimalField(max_digits=12, decimal_places=2)
    max_amount = models.DecimalField(max_digits=12, decimal_places=2)
    cofinancing_percent = models.PositiveSmallIntegerField(default=0, help_text="Least own share of the total, %")
    require_good_standing = models.BooleanField(default=True)
    require_network_municipality = models.BooleanField(default=True)
    require_validated_idea = models.BooleanField(default=True)
    pass_mark = models.DecimalField(max_digits=5, decimal_places=2, help_text="Least weighted total to be funded")
    divergence = models.PositiveSmallIntegerField(default=2, help_text="Score spread on a criterion that asks "
                                                                      "for a consensus note")
    opens = models.DateTimeField()
    closes = models.DateTimeField()
    evaluation_until = models.DateField()
    decision_by = models.DateField()
    published = models.BooleanField(default=False)
    decided = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens", "-id"]

    def __str__(self):
        return self.title_in("en")

    def title_in(self, language: str) -> str:
        return self.titles.get(language) or self.titles.get("bs") or ""

    def text_in(self, language: str) -> str:
        return self.texts.get(language) or self.texts.get("bs") or ""

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.published and self.opens <= now < self.closes

    def has_opened(self, now=None) -> bool:
        return self.published and self.opens <= (now or timezone.now())

    STATES = {"draft": _("Not published"), "announced": _("Announced, not open yet"), "open": _("Open"),
              "closed": _("Closed, in evaluation"), "decided": _("Decided")}

    @property
    def state(self) -> str:
        if not self.published:
            return "draft"
        if self.decided:
            return "decided"
        now = timezone.now()
        return "announced" if now < self.opens else "open" if now < self.closes else "closed"

    @property
    def state_display(self) -> str:
        return str(self.STATES[self.state])

    @property
    def max_total(self) -> Decimal:
        return sum((c.weight * 5 for c in self.criteria.all()), Decimal(0))


class Criterion(models.Model):
    """A published criterion, scored 0-5; weight multiplies its average in the total."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    names = models.JSONField(help_text="Name per language code")
    weight = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal(1))
    pass_mark = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal(3),
                                    help_text="Least average score (0-5) on this criterion")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["call", "order", "id"]

    def __str__(self):
        return self.name_in("en")

    def name_in(self, language: str) -> str:
        return self.names.get(language) or self.names.get("bs") or ""


class CallVersion(models.Model):
    """The call as published (1) and after each amendment once it opened: kept and shown."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    changes = models.CharField(max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["call", "-number"]
        constraints = [models.UniqueConstraint(fields=["call", "number"], name="call_version_once")]


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ELIGIBLE = "eligible", _("Eligible, in evaluation")
        INELIGIBLE = "ineligible", _("Ineligible")
        AWARDED = "awarded", _("Awarded")
        RESERVE = "reserve", _("On the reserve list")
        REJECTED = "rejected", _("Not funded")
        WITHDRAWN = "withdrawn", _("Award withdrawn")

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    organisation = models.ForeignKey("membership.Organisation", on_delete=models.PROTECT, related_name="applications")
    municipality = models.ForeignKey("membership.Municipality", on_delete=models.PROTECT, related_name="+")
    partners = models.ManyToManyField("membership.Organisation", blank=True, related_name="partner_applications")
    ideas = models.ManyToManyField("proposals.Proposal", blank=True, related_name="grant_applications")
    title = models.CharField(max_length=160)
    summary = models.TextField(max_length=3000, blank=True)
    objectives = models.TextField(max_length=3000, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    receipt = models.CharField(max_length=20, blank=True)
    submitted = models.DateTimeField(null=True, blank=True)
    consensus_note = models.TextField(max_length=3000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["call", "-submitted", "id"]
        constraints = [models.UniqueConstraint(fields=["call", "organisation", "title"], name="application_title_once")]

    def __str__(self):
        return self.title

    @property
    def requested(self) -> Decimal:
        return sum((line.requested for line in self.budget_lines.all()), Decimal(0))

    @property
    def own_share(self) -> Decimal:
        return sum((line.own for line in self.budget_lines.all()), Decimal(0))


class Activity(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="activities")
    title = models.CharField(max_length=200)
    starts = models.DateField()
    ends = models.DateField()

    class Meta:
        ordering = ["starts", "id"]


class BudgetLine(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="budget_lines")
    item = models.CharField(max_length=200)
    requested = models.DecimalField(max_digits=12, decimal_places=2, help_text="Asked from the grant, BAM")
    own = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0), help_text="Co-financing, BAM")

    class Meta:
        ordering = ["id"]


class ApplicationSnapshot(models.Model):
    """The application as it stood at a step (submission, eligibility, decision): its kept history."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="snapshots")
    step = models.CharField(max_length=20)
    data = models.JSONField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class Attachment(models.Model):
    """A file stored under settings.HUB_GRANT_FILES (outside the static files); served by a checked view."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=160)
    kind = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_as = models.CharField(max_length=80, unique=True)
    uploaded = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class EligibilityCheck(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="eligibility_checks")
    eligible = models.BooleanField()
    reasons = models.TextField(max_length=2000)
    automatic = models.JSONField(default=list, help_text="The rules the hub found broken")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]


class Assignment(models.Model):
    """An evaluator's part in one application: declared no conflict, then scored, then submitted."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grant_assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assigned = models.DateTimeField(auto_now_add=True)
    declared = models.DateTimeField(null=True, blank=True, help_text="When the evaluator declared no conflict")
    conflict = models.BooleanField(default=False, help_text="The evaluator declared a conflict: withdrawn")
    declaration = models.CharField(max_length=500, blank=True)
    submitted = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "evaluator"], name="assignment_once")]

    @property
    def is_active(self) -> bool:
        return not self.conflict


class Score(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField()
    justification = models.TextField(max_length=2000)

    class Meta:
        ordering = ["criterion__order", "criterion_id"]
        constraints = [models.UniqueConstraint(fields=["assignment", "criterion"], name="score_once"),
                       models.CheckConstraint(name="score_0_to_5", condition=models.Q(value__lte=5))]


class Decision(models.Model):
    class Outcome(models.TextChoices):
        AWARDED = "awarded", _("Awarded")
        RESERVE = "reserve", _("Reserve list")
        REJECTED = "rejected", _("Not funded")
        WITHDRAWN = "withdrawn", _("Award withdrawn")

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    total = models.DecimalField(max_digits=7, decimal_places=2, null=True, help_text="Weighted total of averages")
    rank = models.PositiveIntegerField(null=True, blank=True, help_text="Place in the ranking")
    reserve_rank = models.PositiveIntegerField(null=True, blank=True)
    reasons = models.TextField(max_length=3000)
    details = models.JSONField(default=dict, help_text="Averages per criterion, failed criteria, evaluations")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)


class MilestoneReport(models.Model):
    """A funded project's progress at a milestone, optionally on one of the hub's actions (public)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="milestones")
    action = models.ForeignKey("proposals.Action", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="grant_milestones")
    title = models.CharField(max_length=160)
    text = models.TextField(max_length=3000)
    spent = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class GrantAudit(models.Model):
    """Every write of the grant scheme: who, when, what, before and after."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    verb = models.CharField(max_length=32)
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    subject = models.CharField(max_length=200)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
