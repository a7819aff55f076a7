# The firmware against the golden vectors, on the real MicroPython interpreter.
import json
from binascii import hexlify, unhexlify

from benchcore import contract, protocol, signing
from benchcore.downlink import Downlink

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
    if name == "status":
        check("status body", protocol.status_body("online", 3, 1) == body)
    if name == "telemetry":
        pairs = [tuple(p) for p in v["pairs"]]
        check("telemetry body", protocol.telemetry_body(3, 2, 60, None, pairs) == body)
        check("telemetry fits the contract", contract.check(json.loads(body), contract.SPECS[contract.telemetry]))
    if v["direction"] == "hub-to-bench" and name != "ack":
        # the bench's own downlink takes the hub's real message (a throwaway state and keyring)
        class State:
            data = {}

            def get(self, k, d=None):
                return self.data.get(k, d)

            def update(self, **kw):
                self.data.update(kw)

        class Keys:
            keys = {"k1": key}

            def rotate(self, key_id, nonce):
                self.rotated = (key_id, nonce)

        applied = []
        down = Downlink(State(), Keys(), log=lambda m: None, on_config=applied.append)
        try:
            down.handle(topic[topic.rfind("/") + 1:], protocol.open_hub_message(topic, payload, {"k1": key}))
            check(name + " applied", name != "config" or applied == [json.loads(body)["settings"]])
        except ValueError as exc:
            check(name + " accepted by the bench (%s)" % exc, False)
    if name == "cmd-rotate":
        derived = signing.derive_key(key, "k2", "00ff00ff00ff00ff")
        check("rotation derives the same key", hexlify(derived).decode() == v["derived_key"])
# negative vectors: the bench refuses every one its side would receive, and names the same reason
hub_specs = {"ack": contract.SPECS[contract.ack], "cmd": contract.SPECS[contract.cmd], "config": contract.SPECS[contract.config],
             "digest": contract.SPECS[contract.digest]}
bench_specs = {"proposal": contract.SPECS[contract.proposal], "status": contract.SPECS[contract.status],
               "telemetry": contract.SPECS[contract.telemetry]}
for leaf, body, reason in spec["rejects"]:
    msg = json.loads(body)
    if leaf in hub_specs:
        try:
            if leaf == "ack":
                protocol.decode_ack(msg)
            else:
                Downlink(None, None, log=lambda m: None).handle(leaf, msg)
            check("bench refuses %s %s" % (leaf, body[:40]), False)
        except ValueError as exc:
            check("bench names %r for %s" % (reason, leaf), reason in str(exc))
    else:
        try:
            contract.check(msg, bench_specs[leaf])
            check("contract refuses %r" % reason, False)
        except ValueError as exc:
            check("contract names %r" % reason, str(exc) == reason)
print("%d failed" % len(failures))
