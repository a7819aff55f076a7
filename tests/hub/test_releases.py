"""Releases on the hub: registered and signed from a `bench image --release` tree, served to
benches with Range, rolled out canary -> share -> all from what the benches report, halted on
rollbacks, every step audited and shown on the fleet dashboard."""
import json
from datetime import datetime, timezone

import pytest

from hub_server.releases import services
from hub_server.releases.contract import bench_release
from hub_server.releases.keys import public_key_hex, release_key
from hub_server.releases.models import ReleaseEvent, Rollout, RolloutBench
from benchcore import contract

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)


@pytest.fixture
def tree(tmp_path):
    """A small release tree with its manifest draft, as `bench image --release` writes it."""
    from edge_agent.firmware_image import manifest_files

    root = tmp_path / "rel"
    (root / "benchcore").mkdir(parents=True)
    (root / "benchcore" / "app.mpy").write_bytes(b"\x4d\x06" + b"x" * 3000)
    (root / "www" / "bs").mkdir(parents=True)
    (root / "www" / "bs" / "index.html.gz").write_bytes(b"gz" * 500)
    (root / "manifest.json").write_text(json.dumps({"format": 1, "version": "0.2.0", "files": manifest_files(root)}))
    return root


@pytest.fixture(autouse=True)
def release_store(tmp_path, settings):
    settings.HUB_RELEASES_DIR = tmp_path / "releases"
    settings.HUB_RELEASE_KEY_FILE = tmp_path / "release_key.pem"
    settings.HUB_RELEASES_URL = "http://hub.test/releases/"
    release_key(create=True)


def report(bench_id, **values):
    data = {"firmware": "x", "app_seq": 0, "update": "idle", "update_seq": 0, **values}
    services.bench_update_report(bench_id=bench_id, data=data, received=NOW)


def test_a_release_is_numbered_signed_and_accepted_by_the_bench_check(tree, settings):
    first = services.release_add(tree=tree, actor="ops")
    second = services.release_add(tree=tree, actor="ops")
    assert (first.seq, second.seq) == (1, 2)
    stored = settings.HUB_RELEASES_DIR / "2"
    manifest = (stored / "manifest.json").read_bytes()
    header, entries = bench_release.check(manifest, (stored / "manifest.sig").read_bytes(),
                                          bytes.fromhex(public_key_hex(release_key())), 1)
    assert header["seq"] == 2 and header["version"] == "0.2.0" and len(entries) == 2
    assert (stored / "benchcore" / "app.mpy").read_bytes() == (tree / "benchcore" / "app.mpy").read_bytes()
    assert ReleaseEvent.objects.filter(verb="release_add").count() == 2


def test_a_tree_changed_after_the_build_is_refused(tree):
    (tree / "benchcore" / "app.mpy").write_bytes(b"tampered")
    with pytest.raises(services.ReleaseError, match="differs from the manifest draft"):
        services.release_add(tree=tree, actor="ops")


def test_files_are_served_with_range_and_nothing_outside_the_release(tree, client):
    services.release_add(tree=tree, actor="ops")
    whole = client.get("/releases/1/benchcore/app.mpy")
    assert whole.status_code == 200 and len(whole.content) == 3002
    rest = client.get("/releases/1/benchcore/app.mpy", HTTP_RANGE="bytes=1000-")
    assert rest.status_code == 206 and rest.content == whole.content[1000:]
    assert rest["Content-Range"] == "bytes 1000-3001/3002"
    assert client.get("/releases/1/benchcore/app.mpy", HTTP_RANGE="bytes=5000-").status_code == 416
    for path in ("../release_key.pem", "..%2F..%2Frelease_key.pem", "nope.mpy"):
        assert client.get("/releases/1/" + path).status_code == 404
    assert client.post("/releases/1/benchcore/app.mpy").status_code == 405


def test_a_rollout_goes_canary_then_share_then_all(tree, benches):
    from hub_server.fleet.services import bench_register

    for i in range(3, 7):
        bench_register(bench_id=f"b-{i}", municipality="Tuzla")
    release = services.release_add(tree=tree, actor="ops")
    rollout = services.rollout_start(seq=release.seq, canary="sa-1", share_pct=50, halt_after=1, actor="ops")
    sent = services.rollout_tick(now=NOW)
    assert [t for t, _ in sent] == [contract.TOPIC_ROOT + "sa-1/cmd"]
    assert json.loads(sent[0][1].split(b"\n")[0])["cmd"] == "update"
    report("sa-1", app_seq=1, update="trial", update_seq=1)
    confirm = services.rollout_tick(now=NOW)
    assert len(confirm) == 1 and b'"release_confirm"' in confirm[0][1]
    report("sa-1", app_seq=1, update="good", update_seq=1)
    share = services.rollout_tick(now=NOW)
    rollout.refresh_from_db()
    assert rollout.stage == "share" and len(share) == 3  # half of the five others, rounded
    for bench_id in RolloutBench.objects.filter(stage="share").values_list("bench_id", flat=True):
        report(bench_id, app_seq=1, update="good", update_seq=1)
    services.rollout_tick(now=NOW)
    rollout.refresh_from_db()
    assert rollout.stage == "all"
    for bench_id in RolloutBench.objects.filter(stage="all").values_list("bench_id", flat=True):
        report(bench_id, app_seq=1, update="good", update_seq=1)
    services.rollout_tick(now=NOW)
    rollout.refresh_from_db()
    assert rollout.stage == "done" and rollout.benches.filter(state="updated").count() == 6
    verbs = list(ReleaseEvent.objects.order_by("id").values_list("verb", flat=True))
    assert verbs[:3] == ["release_add", "rollout_start", "update_sent"] and verbs.count("rollout_stage") == 3


def test_a_rollback_halts_the_rollout_before_the_fleet_gets_it(tree, benches):
    release = services.release_add(tree=tree, actor="ops")
    rollout = services.rollout_start(seq=release.seq, canary="sa-1", halt_after=1, actor="ops")
    services.rollout_tick(now=NOW)
    report("sa-1", app_seq=0, update="rolled_back", update_seq=1, update_detail="not confirmed after 3 boots")
    assert services.rollout_tick(now=NOW) == []
    rollout.refresh_from_db()
    assert rollout.stage == "halted" and "rolled back" in rollout.halted_reason
    assert not RolloutBench.objects.filter(bench_id="mo-1").exists()
    assert services.rollout_tick(now=NOW) == []  # halted stays halted
    assert ReleaseEvent.objects.filter(verb="rollout_halt").count() == 1


def test_a_release_sent_outside_a_rollout_is_confirmed_once_the_bench_runs_it(tree, benches):
    release = services.release_add(tree=tree, actor="ops")
    services.update_send(bench_id="sa-1", seq=release.seq, actor="ops")
    report("mo-1", app_seq=release.seq, update="trial", update_seq=release.seq)  # never sent to mo-1
    assert services.rollout_tick(now=NOW) == []
    report("sa-1", app_seq=release.seq, update="trial", update_seq=release.seq)
    confirm = services.rollout_tick(now=NOW)
    assert [t for t, _ in confirm] == [contract.TOPIC_ROOT + "sa-1/cmd"] and b'"release_confirm"' in confirm[0][1]
    assert services.rollout_tick(now=NOW) == []  # once


def test_an_update_report_out_of_its_spec_is_not_kept(benches):
    from hub_server.releases.models import BenchUpdate

    report("sa-1", firmware="0.2.0", app_seq=1, update="good", update_seq=1)
    for bad in ({"update": "bricked"}, {"update_seq": -1}, {"update_detail": "x" * 81}, {"safe_mode": "yes"}):
        report("sa-1", **{"firmware": "0.3.0", "app_seq": 2, "update_seq": 2, "update": "good", **bad})
    kept = BenchUpdate.objects.get(pk="sa-1")
    assert (kept.version, kept.app_seq, kept.state) == ("0.2.0", 1, "good")


def test_the_dashboard_shows_versions_update_states_and_rollout_progress(tree, benches, admin_user, client):
    release = services.release_add(tree=tree, actor="ops")
    services.rollout_start(seq=release.seq, canary="sa-1", actor="ops")
    services.rollout_tick(now=NOW)
    report("sa-1", firmware="0.2.0", app_seq=1, update="good", update_seq=1, reset_cause=3)
    report("mo-1", firmware="0.1.0", update="refused", update_seq=1, update_detail="bad signature", safe_mode=True)
    services.rollout_tick(now=NOW)
    client.force_login(admin_user)
    page = client.get("/fleet/").content.decode()
    assert "Releases and updates" in page and "0.2.0 (#1)" in page and "watchdog" in page
    assert "bad signature" in page and "safe mode" in page and "1 of 2 benches updated" in page
