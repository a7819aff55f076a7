from django import forms
from django.utils.translation import gettext_lazy as _


class ApplicationForm(forms.Form):
    name = forms.CharField(max_length=160, label=_("Organisation name"))
    registration_number = forms.CharField(max_length=40, label=_("Registration number"))
    municipalities = forms.MultipleChoiceField(choices=[], widget=forms.CheckboxSelectMultiple,
                                               label=_("Municipalities you will cover"))
    contact_name = forms.CharField(max_length=120, label=_("Contact person"))
    contact_email = forms.EmailField(label=_("Contact email"))
    principles_accepted = forms.BooleanField(
        label=_("We accept the network's principles: openness and transparency, participation, partnership"))

    def __init__(self, *args, municipalities: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipalities"].choices = [(m, m) for m in municipalities]


class DeclineOrganisationForm(forms.Form):
    reason = forms.CharField(max_length=500, label=_("Reason"))
