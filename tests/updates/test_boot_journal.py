"""The boot journal (firmware/bootslot.py): which tree a boot runs, trials, rollback, safe mode.

Run under CPython on a directory standing for the flash; the same module runs on MicroPython in the
system tests (tests/updates/test_updates_system.py)."""
import importlib
import json

import pytest

DEEPSLEEP, PWRON, WDT = 4, 1, 3


@pytest.fixture
def slot(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    import sys

    path = list(sys.path)
    import bootslot

    importlib.reload(bootslot)
    yield bootslot
    sys.path[:] = path


def boot(slot, cause=PWRON):
    """A reset: the module starts fresh and reads the journal from flash."""
    importlib.reload(slot)
    return slot.select(cause)


def test_a_bench_without_journal_runs_its_factory_tree(slot):
    j = boot(slot)
    assert slot.ROOT == "" and slot.running() == (0, None, "factory") and j["unhealthy"] == 1


def test_a_trial_that_is_never_confirmed_goes_back_after_three_boots(slot):
    boot(slot)
    slot.update(trial={"dir": "app/7", "seq": 7, "version": "0.2.0", "tries": 0})
    for tries in (1, 2, 3):
        boot(slot, WDT)
        assert slot.ROOT == "app/7/" and slot.journal["trial"]["tries"] == tries
    boot(slot, WDT)
    assert slot.ROOT == "" and slot.journal["trial"] is None
    assert slot.journal["failed"] == {"seq": 7, "version": "0.2.0", "reason": "not confirmed after 3 boots"}
    assert slot.newest_seen() == 7  # the failed release cannot be offered again


def test_deep_sleep_wakes_are_not_failed_tries(slot):
    boot(slot)
    slot.update(trial={"dir": "app/7", "seq": 7, "version": "0.2.0", "tries": 0})
    for _ in range(10):
        boot(slot, DEEPSLEEP)
    assert slot.ROOT == "app/7/" and slot.journal["trial"]["tries"] == 0
    assert slot.confirm(7) and slot.running() == (7, "0.2.0", "good")
    boot(slot, PWRON)
    assert slot.ROOT == "app/7/" and slot.journal["good"]["seq"] == 7


def test_a_confirmed_release_stays_and_a_later_failure_goes_back_to_it(slot):
    boot(slot)
    slot.update(trial={"dir": "app/7", "seq": 7, "version": "0.2.0", "tries": 0})
    boot(slot)
    assert not slot.confirm(6) and slot.confirm(7)
    slot.update(trial={"dir": "app/8", "seq": 8, "version": "0.3.0", "tries": 0})
    boot(slot)
    assert slot.ROOT == "app/8/"
    slot.roll_back("not confirmed within 45 s")
    boot(slot)
    assert slot.ROOT == "app/7/" and slot.journal["failed"]["seq"] == 8


def test_repeated_unhealthy_boots_start_safe_mode_and_a_healthy_boot_counts_again(slot):
    for _ in range(slot.SAFE_AFTER):
        boot(slot)
    assert not slot.journal["safe"]
    boot(slot)
    assert slot.journal["safe"]
    slot.update(safe=False, unhealthy=0)  # the hub's leave_safe_mode, or a steady safe-mode uplink
    boot(slot)
    slot.mark_healthy()
    assert boot(slot)["unhealthy"] == 1 and not slot.journal["safe"]


def test_a_power_cut_while_writing_the_journal_leaves_the_old_or_the_new(slot, tmp_path):
    boot(slot)
    slot.update(good={"dir": "app/7", "seq": 7, "version": "0.2.0"})
    before = (tmp_path / "boot.json").read_text()
    (tmp_path / "boot.json.tmp").write_text('{"good": {"dir": "app/8", "se')  # cut mid-write: never renamed
    boot(slot)
    assert slot.ROOT == "app/7/"
    assert json.loads(before)["good"]["seq"] == 7


def test_an_unreadable_journal_falls_back_to_the_factory_tree(slot, tmp_path):
    (tmp_path / "boot.json").write_bytes(b"\xff\x00garbage")
    boot(slot)
    assert slot.ROOT == "" and slot.running()[2] == "factory"


def test_a_release_staged_for_the_next_boot_is_neither_running_nor_confirmable(slot):
    boot(slot)
    slot.update(good={"dir": "app/7", "seq": 7, "version": "0.2.0"})
    boot(slot)
    slot.update(trial={"dir": "app/8", "seq": 8, "version": "0.3.0", "tries": 0})  # staged by the updater
    assert slot.running() == (7, "0.2.0", "good") and not slot.running_trial()
    assert not slot.confirm(8)  # a confirmation for a tree that has not run yet proves nothing
    slot.roll_back("timer of the old tree")
    assert slot.journal["trial"]["seq"] == 8  # the old tree's clock does not cancel the staged one
    boot(slot)
    assert slot.running() == (8, "0.3.0", "trial") and slot.confirm(8)
    assert slot.running() == (8, "0.3.0", "good")
