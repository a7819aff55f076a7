"""One progress line: simulated time, ideas submitted and delivered, and each bench's state.

    Tue 08 Dec 14:05 (+1d07h)  submitted 312  delivered 305  refused 2  | sarajevo-centar-1 ok 71% ...

A bench's state: `ok`, `off` (no power), `no-link` (its uplink is down), `q5` (five ideas waiting in
its outbox), then its state of charge from its last telemetry and its power mode if not normal.
"""
from datetime import timedelta


def bench_states(fleet) -> dict:
    last_sample, last_tel = {}, {}
    with fleet._lock:
        for s in fleet.samples:
            last_sample[s["bench"]] = s
        for t in fleet.telemetry:
            last_tel[t["bench"]] = t
    out = {}
    for bench_id in fleet.stack.benches:
        s, t = last_sample.get(bench_id), last_tel.get(bench_id)
        if bench_id in fleet.down:
            state = "off"
        elif bench_id in fleet.asleep:
            state = "sleep"
        elif s and not s["up"]:
            state = "down"
        elif s and not s["uplink"]:
            state = "no-link"
        elif s and s["outbox"]:
            state = "q%d" % s["outbox"]
        else:
            state = "ok"
        if t and t.get("soc") is not None:
            state += " %d%%" % t["soc"]
        if t and t.get("mode") not in (None, "normal"):
            state += " " + t["mode"]
        out[bench_id] = state
    return out


def counts(fleet) -> dict:
    with fleet._lock:
        receipts = [v["receipt"] for v in fleet.visits if v["receipt"]]
        refused = sum(1 for v in fleet.visits if not v["receipt"])
        delivered = sum(1 for r in receipts if r in fleet.acks)
    return {"submitted": len(receipts), "delivered": delivered, "refused": refused}


def line(fleet) -> str:
    sim = fleet.sim_now()
    local = fleet.sc.start + timedelta(seconds=sim)
    d, rest = divmod(int(sim), 86400)
    c = counts(fleet)
    states = "  ".join("%s %s" % (b.rsplit("-1", 1)[0], s) for b, s in bench_states(fleet).items())
    return "%s (+%dd%02dh)  submitted %d  delivered %d  refused %d  | %s" % (
        local.strftime("%a %d %b %H:%M"), d, rest // 3600, c["submitted"], c["delivered"], c["refused"], states)
