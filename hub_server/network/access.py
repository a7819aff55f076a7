"""Who may do what in the network app. Every view and API endpoint asks here, never on its own.

- A municipal official (membership role "municipality") acts only for their own municipality: accedes
  for it, reads and answers what was forwarded to it.
- A member of an approved organisation acts for that organisation, in the municipalities it works in.
- Network administrators publish protocol versions and see everything.
"""
from hub_server.membership.models import Membership, Municipality, Organisation
from hub_server.membership.selectors import user_is_network_admin


def _membership(user) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user).select_related("organisation", "municipality").first()


def official_municipality(*, user) -> Municipality | None:
    """The municipality a person is an official of, or None."""
    membership = _membership(user)
    if membership is None or membership.role != Membership.Role.MUNICIPALITY:
        return None
    return membership.municipality


def user_organisation(*, user) -> Organisation | None:
    """The approved organisation a person acts for, or None."""
    membership = _membership(user)
    if membership is None or membership.role != Membership.Role.REVIEWER:
        return None
    if membership.organisation.status != Organisation.Status.APPROVED:
        return None
    return membership.organisation


def is_admin(*, user) -> bool:
    return user_is_network_admin(user=user)


def can_act_for_organisation_in(*, user, municipality: Municipality) -> Organisation | None:
    """The user's organisation if it works in this municipality, else None."""
    organisation = user_organisation(user=user)
    if organisation is None or not organisation.municipalities.filter(pk=municipality.pk).exists():
        return None
    return organisation


def can_answer(*, user, forwarding) -> bool:
    official = official_municipality(user=user)
    return official is not None and official.pk == forwarding.municipality_id


def can_read_forwarding(*, user, forwarding) -> bool:
    """Officials of its municipality, members of the organisation that forwarded it, administrators."""
    if is_admin(user=user) or can_answer(user=user, forwarding=forwarding):
        return True
    organisation = user_organisation(user=user)
    return organisation is not None and organisation.pk == forwarding.organisation_id
