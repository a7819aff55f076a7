"""Forms of the grant scheme's pages; the rules themselves are in the services."""
from django import forms
from django.utils.translation import gettext_lazy as _

from hub_server.grants.models import TEXT_LANGUAGES
from hub_server.membership.models import Municipality, Organisation
from hub_server.proposals.models import Action, Proposal

_LANGUAGE_FIELDS = (("bs", "bs", "Bosanski"), ("hr", "hr", "Hrvatski"), ("sr_latn", "sr-latn", "Srpski (latinica)"),
                    ("sr", "sr", "Српски (ћирилица)"), ("en", "en", "English"))


def _per_language(form, prefix: str, label, widget=None, max_length=None):
    for field, _code, name in _LANGUAGE_FIELDS:
        form.fields[f"{prefix}_{field}"] = forms.CharField(
            label=f"{label} ({name})", required=field not in ("sr",), widget=widget, max_length=max_length)


def _texts(data: dict, prefix: str) -> dict:
    return {code: data.get(f"{prefix}_{field}", "") for field, code, _name in _LANGUAGE_FIELDS}


def _initial(values: dict, prefix: str) -> dict:
    return {f"{prefix}_{field}": values.get(code, "") for field, code, _name in _LANGUAGE_FIELDS}


class CallForm(forms.Form):
    budget = forms.DecimalField(label=_("Total budget (BAM)"), min_value=1, max_digits=12, decimal_places=2)
    min_amount = forms.DecimalField(label=_("Minimum per project (BAM)"), min_value=1, max_digits=12, decimal_places=2)
    max_amount = forms.DecimalField(label=_("Maximum per project (BAM)"), min_value=1, max_digits=12, decimal_places=2)
    cofinancing_percent = forms.IntegerField(label=_("Least own share (%)"), min_value=0, max_value=99, initial=0)
    require_good_standing = forms.BooleanField(label=_("Applicant must be a member in good standing"), required=False,
                                               initial=True)
    require_network_municipality = forms.BooleanField(
        label=_("Project must be in a municipality of the network where the applicant works"), required=False,
        initial=True)
    require_validated_idea = forms.BooleanField(label=_("At least one validated citizens' idea must be linked"),
                                                required=False, initial=True)
    pass_mark = forms.DecimalField(label=_("Overall pass mark (weighted total)"), min_value=0, max_digits=5,
                                   decimal_places=2)
    divergence = forms.IntegerField(label=_("Score spread that asks for a consensus note"), min_value=1, max_value=5,
                                    initial=2)
    opens = forms.DateTimeField(label=_("Opens (local time)"),
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    closes = forms.DateTimeField(label=_("Closes (local time)"),
                                 widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    evaluation_until = forms.DateField(label=_("Evaluation until"), widget=forms.DateInput(attrs={"type": "date"}))
    decision_by = forms.DateField(label=_("Decision by"), widget=forms.DateInput(attrs={"type": "date"}))
    changes = forms.CharField(label=_("What this amendment changes (once the call is open)"), required=False,
                              max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _per_language(self, "title", _("Title"), max_length=200)
        _per_language(self, "text", _("Text"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)

    def call_fields(self) -> dict:
        d = self.cleaned_data
        return {"titles": _texts(d, "title"), "texts": _texts(d, "text"),
                **{k: d[k] for k in ("budget", "min_amount", "max_amount", "cofinancing_percent",
                                     "require_good_standing", "require_network_municipality",
                                     "require_validated_idea", "pass_mark", "divergence", "opens", "closes",
                                     "evaluation_until", "decision_by")}}

    @staticmethod
    def initial_for(call) -> dict:
        from django.utils import timezone
        initial = {**_initial(call.titles, "title"), **_initial(call.texts, "text")}
        for name in ("budget", "min_amount", "max_amount", "cofinancing_percent", "require_good_standing",
                     "require_network_municipality", "require_validated_idea", "pass_mark", "divergence",
                     "evaluation_until", "decision_by"):
            initial[name] = getattr(call, name)
        initial["opens"] = timezone.localtime(call.opens).strftime("%Y-%m-%dT%H:%M")
        initial["closes"] = timezone.localtime(call.closes).strftime("%Y-%m-%dT%H:%M")
        return initial


class CriterionForm(forms.Form):
    weight = forms.DecimalField(label=_("Weight"), min_value=0, max_value=10, initial=1, decimal_places=2)
    pass_mark = forms.DecimalField(label=_("Pass mark (0-5)"), min_value=0, max_value=5, initial=3, decimal_places=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _per_language(self, "name", _("Criterion"), max_length=200)

    def names(self) -> dict:
        return _texts(self.cleaned_data, "name")


class ApplicationForm(forms.Form):
    title = forms.CharField(label=_("Project title"), max_length=160)
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=Municipality.objects.order_by("name"))
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}), max_length=3000,
                              required=False)
    objectives = forms.CharField(label=_("Objectives"), widget=forms.Textarea(attrs={"rows": 4}), max_length=3000,
                                 required=False)
    partners = forms.ModelMultipleChoiceField(label=_("Partners"), required=False, queryset=Organisation.objects.none(),
                                              widget=forms.CheckboxSelectMultiple)
    ideas = forms.ModelMultipleChoiceField(label=_("Citizens' ideas the project answers"), required=False,
                                           queryset=Proposal.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partners"].queryset = (Organisation.objects.filter(status=Organisation.Status.APPROVED)
                                            .exclude(pk=organisation.pk).order_by("name"))
        names = list(organisation.municipalities.values_list("name", flat=True))
        self.fields["ideas"].queryset = Proposal.objects.filter(status=Proposal.Status.VALIDATED,
                                                                bench__municipality__in=names).order_by("-received")
        self.fields["ideas"].label_from_instance = lambda p: f"{p.receipt} {p.shown_title}"


class BudgetLineForm(forms.Form):
    item = forms.CharField(label=_("Budget item"), max_length=200)
    requested = forms.DecimalField(label=_("Requested (BAM)"), min_value=0, max_digits=12, decimal_places=2)
    own = forms.DecimalField(label=_("Own share (BAM)"), min_value=0, max_digits=12, decimal_places=2, initial=0)


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Activity"), max_length=200)
    starts = forms.DateField(label=_("Starts"), widget=forms.DateInput(attrs={"type": "date"}))
    ends = forms.DateField(label=_("Ends"), widget=forms.DateInput(attrs={"type": "date"}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Attachment (PDF, PNG, JPEG, ODT, ODS, DOCX, XLSX)"))


class EligibilityForm(forms.Form):
    eligible = forms.TypedChoiceField(label=_("Eligible"), coerce=lambda v: v == "yes",
                                      choices=[("yes", _("Eligible")), ("no", _("Ineligible"))])
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class AssignForm(forms.Form):
    evaluator = forms.ModelChoiceField(label=_("Evaluator"), queryset=None)

    def __init__(self, *args, **kwargs):
        from hub_server.grants.evaluation import evaluators
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].queryset = evaluators()


class DeclareForm(forms.Form):
    no_conflict = forms.TypedChoiceField(label=_("Declaration"), coerce=lambda v: v == "none", choices=[
        ("none", _("I have no conflict of interest with the applicant, its partners or the project")),
        ("conflict", _("I have a conflict of interest and withdraw"))])
    statement = forms.CharField(label=_("Statement (optional)"), required=False, max_length=500)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=3000)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=160)
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 3}), max_length=3000)
    spent = forms.DecimalField(label=_("Spent so far (BAM)"), min_value=0, max_digits=12, decimal_places=2)
    action = forms.ModelChoiceField(label=_("Action in the hub"), required=False, queryset=Action.objects.none())

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].queryset = Action.objects.filter(municipality_id=application.municipality_id)


assert {code for _f, code, _n in _LANGUAGE_FIELDS} == set(TEXT_LANGUAGES)
