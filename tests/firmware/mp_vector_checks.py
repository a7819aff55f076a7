# The firmware against the golden vectors, on the real MicroPython interpreter.
import json
from binascii import hexlify, unhexlify

from benchcore import protocol, signing

failures = []


def check(name, cond):
    if not cond:
        failures.append(name)
        print("FAIL", name)


with open(VECTORS) as f:  # noqa: F821 - set by the test before this script runs
    spec = json.load(f)
key = unhexlify(spec["key"])
for v in spec["vectors"]:
    name = v["name"]
    body = v["body"].encode()
    payload = v["payload"].encode()
    topic = v["topic"]
    if v["direction"] == "bench-to-hub":
        check(name + " signs identically", signing.sign(topic, body, v["key_id"], key) == payload)
    else:
        got, key_id = signing.verify(topic, payload, {"k1": key})
        check(name + " verifies", got == body and key_id == "k1")
        try:
            signing.verify(topic.replace("sa-centar-1", "mostar-1"), payload, {"k1": key})
            check(name + " refused on another topic", False)
        except signing.SignatureError:
            pass
    if name == "proposal":
        record = protocol.encode_proposal(spec["bench"], v["id"], v["fields"], v["created"], v["uptime"],
                                          v["boot"], v["n"])
        check("proposal record bytes", record == body.split(b"\n")[0])
        signed = protocol.proposal_payload(topic, record, v["boot"], v["sent_uptime"], v["sent_now"], "k1", key)
        check("proposal payload bytes", signed == payload)
    if name == "ack":
        msg = protocol.open_hub_message(topic, payload, {"k1": key})
        check("ack ids", protocol.decode_ack(msg) == ["00112233aabbccdd"])
    if name == "cmd-rotate":
        derived = signing.derive_key(key, "k2", "00ff00ff00ff00ff")
        check("rotation derives the same key", hexlify(derived).decode() == v["derived_key"])
print("%d failed" % len(failures))
