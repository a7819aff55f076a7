"""The flash outbox keeps every proposal until its ack, whatever happens to the file."""
import os

import pytest

from benchcore.outbox import Outbox, OutboxFull


def pid(n):
    return "%016x" % n


def test_proposals_survive_a_restart_until_acknowledged(tmp_path):
    path = str(tmp_path / "outbox.log")
    box = Outbox(path)
    for n in range(3):
        box.add(pid(n), ("prijedlog %d čćžšđ" % n).encode())
    box.acknowledge(pid(1))
    again = Outbox(path)
    assert again.pending_ids() == [pid(0), pid(2)]
    assert again.read(pid(2)) == "prijedlog 2 čćžšđ".encode()


def test_the_log_is_deleted_when_the_last_proposal_is_acknowledged(tmp_path):
    path = tmp_path / "outbox.log"
    box = Outbox(str(path))
    box.add(pid(1), b"x")
    assert box.acknowledge(pid(1)) is True
    assert not path.exists()
    assert box.acknowledge(pid(1)) is False  # a repeated ack changes nothing


def test_a_full_outbox_refuses_new_proposals_and_keeps_the_old(tmp_path):
    box = Outbox(str(tmp_path / "outbox.log"), capacity=2)
    box.add(pid(1), b"a")
    box.add(pid(2), b"b")
    with pytest.raises(OutboxFull):
        box.add(pid(3), b"c")
    assert Outbox(str(tmp_path / "outbox.log")).pending_ids() == [pid(1), pid(2)]


def test_compaction_frees_the_space_of_acknowledged_records(tmp_path):
    path = str(tmp_path / "outbox.log")
    box = Outbox(path, capacity=100, max_bytes=600)
    for n in range(40):
        box.add(pid(n), b"y" * 40)
        if n > 2:
            box.acknowledge(pid(n - 2))
    assert os.path.getsize(path) <= 600
    assert Outbox(path).pending_ids() == [pid(0), pid(38), pid(39)]


def test_a_power_cut_at_any_byte_of_an_append_keeps_the_earlier_records(tmp_path):
    path = tmp_path / "outbox.log"
    box = Outbox(str(path))
    box.add(pid(1), "prvi".encode())
    before = path.read_bytes()
    box.add(pid(2), "drugi".encode())
    full = path.read_bytes()
    for cut in range(len(before), len(full)):
        path.write_bytes(full[:cut])
        assert Outbox(str(path), log=lambda m: None).pending_ids() == [pid(1)], cut
    path.write_bytes(full)
    assert Outbox(str(path)).pending_ids() == [pid(1), pid(2)]


def test_a_corrupted_record_is_skipped_and_the_ones_after_it_still_count(tmp_path):
    path = tmp_path / "outbox.log"
    box = Outbox(str(path))
    for n in range(3):
        box.add(pid(n), b"payload-%d" % n)
    data = bytearray(path.read_bytes())
    record = len(data) // 3
    for offset in range(record, 2 * record):
        damaged = bytearray(data)
        damaged[offset] ^= 0x5A
        path.write_bytes(bytes(damaged))
        survivors = Outbox(str(path), log=lambda m: None).pending_ids()
        assert survivors == [pid(0), pid(2)], offset


def test_acks_out_of_order_and_a_restart_keep_the_rest_in_order(tmp_path):
    path = str(tmp_path / "outbox.log")
    box = Outbox(path, capacity=300)
    for n in range(250):
        box.add(pid(n), b"p%d" % n)
    for n in (0, 100, 249, 5):
        assert box.acknowledge(pid(n))
    expected = [pid(n) for n in range(250) if n not in (0, 100, 249, 5)]
    assert box.pending_ids() == expected and box.oldest() == pid(1)
    assert box.read(pid(101)) == b"p101"
    box._compact()
    # a bench whose capacity was lowered since still loads all it holds (the index grows)
    assert Outbox(path, capacity=200).pending_ids() == expected
    assert box.read(pid(248)) == b"p248"
