import pytest


@pytest.fixture(scope="session")
def provisioning_hub(tmp_path_factory):
    """A hub with its web API, broker and ingest, and a technician's staff token (stack.token) that may
    register benches: shared by the technicians' tool and guide tests (one migration, one broker). The broker
    follows the hub: provisioning hands it the bench's credentials, no operator step."""
    from tests.support import running_hub

    with running_hub(tmp_path_factory.mktemp("provisioning-hub")) as stack:
        stack.broker_follows_hub()
        stack.start_web()
        stack.hub("shell", "-c", "from django.contrib.auth.models import User, Permission\n"
                  "u = User.objects.create_user('tech', password='pw-tech-123')\n"
                  "u.user_permissions.set(Permission.objects.filter(codename__in=['add_bench', 'change_bench']))")
        stack.token = stack.hub("api-token", "tech").strip()
        yield stack
