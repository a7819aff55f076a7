"""One path from a reviewer's decision to its service, shared by the review UI and the staff API.

The decision's name picks its form (the same validation for a web form and a JSON body) and its
service in review_services; the caller has already checked that the user may review the idea
(selectors.proposal_for_review)."""
from django.core.exceptions import ValidationError

from hub_server.proposals import forms, review_services, selectors
from hub_server.proposals.models import Proposal

DECISIONS = {
    "validate": (None, review_services.proposal_validate),
    "decline": (forms.DeclineForm, review_services.proposal_decline),
    "duplicate": (forms.DuplicateForm, review_services.proposal_mark_duplicate),
    "edit": (forms.EditForm, review_services.proposal_edit),
    "redact": (forms.RedactForm, review_services.proposal_redact),
    "hide": (forms.HideForm, review_services.proposal_hide),
}


class UnknownDecision(ValidationError):
    pass


def decision_apply(*, proposal: Proposal, by, decision: str, data) -> Proposal:
    """Validate `data` for `decision` and apply it; ValidationError with readable messages if invalid."""
    if decision not in DECISIONS:
        raise UnknownDecision(f"Unknown decision {decision!r}; one of: {', '.join(DECISIONS)}.")
    form_class, service = DECISIONS[decision]
    fields = {}
    if form_class is not None:
        form = form_class(data)
        if not form.is_valid():
            raise ValidationError([message for messages in form.errors.values() for message in messages])
        fields = dict(form.cleaned_data)
    if decision == "duplicate":
        fields["original"] = selectors.duplicate_original_find(value=fields["original"], proposal=proposal)
    return service(proposal=proposal, by=by, **fields)
