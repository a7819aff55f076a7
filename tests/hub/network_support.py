"""Shared set-up for the network tests: protocol texts, officials, a validated idea."""
import pytest
from django.utils import translation

from hub_server.membership.models import Municipality
from hub_server.network import protocol_services
from hub_server.proposals import review_services

TEXTS = {"bs": "Općina i organizacije sarađuju.\nOpćina odgovara u roku.",
         "hr": "Općina i organizacije surađuju.", "sr-latn": "Opština i organizacije sarađuju. Ljubav, njiva, džep.",
         "en": "The municipality and the organisations cooperate."}


def municipality(name: str) -> Municipality:
    return Municipality.objects.get(name=name)


def publish(name: str, admin, **over):
    return protocol_services.protocol_publish(municipality=municipality(name), texts={**TEXTS, **over.pop("texts", {})},
                                              by=admin, **over)


def official(name: str, email: str, admin):
    user = protocol_services.official_add(municipality=municipality(name), email=email, full_name="Službenik",
                                          by=admin)
    user.set_password("pw-official-123")
    user.save()
    return user


def validated_idea(make, reviewer, bench_id="sa-1", **fields):
    return review_services.proposal_validate(proposal=make(bench_id, **fields), by=reviewer)


@pytest.fixture(autouse=True)
def english_messages():
    """Services speak the active language; the tests that import this read their English messages."""
    with translation.override("en"):
        yield
