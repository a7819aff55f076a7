"""Who may do what in the grant scheme. Every view asks here, never on its own.

- Network administrators run calls: publish, amend, check eligibility, assign, decide, export.
- A member of an approved organisation drafts and submits its applications and sees its results.
- An evaluator (group "Grant evaluators") sees an application only once assigned and after declaring
  no conflict of interest; sees the other evaluators' scores only after submitting their own.
"""
from hub_server.grants.models import Application, Assignment, Attachment
from hub_server.grants.roles import EVALUATORS
from hub_server.membership.models import Membership, Organisation
from hub_server.membership.selectors import user_is_network_admin
from hub_server.network.access import user_organisation


def is_admin(*, user) -> bool:
    return user_is_network_admin(user=user)


def is_evaluator(*, user) -> bool:
    return bool(user.is_authenticated and user.groups.filter(name=EVALUATORS).exists())


def applicant_organisation(*, user) -> Organisation | None:
    return user_organisation(user=user)


def evaluator_organisation(*, user) -> Organisation | None:
    """Any organisation the person belongs to (approved or not): a conflict of interest either way."""
    membership = Membership.objects.filter(user=user).select_related("organisation").first()
    return membership.organisation if membership and membership.organisation_id else None


def is_applicant_of(*, user, application: Application) -> bool:
    organisation = applicant_organisation(user=user)
    return organisation is not None and organisation.pk == application.organisation_id


def cleared_assignment(*, user, application: Application) -> Assignment | None:
    """The user's assignment to this application if they declared no conflict, else None."""
    if not user.is_authenticated:
        return None
    return Assignment.objects.filter(application=application, evaluator=user, conflict=False,
                                     declared__isnull=False).first()


def can_read_application(*, user, application: Application) -> bool:
    return (is_admin(user=user) or is_applicant_of(user=user, application=application)
            or cleared_assignment(user=user, application=application) is not None)


def can_read_attachment(*, user, attachment: Attachment) -> bool:
    return can_read_application(user=user, application=attachment.application)
