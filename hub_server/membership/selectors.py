"""Reads about membership: which municipalities a person may act on."""
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.db.models import QuerySet

from hub_server.fleet.models import Bench
from hub_server.membership.models import Membership, Municipality, Organisation


def user_is_network_admin(*, user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.has_perm("membership.change_organisation")))


def user_municipality_names(*, user) -> set[str] | None:
    """The municipalities (by name) a person may review or answer for; None means all (administrators).

    Names, because a bench names its municipality as text (`fleet.Bench.municipality`).
    """
    if not user.is_authenticated:
        return set()
    if user_is_network_admin(user=user):
        return None
    membership = Membership.objects.filter(user=user).select_related("organisation", "municipality").first()
    if membership is None:
        return set()
    if membership.role == Membership.Role.REVIEWER:
        if membership.organisation.status != Organisation.Status.APPROVED:
            return set()
        return set(membership.organisation.municipalities.values_list("name", flat=True))
    return {membership.municipality.name}


def user_can_review(*, user, municipality: str) -> bool:
    if not user.has_perm("proposals.review_proposal"):
        return False
    names = user_municipality_names(user=user)
    return names is None or municipality in names


def user_review_scope(*, user, municipality: str = "") -> set[str] | None:
    """The municipalities whose review queue this user reads (None: all), narrowed to `municipality`
    if one is asked for. set() when the user reviews nothing; PermissionDenied for a municipality
    outside their scope. The review UI and the staff API both ask here."""
    scope = user_municipality_names(user=user)
    if scope == set() or not user.has_perm("proposals.review_proposal"):
        return set()
    if municipality:
        if scope is not None and municipality not in scope:
            raise PermissionDenied(_("You do not review proposals of this municipality."))
        return {municipality}
    return scope


def user_can_answer(*, user, municipality: str) -> bool:
    if not user.has_perm("proposals.change_action"):
        return False
    names = user_municipality_names(user=user)
    return names is None or municipality in names


def user_visible_municipalities(*, user) -> list[str]:
    names = user_municipality_names(user=user)
    return municipality_choices() if names is None else sorted(names)


def municipality_choices() -> list[str]:
    """Every municipality the network knows: those with a record and those its benches name."""
    names = set(Municipality.objects.values_list("name", flat=True))
    names |= set(Bench.objects.values_list("municipality", flat=True).distinct())
    return sorted(n for n in names if n)


def organisation_list_pending() -> QuerySet:
    return Organisation.objects.filter(status=Organisation.Status.PENDING).prefetch_related("municipalities")
