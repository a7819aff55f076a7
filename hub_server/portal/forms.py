from django import forms
from django.utils.translation import gettext_lazy as _

from hub_server.proposals.text import receipt_normalise


class DataRequestForm(forms.Form):
    """A citizen's request about the data the hub holds on their idea, proven by receipt and contact."""

    KINDS = [("copy", _("Show me a copy of what is held")),
             ("withdraw", _("Withdraw my consent: erase my name and contact, send me nothing more")),
             ("erase", _("Erase my idea and everything about it"))]

    receipt = forms.CharField(max_length=20, label=_("Receipt code"),
                              help_text=_("The code the bench showed you, e.g. 0J8M-4XF2."))
    contact = forms.CharField(max_length=120, label=_("The contact you gave (email or phone)"))
    kind = forms.ChoiceField(choices=KINDS, widget=forms.RadioSelect, label=_("What do you ask for?"))

    def clean_receipt(self):
        receipt = receipt_normalise(self.cleaned_data["receipt"])
        if receipt is None:
            raise forms.ValidationError(_("That is not a receipt code."))
        return receipt
