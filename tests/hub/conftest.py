import itertools

import pytest
from django.contrib.auth.models import Group

from hub_server.fleet.services import bench_register
from hub_server.membership import roles
from hub_server.membership.services import organisation_apply, organisation_approve
from hub_server.proposals.models import Proposal

_ids = itertools.count(1)


@pytest.fixture
def client():
    """A browser that asks for English (the hub's default is Bosnian): most hub tests assert English
    words; test_languages.py checks all five, test_portal.py and the citizens' pages ask for Bosnian."""
    from django.test import Client
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Services called directly by a test speak English (inside a request, the request's language)."""
    from django.utils import translation
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def make_proposal(bench_id="sa-1", **over):
    """A proposal row as the ingest stores it (the ingest's own parsing is tested in test_proposal_services)."""
    n = next(_ids)
    fields = {"id": f"{n:016x}", "bench_id": bench_id, "receipt": f"R{n:03d}-TEST"[:9], "title": f"Idea {n}",
              "body": "Nova česma u parku", "category": "environment", "lang": "bs", "name": "Ana",
              "contact": "ana@example.org", "consent": True}
    fields.update(over)
    return Proposal.objects.create(**fields)


def ensure_roles():
    """The groups the migration made; transactional tests (the browser's) flush them away."""
    from django.contrib.auth.models import Permission
    for name, perms in roles.GROUP_PERMISSIONS.items():
        group, created = Group.objects.get_or_create(name=name)
        if created:
            group.permissions.set([Permission.objects.get(content_type__app_label=a, codename=c) for a, c in perms])


@pytest.fixture
def benches(db):
    ensure_roles()
    return {"sa-1": bench_register(bench_id="sa-1", municipality="Sarajevo Centar")[0],
            "mo-1": bench_register(bench_id="mo-1", municipality="Mostar")[0]}


@pytest.fixture
def admin_user(db, django_user_model):
    user = django_user_model.objects.create_user("admin", email="admin@example.org", password="pw-admin-123")
    user.groups.add(Group.objects.get(name=roles.ADMINISTRATORS))
    return user


def make_reviewer(admin, municipality, reg):
    org = organisation_apply(name=f"CSO {reg}", registration_number=reg, municipalities=[municipality],
                             contact_name="Rev", contact_email=f"rev-{reg}@example.org", principles_accepted=True)
    user = organisation_approve(organisation=org, by=admin)
    user.set_password("pw-review-123")
    user.save()
    return user


@pytest.fixture
def sarajevo_reviewer(benches, admin_user):
    return make_reviewer(admin_user, "Sarajevo Centar", "REG-1")


@pytest.fixture
def mostar_reviewer(benches, admin_user):
    return make_reviewer(admin_user, "Mostar", "REG-2")


@pytest.fixture
def new_proposal(benches):
    return make_proposal
