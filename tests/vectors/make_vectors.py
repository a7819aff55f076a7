"""Writes protocol_v1.json: the golden vectors both sides must reproduce byte for byte.

Run from the repository root: python tests/vectors/make_vectors.py. The bytes come from the
protocol's specification (docs/protocol.md) as the hub implements it; the firmware is checked
against them on the real MicroPython interpreter (tests/firmware/test_vectors.py).
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from hub_server import signing  # noqa: E402

KEY = bytes(range(32))
BENCH = "sa-centar-1"


def dump(pairs):
    return json.dumps(dict(pairs), ensure_ascii=False, separators=(",", ":")).encode()


def vectors():
    topic = f"link/v1/b/{BENCH}/"
    fields = {"title": "Česma u parku — čćžšđ", "body": "Нова чесма (љњџ)\n\"citat\" & <b>tag</b>\t\\ kraj",
              "category": "environment", "lang": "sr-cyrl", "name": "Ana", "contact": "ana@example.org",
              "consent": True}
    record = dump([("v", 1), ("id", "00112233aabbccdd"), ("bench", BENCH), ("receipt", "008J-4CXA"),
                   ("title", fields["title"]), ("body", fields["body"]), ("category", fields["category"]),
                   ("lang", fields["lang"]), ("name", fields["name"]), ("contact", fields["contact"]),
                   ("consent", True), ("created", None), ("uptime", 42), ("boot", 3), ("n", 7)])
    meta = dump([("boot", 3), ("up", 97), ("now", 1796000000)])
    out = []

    def add(name, direction, leaf, body, extra=None):
        payload = signing.sign(topic=topic + leaf, body=body, key_id="k1", key=KEY)
        out.append({"name": name, "direction": direction, "topic": topic + leaf, "key_id": "k1",
                    "body": body.decode(), "payload": payload.decode(), **(extra or {})})

    add("proposal", "bench-to-hub", "proposal", record + b"\n" + meta,
        {"fields": fields, "id": "00112233aabbccdd", "created": None, "uptime": 42, "boot": 3, "n": 7,
         "sent_uptime": 97, "sent_now": 1796000000})
    add("status", "bench-to-hub", "status", dump([("state", "online"), ("boot", 3), ("n", 1)]))
    add("telemetry", "bench-to-hub", "telemetry", dump([("boot", 3), ("n", 2), ("up", 60), ("now", None),
                                                        ("firmware", "0.1.0"), ("outbox", 1)]))
    add("ack", "hub-to-bench", "ack", dump([("ids", ["00112233aabbccdd"]), ("now", 1796000001), ("boot", 3)]))
    add("cmd-rotate", "hub-to-bench", "cmd", dump([("n", 1), ("cmd", "rotate_key"), ("key_id", "k2"),
                                                    ("nonce", "00ff00ff00ff00ff")]),
        {"derived_key": signing.derive_key(KEY, "k2", "00ff00ff00ff00ff").hex()})
    add("digest", "hub-to-bench", "digest", dump([("version", 1), ("items", [
        {"receipt": "008J-4CXA", "title": "Česma u parku", "status": "planned", "answer": "Ljeto 2027.",
         "updated": "2026-11-28"}])]))
    return {"key": KEY.hex(), "bench": BENCH, "vectors": out}


if __name__ == "__main__":
    target = Path(__file__).with_name("protocol_v1.json")
    target.write_text(json.dumps(vectors(), ensure_ascii=False, indent=1) + "\n")
    print(target)
