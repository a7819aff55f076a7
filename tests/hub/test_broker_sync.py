"""The broker follows the hub (HUB_BROKER_DIR, HUB_BROKER_RELOAD): a registered or re-provisioned bench's
credentials reach the broker's password file once committed, the old ones leave it, and a broker that
cannot be told loses nothing of the provisioning. The real broker's side: test_technician_tools.py."""
import logging

import pytest

from hub_server.fleet.services import bench_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_dir(tmp_path, settings):
    settings.HUB_BROKER_DIR = str(tmp_path)
    settings.HUB_BROKER_RELOAD = f"touch {tmp_path / 'reloaded'}"
    return tmp_path


def _passwd(broker_dir) -> dict:
    return dict(line.split(":", 1) for line in (broker_dir / "passwd").read_text().splitlines())


def test_registering_and_reprovisioning_rewrite_the_password_file_and_reload(broker_dir,
                                                                          django_capture_on_commit_callbacks):
    from hub_server.fleet.models import Bench

    with django_capture_on_commit_callbacks(execute=True):
        _, first = bench_register(bench_id="tz-1", municipality="Tuzla")
    entries = _passwd(broker_dir)
    assert entries["tz-1"] == Bench.objects.get(pk="tz-1").mqtt_password_hash and "hub-ingest" in entries
    assert (broker_dir / "reloaded").exists() and "pattern write" in (broker_dir / "acl").read_text()
    with django_capture_on_commit_callbacks(execute=True):
        _, second = bench_register(bench_id="tz-1", municipality="Tuzla")  # a stolen board: new credentials
    assert _passwd(broker_dir)["tz-1"] == Bench.objects.get(pk="tz-1").mqtt_password_hash != entries["tz-1"]
    assert second["mqtt_password"] != first["mqtt_password"]


def test_nothing_reaches_the_broker_before_the_commit(broker_dir, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bench_register(bench_id="tz-2", municipality="Tuzla")
    assert not (broker_dir / "passwd").exists() and len(callbacks) == 1


def test_a_broker_that_cannot_be_reloaded_is_logged_and_the_bench_stays_registered(broker_dir, settings, caplog,
                                                                                django_capture_on_commit_callbacks):
    from hub_server.fleet.models import Bench

    settings.HUB_BROKER_RELOAD = "false"
    with caplog.at_level(logging.ERROR, logger="hub.broker"), django_capture_on_commit_callbacks(execute=True):
        bench_register(bench_id="tz-3", municipality="Tuzla")
    assert Bench.objects.filter(pk="tz-3").exists()
    assert "run `hub broker-config` and reload it" in caplog.text


def test_without_the_setting_the_hub_leaves_the_broker_to_its_operator(tmp_path, settings,
                                                                     django_capture_on_commit_callbacks):
    settings.HUB_BROKER_DIR = ""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        bench_register(bench_id="tz-4", municipality="Tuzla")
    assert not callbacks and not (tmp_path / "passwd").exists()  # nothing queued for the broker


def test_a_deleted_bench_leaves_the_password_file(broker_dir, django_capture_on_commit_callbacks):
    from hub_server.fleet.models import Bench

    with django_capture_on_commit_callbacks(execute=True):
        bench_register(bench_id="tz-5", municipality="Tuzla")
    assert "tz-5" in _passwd(broker_dir)
    with django_capture_on_commit_callbacks(execute=True):
        Bench.objects.filter(pk="tz-5").delete()
    assert "tz-5" not in _passwd(broker_dir) and "hub-ingest" in _passwd(broker_dir)
