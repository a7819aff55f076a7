"""FramedSocket (the socket under umqtt.simple): every wait bounded, and a broken stream never
mistaken for "the reply is still on its way" (which would make the uplink wait instead of reconnect)."""
import socket

import pytest

from benchcore.framed_socket import ETIMEDOUT, FramedSocket


@pytest.fixture
def pair():
    a, b = socket.socketpair()
    yield FramedSocket(a, wait_ms=50), b
    a.close()
    b.close()


def test_a_reply_not_yet_there_times_out_at_a_packet_boundary(pair):
    fs, peer = pair
    with pytest.raises(OSError) as exc:
        fs.read(4)
    assert exc.value.args[0] == ETIMEDOUT and fs.at_boundary
    peer.sendall(b"\x20\x02\x00\x00")
    assert fs.read(4) == b"\x20\x02\x00\x00" and fs.at_boundary


def test_a_packet_cut_in_the_middle_is_not_at_a_boundary(pair):
    fs, peer = pair
    peer.sendall(b"\x30\x05ab")  # a PUBLISH whose last 3 bytes never come
    assert fs.read(1) == b"\x30"
    with pytest.raises(OSError) as exc:
        fs.read(6)
    assert exc.value.args[0] == ETIMEDOUT and not fs.at_boundary


def test_the_broker_closing_during_connect_is_an_oserror_not_an_indexerror(pair):
    # Found by the chaos run: the proxy (or a broker going down) closed the connection right after
    # CONNECT; read(4) returned b"" and umqtt's connect() failed on resp[0] with IndexError.
    fs, peer = pair
    peer.close()
    with pytest.raises(OSError) as exc:
        fs.read(4)
    assert exc.value.args[0] == -1 and not fs.at_boundary


def test_a_send_that_cannot_finish_breaks_the_stream(pair):
    # A dead link that stops reading: the send buffer fills, write() gives up after wait_ms. Part of
    # the packet may be out, so the uplink must reconnect, not wait for a reply (at_boundary False).
    fs, peer = pair
    assert fs.at_boundary
    with pytest.raises(OSError) as exc:
        for _ in range(1000):
            fs.write(b"x" * 65536)
    assert exc.value.args[0] == ETIMEDOUT and not fs.at_boundary
