"""Forms of the network app: the fields and limits a person fills in; the rules live in the services."""
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from hub_server.network.models import Forwarding

# The bench tags a citizen's language in BCP 47; the hub names the same languages Django's way.
BENCH_TO_DJANGO = {"sr-Latn": "sr-latn", "sr-Cyrl": "sr"}


class PublishForm(forms.Form):
    text_bs = forms.CharField(label=_("Text in Bosnian"), widget=forms.Textarea, max_length=20000)
    text_hr = forms.CharField(label=_("Text in Croatian"), widget=forms.Textarea, max_length=20000)
    text_sr_latn = forms.CharField(label=_("Text in Serbian (Latin)"), widget=forms.Textarea, max_length=20000)
    text_sr = forms.CharField(label=_("Text in Serbian (Cyrillic; empty: written from the Latin)"),
                              widget=forms.Textarea, max_length=20000, required=False)
    text_en = forms.CharField(label=_("Text in English"), widget=forms.Textarea, max_length=20000)
    changes = forms.CharField(label=_("What changed"), max_length=500, required=False)
    response_days = forms.IntegerField(label=_("Days the municipality has to answer"), min_value=1, max_value=365)

    def texts(self) -> dict:
        d = self.cleaned_data
        return {"bs": d["text_bs"], "hr": d["text_hr"], "sr-latn": d["text_sr_latn"], "sr": d["text_sr"],
                "en": d["text_en"]}


class AccedeForm(forms.Form):
    capacity = forms.CharField(label=_("In which capacity do you accede (e.g. Mayor, President of the board)?"),
                               max_length=120)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason (public)"), max_length=500, required=False)


class ForwardForm(forms.Form):
    note = forms.CharField(label=_("Covering note to the municipality (public)"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=2000, required=False)


class AnswerForm(forms.Form):
    status = forms.ChoiceField(label=_("Step"))
    note = forms.CharField(label=_("Note (public)"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                           required=False)
    answer = forms.CharField(label=_("Public answer (required when declining: the reasons)"),
                             widget=forms.Textarea(attrs={"rows": 4}), max_length=2000, required=False)
    answer_lang = forms.ChoiceField(label=_("Language of the answer"), choices=settings.LANGUAGES)
    department = forms.CharField(label=_("Responsible department"), max_length=160, required=False)
    budget = forms.CharField(label=_("Budget line or amount"), max_length=160, required=False)
    expected = forms.DateField(label=_("Expected date (YYYY-MM-DD)"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, forwarding: Forwarding, **kwargs):
        from hub_server.network.forwarding_services import NEXT
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s.value, s.label) for s in Forwarding.Status if s in NEXT[forwarding.status]]
        if forwarding.proposal_id and not self.is_bound:
            self.initial["answer_lang"] = BENCH_TO_DJANGO.get(forwarding.proposal.lang, forwarding.proposal.lang)


class OfficialForm(forms.Form):
    municipality = forms.ChoiceField(label=_("Municipality"))
    email = forms.EmailField(label=_("Email"))
    full_name = forms.CharField(label=_("Name"), max_length=150)

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = [(m.pk, m.name) for m in municipalities]


class ProfileForm(forms.Form):
    description = forms.CharField(label=_("Short description"), widget=forms.Textarea(attrs={"rows": 4}),
                                  max_length=1000, required=False)
    website = forms.URLField(label=_("Website"), max_length=200, required=False, assume_scheme="https")
    fields_of_work = forms.MultipleChoiceField(label=_("Fields of work"), widget=forms.CheckboxSelectMultiple,
                                               required=False)
    public_email = forms.EmailField(label=_("Public contact email (optional: shown to everyone)"), required=False)
    public_phone = forms.CharField(label=_("Public contact phone (optional: shown to everyone)"), max_length=40,
                                   required=False)

    def __init__(self, *args, **kwargs):
        from hub_server.network.directory_models import FieldOfWork
        super().__init__(*args, **kwargs)
        self.fields["fields_of_work"].choices = FieldOfWork.choices


class InviteForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Invite an organisation as partner"))

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]


class TrainingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                                  required=False)
    starts = forms.DateTimeField(label=_("Starts (YYYY-MM-DD HH:MM)"))
    place = forms.CharField(label=_("Place"), max_length=160, required=False)
    online = forms.BooleanField(label=_("Online"), required=False)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=1000)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class RegisterForm(forms.Form):
    participant = forms.CharField(label=_("Participant's name (not public)"), max_length=120)
