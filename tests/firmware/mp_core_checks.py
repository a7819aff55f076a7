# Runs on the real MicroPython interpreter (ESP32 heap): the bench core's own checks.
import gc
import os

from benchcore import protocol
from benchcore.forms import FormError, parse_urlencoded, validate_proposal
from benchcore.outbox import Outbox

PATH = "mp_outbox.log"
failures = []


def check(name, cond):
    if not cond:
        failures.append(name)
        print("FAIL", name)


def quiet(_msg):
    pass


def pid(n):
    return "%016x" % n


try:
    os.remove(PATH)
except OSError:
    pass
box = Outbox(PATH)
box.add(pid(1), "prvi čćžšđ".encode())
before = open(PATH, "rb").read()
box.add(pid(2), "drugi љњџ".encode())
full = open(PATH, "rb").read()
for cut in range(len(before), len(full)):
    with open(PATH, "wb") as f:
        f.write(full[:cut])
    check("torn write at %d" % cut, Outbox(PATH, log=quiet).pending_ids() == [pid(1)])
with open(PATH, "wb") as f:
    f.write(full)
box = Outbox(PATH)
check("both records back", box.pending_ids() == [pid(1), pid(2)])
check("utf-8 payload intact", box.read(pid(2)) == "drugi љњџ".encode())
pieces = ["{", '"t":', '"љњџ čć €"', "}"]  # str pieces: lengths in bytes, not characters
box.add(pid(3), pieces)
check("str pieces stored as UTF-8", box.read(pid(3)) == "".join(pieces).encode())
check("str pieces survive a reload", Outbox(PATH).read(pid(3)) == "".join(pieces).encode())
box.acknowledge(pid(3))
box.acknowledge(pid(1))
box.acknowledge(pid(2))
check("log removed when empty", PATH not in os.listdir())

fields = parse_urlencoded(b"title=%C4%8Cesma&body=%D1%99%D1%9A%D1%9F&category=environment")
proposal = validate_proposal(fields)
check("form decoded", proposal["title"] == "Česma" and proposal["body"] == "љњџ")
try:
    parse_urlencoded(b"title=\xff")
    check("invalid utf-8 refused", False)
except FormError as exc:
    check("invalid utf-8 reason", exc.reason == "bad_encoding")
message = protocol.encode_proposal("sa-1", pid(7), proposal, None, 3)
check("message bytes", message.startswith(b'{"v":1,"id":"0000000000000007","bench":"sa-1"'))
check("raw utf-8 in message", "Česma".encode() in message)
try:
    protocol.decode_ack(b'{"ids": "nope"}')
    check("malformed ack refused", False)
except ValueError:
    pass
gc.collect()
print("heap free", gc.mem_free())
print("%d failed" % len(failures))
