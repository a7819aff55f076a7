"""`benchsim fleet --scenario FILE [--speed X] [--for DURATION]`: run a scenario, print progress, write a report."""
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from simulators.fleet.scenario import DEFAULT_SCENARIO, ScenarioError, load, seconds


def run_scenario(args, echo) -> dict:
    scenario = load(args.scenario)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="benchsim-fleet-"))
    if workdir.exists() and args.workdir:
        shutil.rmtree(workdir)
    from simulators.fleet.report import verdict, write
    from simulators.fleet.runner import Fleet

    fleet = Fleet(scenario, workdir, speed=args.speed, duration_s=seconds(args.duration) if args.duration else None,
                  echo=echo, citizens=args.citizens)
    started = time.monotonic()
    try:
        echo(f"fleet: {len(scenario.benches)} benches of '{scenario.name}' starting in {workdir} ...")
        fleet.setup()
        echo(f"fleet: up in {time.monotonic() - started:.0f} s; hub {fleet.stack.hub_url}  reviewer "
             f"{fleet.reviewer['username']} / {fleet.reviewer['password']}; speed {fleet.speed:g}x, "
             f"{fleet.duration_s / 3600:.1f} simulated hours")
        run_started = time.monotonic()
        fleet.run(progress_every_s=args.progress)
        echo("fleet: recovering every fault, waiting for the outboxes to empty ...")
        outboxes = fleet.recover(args.recovery_timeout)
        result = verdict(fleet, fleet.stored(), outboxes, time.monotonic() - run_started)
        result["setup_s"] = round(run_started - started, 1)
        report = write(fleet, result, Path(args.report))
        result["report"] = str(report)
        return result
    finally:
        fleet.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def cmd_fleet(args):
    echo = (lambda line: print(line, file=sys.stderr, flush=True))
    try:
        result = run_scenario(args, echo)
    except ScenarioError as exc:
        print(f"benchsim fleet: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
    else:
        lat = result["latency_ms"]
        print(f"submitted {result['submitted']}  stored {result['stored']}  lost {result['lost']}  "
              f"duplicates {result['duplicates']}  refused {result['refused']}  latency p50 {lat['p50']} ms "
              f"p99 {lat['p99']} ms  faults {result['faults_survived']}/{result['faults_injected']} survived")
        print(f"report: {result['report']}")
    return 0 if result["lost"] == 0 and result["duplicates"] == 0 else 1


def add_parser(sub):
    p = sub.add_parser("fleet", help="run a scenario: many benches, citizens, weather and faults; write a report")
    p.add_argument("--scenario", default=str(DEFAULT_SCENARIO), help="scenario TOML (default: %(default)s)")
    p.add_argument("--speed", type=float, help="simulated seconds per real second (default: the scenario's)")
    p.add_argument("--for", dest="duration", help="simulated duration, e.g. 6h or 2d (default: the scenario's)")
    p.add_argument("--citizens", type=int, default=4, help="citizens at a portal at once, at most (default 4)")
    p.add_argument("--report", default="build/fleet", help="directory for report.md, plots, result.json")
    p.add_argument("--progress", type=float, default=5.0, help="seconds between progress lines")
    p.add_argument("--recovery-timeout", type=float, default=180.0)
    p.add_argument("--workdir", help="directory for the run's broker, hub and flashes (default: temporary)")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_fleet)
    return p
