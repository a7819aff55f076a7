from django import forms
from django.utils.translation import gettext_lazy as _

from hub_server.proposals.models import Action, Proposal


class QueueFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Search"))
    status = forms.ChoiceField(required=False, choices=[("", _("Any status"))] + Proposal.Status.choices,
                               initial="new")
    municipality = forms.CharField(required=False, max_length=80)
    bench = forms.CharField(required=False, max_length=32)
    category = forms.ChoiceField(required=False, choices=[("", _("Any category"))] + Proposal.Category.choices)
    lang = forms.CharField(required=False, max_length=10, label=_("Language"))
    since = forms.DateField(required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    page = forms.IntegerField(required=False, min_value=1, max_value=10000)


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(choices=Proposal.DeclineReason.choices, label=_("Reason"),
                               error_messages={"invalid_choice": _("Unknown decline reason %(value)r."),
                                               "required": _("A decline needs a reason.")})
    note = forms.CharField(required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                           label=_("Public note"))


class DuplicateForm(forms.Form):
    original = forms.CharField(max_length=16, label=_("Original (id or receipt code)"))


class EditForm(forms.Form):
    category = forms.ChoiceField(choices=Proposal.Category.choices, label=_("Category"))
    tags = forms.CharField(required=False, max_length=200, help_text=_("Comma-separated"))

    def clean_tags(self) -> list[str]:
        return self.cleaned_data["tags"].split(",")


class RedactForm(forms.Form):
    public_title = forms.CharField(max_length=120, label=_("Public title"))
    public_body = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 5}), label=_("Public text"))


class HideForm(forms.Form):
    note = forms.CharField(required=False, max_length=500, label=_("Internal note"))


class ActionCreateForm(forms.Form):
    title = forms.CharField(max_length=120, label=_("Title"))
    municipality = forms.ChoiceField(choices=[], label=_("Responsible municipality"))
    proposals = forms.CharField(max_length=2000, label=_("Validated ideas (receipt codes or ids, comma-separated)"))
    public_answer = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, municipalities: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = [(m, m) for m in municipalities]


class ActionUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=Action.Status.choices, label=_("Status"))
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                           label=_("Dated update (public)"))
    public_answer = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                                    label=_("Public answer (leave as is to keep)"))
