"""A scenario on one machine: real MicroPython benches, Mosquitto, the hub, citizens, weather, faults.

Built from the pieces the tests and `benchsim chaos` use: simulators.stack.Stack (broker, hub
processes), chaos.add_proxied_bench (a bench whose uplink goes through its own FaultProxy) and
BenchProcess. Simulated time runs `speed` times real time: citizens arrive on the scenario's
schedule, each bench's simulated battery and sun (power_sim.json, read by the bench every 2 s) run
at the same rate, faults happen and end on schedule. A listener on the broker (the hub's MQTT user)
records when each proposal's ack goes out to its bench, and every bench's telemetry.
"""
import json
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import paho.mqtt.client as mqtt

from edge_agent.firmware_image import build_image
from simulators.chaos import add_proxied_bench
from simulators.fleet import benchcore
from simulators.power.live import battery_step
from simulators.fleet.citizens import Citizen, corpus, probe
from simulators.stack import Stack


# What a bench draws on average in December under its normal mode (hardware/power-budget.md: 42 Wh a day).
LOAD_W = 1.75


class Fleet:
    def __init__(self, scenario, workdir: Path, speed=None, duration_s=None, echo=print, citizens=4,
                 telemetry_s=None, web=True, cso="Udruženje građana Klupa"):
        self.sc = scenario
        self.speed = float(speed or scenario.speed)
        self.duration_s = float(duration_s if duration_s is not None else scenario.duration_s)
        self.echo = echo
        self.web = web
        self.rng = random.Random(scenario.seed)
        self.corpus = corpus()
        # A bench reports every 5 simulated minutes (its policy's normal cadence), at least every 30 s real.
        self.telemetry_s = telemetry_s or max(3, min(30, int(300 / self.speed)))
        self.stack = Stack(Path(workdir) / "stack")
        self.proxies = {}
        self.pool = ThreadPoolExecutor(citizens, thread_name_prefix="citizen")
        self.visits, self.samples, self.faults, self.telemetry = [], [], [], []
        self.acks = {}  # receipt -> wall time its ack left the broker for the bench
        self.battery_ah = {b.id: b.profile["battery"]["capacity_ah"] * b.start_soc / 100 for b in scenario.benches}
        self.battery = []  # the simulated batteries' true SoC over simulated time
        self._battery_t = 0.0
        self.down = set()  # benches without power
        self.asleep = set()  # benches in deep sleep (their power policy's choice)
        self.reviewer = self.administrator = self.official = None
        self.cso = cso
        self.t0 = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = None
        self._protocol = benchcore("protocol")
        self._signing = benchcore("signing")

    # -- time ---------------------------------------------------------------
    def sim_now(self) -> float:
        return (time.monotonic() - self.t0) * self.speed if self.t0 else 0.0

    def _sleep_until_sim(self, sim_s) -> bool:
        """False if the run was stopped first."""
        return not self._stop.wait(max(0.0, self.t0 + sim_s / self.speed - time.monotonic()))

    # -- setup --------------------------------------------------------------
    def setup(self):
        """Hub database and image in parallel (two cores), then benches booting while the web starts."""
        st = self.stack
        built = {}
        builder = threading.Thread(target=lambda: built.setdefault("image", build_image(st.dir / "image")))
        builder.start()  # compiled once, copied to every bench's flash
        st.migrate()
        lines = subprocess.run(
            [sys.executable, "-m", "simulators.fleet.register", "--admin", "admin", "--cso", self.cso,
             "--official", self.sc.benches[0].municipality.name,
             *(f"{b.id}={b.municipality.name}" for b in self.sc.benches)],
            env=st.hub_env(), capture_output=True, text=True, timeout=600, check=True).stdout.splitlines()
        logins = {k: v for line in lines[:3] for k, v in json.loads(line).items()}
        self.administrator, self.reviewer, self.official = logins["administrator"], logins["reviewer"], logins["official"]
        creds = {c["bench_id"]: c for c in map(json.loads, lines[3:])}
        builder.join()
        for bench in self.sc.benches:
            proxy, proc = add_proxied_bench(st, bench.id, bench.municipality.name, portal={}, creds=creds[bench.id],
                                            image=built["image"])
            self.proxies[bench.id] = proxy
            cfg = proc.config
            cfg["telemetry_s"] = self.telemetry_s
            (proc.flash / "config.json").write_text(json.dumps(cfg, ensure_ascii=False, indent=1))
            (proc.flash / "board.json").write_text(json.dumps(bench.profile, indent=1))  # its hardware profile
            self._write_power(bench, 0)
        st.start_broker()
        st.start_ingest()
        self._listen()
        for proc in st.benches.values():
            proc.start()
        # Citizens come only after setup; a proposal published before the ingest subscribes would
        # wait for the bench's resend (20 s).
        wait_ingest(st)
        st.start_downlink()
        self.fleet_check = st._spawn("fleet-check", [sys.executable, "-m", "hub_server.cli",
                                                     "fleet-check", "--every", "60"])
        if self.web:
            st.start_web()
        for proc in st.benches.values():
            try:
                proc.wait_ready(120)
            except RuntimeError:  # went to deep sleep at boot (battery low): it wakes on schedule
                if proc.proc.poll() != 76:
                    raise
        # The scenario starts with the fleet online: a bench's first connect (with its back-off) is
        # not what a citizen in the middle of a week sees.
        deadline = time.monotonic() + 90
        for k, proc in enumerate(st.benches.values()):
            while proc.proc.poll() is None and time.monotonic() < deadline:
                status = probe(proc.portal_url, "127.0.253.%d" % (k + 1))
                if status and status.get("uplink"):
                    break
                time.sleep(0.5)

    def _power_settings(self, bench, day):
        profile = bench.profile
        return {"accel": self.speed, "t0": int(self.sc.start_epoch + self.sim_now()),
                "start_soc": round(100.0 * self.battery_ah[bench.id] / profile["battery"]["capacity_ah"], 2),
                "capacity_ah": profile["battery"]["capacity_ah"], "peak_w": profile["panel"]["peak_w"],
                "sun": self.sc.sun(bench, day), "load_w": LOAD_W}

    def _write_power(self, bench, day=None):
        """The bench's simulated battery and sun (simulators/power/live.py reads this file every 2 s; a
        bench takes its clock and charge from it when it boots: written again before every restart)."""
        day = int(self.sim_now() // 86400) if day is None else day
        flash = self.stack.dir / "benches" / bench.id
        tmp = flash / "power_sim.json.tmp"
        tmp.write_text(json.dumps(self._power_settings(bench, day)))
        tmp.replace(flash / "power_sim.json")

    def _track_batteries(self, until_sim):
        """Each bench's true battery, stepped as the bench's own live source steps it."""
        for bench in self.sc.benches:
            settings = self._power_settings(bench, int(self._battery_t // 86400))
            ah, t = self.battery_ah[bench.id], self._battery_t
            while t + 60 <= until_sim:
                t += 60
                ah = battery_step(settings, ah, self.sc.start_epoch + t, 60)[0]
            self.battery_ah[bench.id] = ah
            self.battery.append({"sim": t, "bench": bench.id,
                                 "soc": round(100 * ah / bench.profile["battery"]["capacity_ah"], 1)})
        self._battery_t = until_sim - (until_sim % 60)

    # -- what reaches the benches: acks and telemetry -------------------------
    def _listen(self):
        user, password = self.stack.hub_login("monitor")  # read-only on every bench's topics
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=user, clean_session=False)
        client.username_pw_set(user, password)
        contract = benchcore("contract")
        topics = [(contract.topic("+", leaf), 1) for leaf in (contract.ack, contract.telemetry)]
        client.on_connect = lambda c, *_: c.subscribe(topics)
        client.on_message = self._on_message
        client.reconnect_delay_set(0.2, 2)
        client.connect("127.0.0.1", self.stack.broker_port, keepalive=10)
        client.loop_start()
        self._listener = client

    def _on_message(self, client, userdata, msg):
        now = time.time()
        bench_id, leaf = msg.topic.split("/")[-2:]
        try:
            body = json.loads(self._signing.split(msg.payload)[0])
        except (ValueError, self._signing.SignatureError):
            return
        with self._lock:
            if leaf == benchcore("contract").ack:
                for pid in body.get("ids", ()):
                    self.acks.setdefault(self._protocol.receipt_code(pid), now)
            else:
                c = benchcore("contract")
                self.telemetry.append({"t": now, "sim": self.sim_now(), "bench": bench_id, "soc": body.get(c.soc),
                                       "mode": body.get(c.mode), "outbox": body.get(c.outbox)})

    # -- citizens -----------------------------------------------------------
    def _citizens(self):
        arrivals = self.sc.arrivals(self.rng, self.duration_s)
        for n, (sim_s, bench_id) in enumerate(arrivals):
            if not self._sleep_until_sim(sim_s):
                return
            bench = self.sc.bench(bench_id)
            langs = bench.municipality.languages
            lang = self.rng.choices(list(langs), weights=list(langs.values()))[0]
            idea = self.rng.choice(self.corpus[lang])
            contact = self.rng.random() < self.sc.citizens["contact_share"]
            source = "127.0.%d.%d" % (1 + n // 250 % 200, 1 + n % 250)
            self.pool.submit(self._visit, bench_id, sim_s, lang, idea, contact, source)

    def _visit(self, bench_id, sim_s, lang, idea, contact, source):
        proc = self.stack.benches[bench_id]
        result = Citizen(proc.portal_url, source).visit(lang, idea, contact)
        result.update(bench=bench_id, sim=sim_s)
        with self._lock:
            self.visits.append(result)

    # -- weather, availability ----------------------------------------------
    def _weather(self):
        day = 0
        while not self._stop.wait(2.0):
            now = min(self.sim_now(), self.duration_s)
            with self._lock:
                self._track_batteries(now)
            if now >= (day + 1) * 86400:
                day = int(now // 86400)
                for bench in self.sc.benches:
                    self._write_power(bench, day)

    def _watch(self, every_s=5.0):
        from simulators.fleet.faults import supervise

        while not self._stop.wait(every_s):
            supervise(self)
            for k, bench_id in enumerate(list(self.stack.benches)):
                status = probe(self.stack.benches[bench_id].portal_url, "127.0.255.%d" % (k + 1))
                with self._lock:
                    self.samples.append({"t": time.time(), "sim": self.sim_now(), "bench": bench_id,
                                         "up": status is not None, "outbox": status and status.get("outbox"),
                                         "uplink": bool(status and status.get("uplink"))})

    # -- faults -------------------------------------------------------------
    def _faults(self):
        from simulators.fleet.faults import inject

        for fault in self.sc.faults:
            if fault.at_s >= self.duration_s or not self._sleep_until_sim(fault.at_s):
                return
            threading.Thread(target=inject, args=(self, fault), daemon=True).start()

    # -- the run ------------------------------------------------------------
    def run(self, progress_every_s=5.0, stop_event=None):
        self.t0 = time.monotonic()
        self.wall0 = time.time()
        threads = [threading.Thread(target=fn, daemon=True, name=fn.__name__)
                   for fn in (self._citizens, self._weather, self._watch, self._faults)]
        for t in threads:
            t.start()
        from simulators.fleet.progress import line

        try:
            while self.sim_now() < self.duration_s and not (stop_event and stop_event.is_set()):
                time.sleep(min(progress_every_s, max(0.05, (self.duration_s - self.sim_now()) / self.speed)))
                self.echo(line(self))
        finally:
            self._stop.set()
        self.pool.shutdown(wait=True)
        for t in threads:
            t.join(30)

    def recover(self, timeout_s=120.0):
        """Every fault over, every bench up; wait for the outboxes to empty. Returns {bench: outbox}."""
        from simulators.fleet.faults import restore_all, supervise

        restore_all(self)
        deadline = time.monotonic() + timeout_s
        outboxes = {}
        while time.monotonic() < deadline:
            supervise(self)  # a bench in deep sleep wakes on its schedule and sends what it holds
            for k, (bench_id, proc) in enumerate(self.stack.benches.items()):
                status = probe(proc.portal_url, "127.0.254.%d" % (k + 1))
                outboxes[bench_id] = status and status.get("outbox")
            if all(v == 0 for v in outboxes.values()):
                break
            time.sleep(1.0)
        time.sleep(1.0)  # the last acks on their way to the observer
        return outboxes

    def stored(self) -> list:
        return self.stack.proposals()

    def stop(self):
        self._stop.set()
        for bench in self.stack.benches.values():  # all at once: each may take seconds to say goodbye
            if bench.proc and bench.proc.poll() is None:
                bench.proc.send_signal(signal.SIGINT)
        if self._listener:
            self._listener.loop_stop()
            self._listener.disconnect()
        if getattr(self, "fleet_check", None) and self.fleet_check.poll() is None:
            self.fleet_check.terminate()
            self.fleet_check.wait(10)
        self.stack.stop()
        for proxy in self.proxies.values():
            proxy.stop()


def wait_ingest(stack, timeout=120.0):
    """Until the ingest worker has subscribed (its log says so): QoS 0 messages before are lost."""
    log = stack.dir / "ingest.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and "listening for benches" in log.read_text(errors="replace"):
            time.sleep(0.5)
            return
        time.sleep(0.2)
    raise TimeoutError("the ingest worker did not subscribe within %.0f s" % timeout)
