"""Reads for the public directory, partners and trainings. Public reads never carry the registered
contact or participants' names: only what an organisation chose to publish."""
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from hub_server.membership.models import Membership, Organisation
from hub_server.network.directory_models import ActionPartner, OrganisationProfile, Training, TrainingRegistration
from hub_server.proposals.models import Action, AuditEntry, Proposal


def directory(*, q: str = "", municipality_id: int | None = None, field: str = "") -> list[Organisation]:
    """Approved member organisations, by name, filtered by words, municipality and field of work."""
    qs = (Organisation.objects.filter(status=Organisation.Status.APPROVED).select_related("profile")
          .prefetch_related("municipalities").defer("contact_name", "contact_email").order_by("name"))
    if municipality_id:
        qs = qs.filter(municipalities__id=municipality_id)
    q = q.strip()[:100]
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(profile__description__icontains=q))
    found = list(qs.distinct())
    if field:  # a handful of organisations per municipality: filtered here, portable across databases
        found = [o for o in found if field in getattr(_profile(o), "fields_of_work", [])]
    return found


def _profile(organisation: Organisation) -> OrganisationProfile | None:
    try:
        return organisation.profile
    except OrganisationProfile.DoesNotExist:
        return None


def _member_ids(organisation: Organisation) -> list[int]:
    return list(Membership.objects.filter(organisation=organisation).values_list("user_id", flat=True))


def public_organisation(*, organisation_id: int) -> dict | None:
    org = (Organisation.objects.filter(pk=organisation_id, status=Organisation.Status.APPROVED)
           .prefetch_related("municipalities").first())
    if org is None:
        return None
    members = _member_ids(org)
    validated = (Proposal.objects.filter(status=Proposal.Status.VALIDATED,
                                         audit__verb=AuditEntry.Verb.VALIDATE, audit__actor_id__in=members)
                 .select_related("bench").only("id", "receipt", "title", "public_title", "bench__municipality",
                                                "received").distinct().order_by("-received")[:50])
    joined = ActionPartner.objects.filter(organisation=org, status=ActionPartner.Status.ACCEPTED).values("action_id")
    return {"org": org, "profile": _profile(org), "validated": validated,
            "led": Action.objects.filter(created_by_id__in=members).select_related("municipality")[:50],
            "joined": Action.objects.filter(pk__in=joined).select_related("municipality")[:50],
            "trainings": trainings_attended(organisation=org),
            "accessions": org.accessions.filter(withdrawn__isnull=True).select_related("version__protocol__municipality")}


def trainings_attended(*, organisation: Organisation) -> QuerySet:
    return Training.objects.filter(registrations__organisation=organisation,
                                   registrations__attended=True).distinct().order_by("-starts")


def action_partners(*, action: Action) -> QuerySet:
    return ActionPartner.objects.filter(action=action, status=ActionPartner.Status.ACCEPTED).select_related(
        "organisation")


def invitations_for(*, organisation: Organisation) -> QuerySet:
    return ActionPartner.objects.filter(organisation=organisation, status=ActionPartner.Status.INVITED).select_related(
        "action__municipality")


def actions_led_by(*, organisation: Organisation) -> QuerySet:
    return Action.objects.filter(created_by_id__in=_member_ids(organisation)).select_related("municipality")


def trainings(*, upcoming_only: bool = False) -> QuerySet:
    qs = Training.objects.annotate(registered=Count("registrations"))
    return qs.filter(starts__gt=timezone.now()).order_by("starts") if upcoming_only else qs


def registrations_of(*, organisation: Organisation) -> QuerySet:
    return TrainingRegistration.objects.filter(organisation=organisation).select_related("training")
