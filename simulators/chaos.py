"""`benchsim chaos`: store-and-forward under power cuts, broker and hub restarts and a bad uplink.

Real parts only: MicroPython benches running the firmware, Mosquitto with the project's config,
the hub's ingest worker on SQLite (or STACK_DATABASE_URL). Every bench reaches the broker through
its own FaultProxy (simulators/faultproxy.py). Citizens (client threads) submit proposals through
the benches' portals (POST /proposals, the receipt read from the thanks page) while a chaos thread
SIGKILLs benches, restarts the broker and the ingest worker, and cuts, delays, blackholes and
refuses links. Then everything recovers, the run waits for every outbox to empty, and compares the
receipts the citizens got with what the hub stored (`hub proposals --json`, `hub deliveries --json`).

A submission counts as `submitted` only when the citizen saw a receipt. A failed one (bench down,
503 outbox full, connection reset) is counted as `refused` and the idea is submitted again later.
A proposal the bench stored while the citizen never saw its receipt (a power cut between the flash
write and the answer) reaches the hub all the same: it is reported as `stored_without_receipt`,
neither lost nor a duplicate.

The portal's request limits are per client address, and all clients here are 127.0.0.1: the benches
get a portal config (burst/every_ms/post_burst/post_every_ms) that lifts them for the run. The MQTT
keepalive is 10 s (default 30) so a blackholed connection is found dead within 15 s.
"""
import json
import random
import re
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from simulators.bench import BenchProcess, bench_config, prepare_flash
from simulators.faultproxy import FaultProxy
from simulators.stack import Stack, free_port

FAULT_KINDS = ("kill", "broker_restart", "ingest_restart", "cut", "delay", "blackhole", "refuse")
_RECEIPT = re.compile(r'class="code"><strong>([0-9A-Z]{4}-[0-9A-Z]{4})</strong>')
CHAOS_PORTAL = {"burst": 100000, "every_ms": 1, "post_burst": 100000, "post_every_ms": 1}
CATEGORIES = ("environment", "transport", "culture", "social", "infrastructure", "other")


def submit(url, fields, timeout=10.0):
    """POST a proposal like a phone; returns the receipt, or None (with the reason) if there is none."""
    data = urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(url + "/proposals", data=data,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            page = resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return None, "http %d" % err.code
    except (OSError, ValueError) as exc:  # refused, reset, timed out, a torn answer
        return None, type(exc).__name__
    match = _RECEIPT.search(page)
    return (match.group(1), None) if match else (None, "no receipt on the page")


def get_json(url, timeout=2.0):
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return json.loads(resp.read())


def add_proxied_bench(stack, bench_id, municipality, portal=None, creds=None, image=None, **mqtt):
    """Register a bench with the hub (unless creds, what `hub bench-add` printed, are given) and give
    it a flash whose uplink goes through its own FaultProxy to the stack's broker (not started).
    Returns (proxy, BenchProcess). Register before the broker starts, or call stack.reload_broker() after."""
    creds = creds or json.loads(stack.hub("bench-add", bench_id, "--municipality", municipality))
    proxy = FaultProxy(stack.broker_port, name=bench_id).start()
    cfg = bench_config(bench_id, municipality, "127.0.0.1", proxy.port, free_port(),
                       mqtt_user=creds["mqtt_user"], mqtt_password=creds["mqtt_password"],
                       key=creds["key"], key_id=creds["key_id"])
    cfg["portal"].update(CHAOS_PORTAL if portal is None else portal)
    cfg["mqtt"].update(mqtt)
    bench = BenchProcess(prepare_flash(stack.dir / "benches" / bench_id, cfg, image))
    stack.benches[bench_id] = bench
    return proxy, bench


class Chaos:
    def __init__(self, workdir: Path, benches=12, proposals=2000, clients=6, seed=None, duration_s=None,
                 fault_gap_s=(0.5, 2.5), recovery_timeout_s=300.0, keepalive=10, echo=None):
        self.dir = Path(workdir)
        self.n_benches = benches
        self.target = proposals
        self.n_clients = clients
        self.seed = seed if seed is not None else random.randrange(1 << 30)
        self.rng = random.Random(self.seed)
        # Submissions are spread over duration_s (default: 10 a second), and faults go on for as long,
        # so that they hit the benches while their outboxes are filling and draining.
        self.duration_s = proposals / 10.0 if duration_s is None else duration_s
        self.fault_gap_s = fault_gap_s
        self.recovery_timeout_s = recovery_timeout_s
        self.keepalive = keepalive
        self.echo = echo or (lambda line: None)
        self.stack = Stack(self.dir / "stack")
        self.proxies: dict[str, FaultProxy] = {}
        self.receipts = {}  # receipt -> bench id
        self.refused = {}  # reason -> count
        self.faults = {k: 0 for k in FAULT_KINDS}
        self.peak_heap = {}
        self._lock = threading.Lock()
        self._stack_lock = threading.RLock()  # broker / ingest / bench process changes
        self._submitting = True
        self._down = set()  # benches being power-cycled
        self._issued = 0
        self.chaos_errors = []

    # -- setup --------------------------------------------------------------
    def _add_bench(self, bench_id, municipality):
        proxy, _ = add_proxied_bench(self.stack, bench_id, municipality, keepalive=self.keepalive, connect_timeout_s=5)
        self.proxies[bench_id] = proxy

    def setup(self):
        st = self.stack
        st.migrate()
        for i in range(self.n_benches):
            self._add_bench("chaos-%d" % (i + 1), "Opština %d" % (i + 1))
        st.start_broker()
        st.start_ingest()
        for bench in st.benches.values():
            bench.start()
        for bench in st.benches.values():
            bench.wait_ready(60)

    # -- citizens -----------------------------------------------------------
    def _next_idea(self):
        with self._lock:
            if self._issued >= self.target:
                return None
            self._issued += 1
            return self._issued

    def _client(self, k):
        rng = random.Random(self.seed * 31 + k)
        benches = sorted(self.stack.benches)
        idea = self._next_idea()
        while idea is not None:
            bench_id = rng.choice(benches)
            bench = self.stack.benches[bench_id]
            fields = {"title": "Ideja %d s klupe" % idea, "body": "Prijedlog broj %d: klupa %s, čćžšđ." % (idea, bench_id),
                      "category": CATEGORIES[idea % len(CATEGORIES)]}
            receipt, why = submit(bench.portal_url, fields)
            with self._lock:
                if receipt:
                    self.receipts[receipt] = bench_id
                else:
                    self.refused[why] = self.refused.get(why, 0) + 1
            if receipt:
                idea = self._next_idea()
                if idea is not None:  # keep to the schedule: idea i is due at i / target * duration
                    due = self._t0 + (idea - 1) * self.duration_s / self.target
                    time.sleep(max(0.0, due - time.monotonic()))
            else:
                time.sleep(0.1 + rng.random() * 0.3)  # the citizen tries again, maybe at another bench

    # -- chaos --------------------------------------------------------------
    def _power_cycle(self, bench_id, off_s):
        try:
            with self._stack_lock:
                self.stack.benches[bench_id].kill()
            time.sleep(off_s)
            with self._stack_lock:
                self._restart_bench(bench_id)
        finally:
            with self._lock:
                self._down.discard(bench_id)

    def _restart_bench(self, bench_id):
        old = self.stack.benches[bench_id]
        self.peak_heap[bench_id] = max(self.peak_heap.get(bench_id, 0), old.peak_heap)
        old.stop()
        bench = BenchProcess(old.flash, heap=old.heap)
        bench.peak_heap = old.peak_heap
        self.stack.benches[bench_id] = bench
        bench.start()
        bench.wait_ready(60)

    def _link_fault(self, proxy, kind, seconds):
        getattr(proxy, kind)(*((self.rng.choice((200, 500, 1000)),) if kind == "delay" else ()))
        time.sleep(seconds)
        proxy.passthrough()

    def inject(self, kind):
        rng, st = self.rng, self.stack
        self.faults[kind] += 1
        self.echo("chaos: %s" % kind)
        if kind == "kill":
            with self._lock:
                up = [b for b in sorted(st.benches) if b not in self._down]
                if not up:
                    return
                victim = rng.choice(up)
                self._down.add(victim)
            threading.Thread(target=self._power_cycle, args=(victim, rng.uniform(0.2, 2.0)), daemon=True).start()
        elif kind == "broker_restart":
            with self._stack_lock:
                st.stop_broker()
            time.sleep(rng.uniform(0.3, 2.0))
            with self._stack_lock:
                st.start_broker()
        elif kind == "ingest_restart":
            with self._stack_lock:
                st.stop_ingest(kill=rng.random() < 0.5)
            time.sleep(rng.uniform(0.3, 2.0))
            with self._stack_lock:
                st.start_ingest()
        elif kind == "cut":
            rng.choice(list(self.proxies.values())).cut()
        else:
            proxy = rng.choice(list(self.proxies.values()))
            threading.Thread(target=self._link_fault, args=(proxy, kind, rng.uniform(1.0, 5.0)), daemon=True).start()

    def _chaos(self, started):
        order = list(FAULT_KINDS)
        self.rng.shuffle(order)  # every kind once first, then at random
        while True:
            time.sleep(self.rng.uniform(*self.fault_gap_s))
            with self._lock:
                submitting = self._issued < self.target or any(t.is_alive() for t in self._clients)
            if not submitting and not order and time.monotonic() - started >= self.duration_s:
                return
            kind = order.pop() if order else self.rng.choice(FAULT_KINDS)
            try:
                self.inject(kind)
            except Exception as exc:  # a restart that failed under load: note it, recovery restarts all
                self.chaos_errors.append("%s: %r" % (kind, exc))
                self.echo("chaos: %s failed: %r" % (kind, exc))

    # -- recovery and the verdict -------------------------------------------
    def recover(self):
        """All links healthy, everything running; wait for every outbox to empty."""
        for proxy in self.proxies.values():
            proxy.passthrough()
        with self._stack_lock:
            if self.stack.broker is None or self.stack.broker.poll() is not None:
                self.stack.start_broker()
            if self.stack.ingest is None or self.stack.ingest.poll() is not None:
                self.stack.start_ingest()
            for bench_id, bench in list(self.stack.benches.items()):
                if bench.proc is None or bench.proc.poll() is not None:
                    self._restart_bench(bench_id)
        deadline = time.monotonic() + self.recovery_timeout_s
        outboxes = {}
        while time.monotonic() < deadline:
            for bench_id, bench in self.stack.benches.items():
                try:
                    status = get_json(bench.portal_url + "/status.json")
                    outboxes[bench_id] = status["outbox"]
                    self.peak_heap[bench_id] = max(self.peak_heap.get(bench_id, 0), status["heap_peak"],
                                                   bench.peak_heap)
                except (OSError, ValueError, KeyError):
                    outboxes[bench_id] = None
            if all(v == 0 for v in outboxes.values()):
                break
            time.sleep(0.5)
        time.sleep(2.0)  # let redeliveries still queued at the broker land: they must store nothing
        return outboxes

    def verdict(self, outboxes, seconds):
        stored = self.stack.proposals()
        deliveries = json.loads(self.stack.hub("deliveries", "--json"))
        stored_receipts = [row["receipt"] for row in stored]
        counts = {}
        for r in stored_receipts:
            counts[r] = counts.get(r, 0) + 1
        lost = sorted(r for r in self.receipts if r not in counts)
        duplicates = sum(c - 1 for c in counts.values() if c > 1)
        # the same proposal as two different ids: same title from the same citizen's idea number
        titles = {}
        for row in stored:
            titles[row["title"]] = titles.get(row["title"], 0) + 1
        twice_submitted = sum(c - 1 for c in titles.values() if c > 1)
        bench_lines = {b: p.lines for b, p in self.stack.benches.items()}
        tracebacks = sum(line.startswith("Traceback") for lines in bench_lines.values() for line in lines)
        return {
            "benches": self.n_benches,
            "proposals": self.target,
            "seed": self.seed,
            "submitted": len(self.receipts),
            "refused": sum(self.refused.values()),
            "refused_by_reason": dict(sorted(self.refused.items())),
            "stored": len(stored),
            "stored_without_receipt": len([r for r in counts if r not in self.receipts]),
            "same_idea_stored_twice": twice_submitted,
            "lost": len(lost),
            "lost_receipts": lost[:20],
            "duplicates": duplicates,
            "out_of_order": sum(1 for d in deliveries if d["out_of_order"]),
            "copies_received_total": sum(d["copies"] for d in deliveries),
            "deliveries": len(deliveries),
            "outboxes": outboxes,
            "outboxes_empty": all(v == 0 for v in outboxes.values()),
            "faults": dict(self.faults, proxy_cuts=sum(p.counts["cuts"] for p in self.proxies.values())),
            "peak_heap": dict(sorted(self.peak_heap.items())),
            "bench_tracebacks_after_restart": tracebacks,
            "chaos_errors": self.chaos_errors,
            "seconds": round(seconds, 1),
        }

    def run(self):
        started = time.monotonic()
        try:
            self.setup()
            self.echo("chaos: %d benches up in %.1f s; seed %d" % (self.n_benches, time.monotonic() - started, self.seed))
            t0 = self._t0 = time.monotonic()
            self._clients = [threading.Thread(target=self._client, args=(k,), daemon=True)
                             for k in range(self.n_clients)]
            for t in self._clients:
                t.start()
            chaos = threading.Thread(target=self._chaos, args=(t0,), daemon=True)
            chaos.start()
            for t in self._clients:
                t.join()
            chaos.join()
            self.echo("chaos: %d receipts in %.1f s; recovering" % (len(self.receipts), time.monotonic() - t0))
            outboxes = self.recover()
            result = self.verdict(outboxes, time.monotonic() - t0)
            result["setup_seconds"] = round(t0 - started, 1)
            return result
        finally:
            self.stop()

    def stop(self):
        for bench_id, bench in self.stack.benches.items():
            self.peak_heap[bench_id] = max(self.peak_heap.get(bench_id, 0), bench.peak_heap)
        self.stack.stop()
        for proxy in self.proxies.values():
            proxy.stop()


def passed(result) -> bool:
    return (result["lost"] == 0 and result["duplicates"] == 0 and result["out_of_order"] == 0
            and result["outboxes_empty"] and result["submitted"] == result["proposals"])


def cmd_chaos(args):
    import sys

    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="benchsim-chaos-"))
    echo = (lambda line: print(line, file=sys.stderr, flush=True)) if not args.quiet else None
    chaos = Chaos(workdir, benches=args.benches, proposals=args.proposals, clients=args.clients, seed=args.seed,
                  duration_s=args.duration, recovery_timeout_s=args.recovery_timeout,
                  echo=echo)
    result = chaos.run()
    result["workdir"] = str(workdir)
    ok = passed(result)
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
    else:
        for key in ("submitted", "refused", "stored", "lost", "duplicates", "out_of_order",
                    "copies_received_total", "outboxes_empty", "faults", "seconds"):
            print("%-22s %s" % (key, result[key]))
    if ok and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


def add_parser(sub):
    p = sub.add_parser("chaos", help="store-and-forward under power cuts, restarts and a bad uplink")
    p.add_argument("--benches", type=int, default=12)
    p.add_argument("--proposals", type=int, default=2000)
    p.add_argument("--clients", type=int, default=6, help="citizens submitting at once")
    p.add_argument("--seed", type=int, help="random seed (printed in the result)")
    p.add_argument("--duration", type=float, help="spread the submissions, and the faults, over this many seconds"
                   " (default: proposals / 10)")
    p.add_argument("--recovery-timeout", type=float, default=300.0, help="seconds to wait for the outboxes to empty")
    p.add_argument("--workdir", help="directory for the run (default: a new temporary one, removed if it passed)")
    p.add_argument("--keep", action="store_true", help="keep the work directory even if the run passed")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_chaos)
    return p
