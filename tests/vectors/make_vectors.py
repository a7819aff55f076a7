"""Writes protocol_v1.json: the golden vectors both sides must reproduce and read alike.

Run from the repository root: python tests/vectors/make_vectors.py. Bench -> hub bodies come from
the firmware's own encoders (benchcore.protocol, importable under CPython), hub -> bench bodies from
the hub's own builders (hub_server.fleet.messages); both are signed with the hub's HMAC. The hub
checks them under CPython (tests/firmware/test_vectors.py), the firmware on MicroPython
(tests/firmware/mp_vector_checks.py). "rejects" are bodies each side must refuse, with the reason.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "firmware"))
from benchcore import contract as c  # noqa: E402
from benchcore import protocol  # noqa: E402

from hub_server import signing  # noqa: E402
from hub_server.fleet import messages  # noqa: E402

KEY = bytes(range(32))
BENCH = "sa-centar-1"
PID = "00112233aabbccdd"
# One value for every telemetry key of the contract, in the order the bench sends them.
TELEMETRY = [(c.firmware, "0.1.0"), (c.outbox, 1), (c.heap_free, 61000), (c.heap_peak, 52000),
             (c.ap, True), (c.clients, 2), (c.batt_v, 13.21), (c.batt_a, 0.42), (c.soc, 76.5),
             (c.soc_valid, True), (c.solar_w, 18.5), (c.wh_in, 102.3), (c.wh_out, 40.1),
             (c.wh_chg, 61.0), (c.mode, "normal"), (c.faults, ["solar:i2c"]), (c.sensor_errors, [3, 0])]


def vectors():
    topic = c.TOPIC_ROOT + f"{BENCH}/"
    fields = {"title": "Česma u parku — čćžšđ", "body": "Нова чесма (љњџ)\n\"citat\" & <b>tag</b>\t\\ kraj",
              "category": "environment", "lang": "sr-cyrl", "consent": True}
    record = protocol.encode_proposal(BENCH, PID, fields, None, 42, 3, 7)
    meta = protocol.encode(((c.boot, 3), (c.up, 97), (c.now, 1796000000)))
    out = []

    def add(name, direction, leaf, body, extra=None):
        payload = signing.sign(topic=topic + leaf, body=body, key_id="k1", key=KEY)
        out.append({"name": name, "direction": direction, "topic": topic + leaf, "key_id": "k1",
                    "body": body.decode(), "payload": payload.decode(), **(extra or {})})

    add("proposal", "bench-to-hub", c.proposal, record + b"\n" + meta,
        {"fields": fields, "id": PID, "created": None, "uptime": 42, "boot": 3, "n": 7,
         "sent_uptime": 97, "sent_now": 1796000000})
    add("status", "bench-to-hub", c.status, protocol.status_body("online", 3, 1))
    add("telemetry", "bench-to-hub", c.telemetry, protocol.telemetry_body(3, 2, 60, None, TELEMETRY),
        {"pairs": [list(pair) for pair in TELEMETRY]})
    hub = messages.encode
    add("ack", "hub-to-bench", c.ack, hub(messages.ack_message(ids=[PID], now=1796000001, boot=3)))
    add("cmd-time", "hub-to-bench", c.cmd, hub(messages.cmd_message(n=1, command=c.time, now=1796000002)))
    add("cmd-rotate", "hub-to-bench", c.cmd, hub(messages.cmd_message(
        n=2, command=c.rotate_key, key_id="k2", nonce="00ff00ff00ff00ff")),
        {"derived_key": signing.derive_key(KEY, "k2", "00ff00ff00ff00ff").hex()})
    add("config", "hub-to-bench", c.config, hub(messages.config_message(
        version=1, settings={c.telemetry_s: 30, c.power: {"policy": {"saver_soc": 45}}})))
    add("digest", "hub-to-bench", c.digest, hub(messages.digest_message(version=1, digest={
        "v": 1, "bench": BENCH, "municipality": "Sarajevo Centar", "updated": "2026-11-28", "items": [
            {"receipt": "008J-4CXA", "title": "Česma u parku", "status": "planned", "answer": "Ljeto 2027.",
             "updated": "2026-11-28"}]})))
    return {"key": KEY.hex(), "bench": BENCH, "vectors": out, "rejects": rejects(record)}


def rejects(record):
    """Well-signed bodies with a value out of range or of the wrong type: (leaf, body, reason)."""
    proposal = json.loads(record)

    def with_(base, **over):
        return json.dumps({**base, **over}, ensure_ascii=False, separators=(",", ":"))

    status = {"state": "online", "boot": 3, "n": 1}
    telemetry = {"boot": 3, "n": 2, "up": 60, "now": None}
    return [
        [c.proposal, with_(proposal, boot=2 ** 31), "boot is not a valid count"],
        [c.proposal, with_(proposal, n=2 ** 63), "n is not a valid count"],
        [c.proposal, with_(proposal, created=10 ** 12), "created is not a valid time"],
        [c.proposal, with_(proposal, category="weather"), "category is not a valid choice"],
        [c.proposal, with_(proposal, title={"nested": ["junk"]}), "title is not a valid text"],
        [c.proposal, with_(proposal, consent="yes"), "consent is not a valid flag"],
        [c.status, with_(status, state="rebooting"), "state is not a valid choice"],
        [c.status, with_(status, n=-1), "n is not a valid count"],
        [c.telemetry, with_(telemetry, up=True), "up is not a valid count"],
        [c.telemetry, with_(telemetry, batt_v=1e300), "batt_v is not a valid number"],
        [c.telemetry, with_(telemetry, faults="ina219"), "faults is not a valid texts"],
        [c.telemetry, with_(telemetry, clients=2 ** 40), "clients is not a valid count"],
        [c.ack, '{"ids":5}', "ids is not a valid list"],
        [c.cmd, '{"n":2147483648,"cmd":"reboot"}', "n is not a valid count"],
        [c.cmd, '{"n":3,"cmd":"format_flash"}', "cmd is not a valid choice"],
        [c.config, '{"version":2,"settings":[]}', "settings is not a valid object"],
        [c.config, '{"version":2,"settings":{"telemetry_s":"often"}}', "telemetry_s is not a valid count"],
        [c.digest, '{"version":"2","items":[]}', "version is not a valid count"],
    ]


if __name__ == "__main__":
    target = Path(__file__).with_name("protocol_v1.json")
    target.write_text(json.dumps(vectors(), ensure_ascii=False, indent=1) + "\n")
    print(target)
