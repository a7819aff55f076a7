"""`benchsim energy`: a month of twelve benches, firmware policy vs the naive always-on one.

    benchsim energy --month 12 --days 31 --json
    benchsim energy --month 6 --days 31 --policy firmware --plot out/
    python -m simulators.power.cli energy --month 12 --days 2 --benches 2 --json
"""

import argparse
import json
import sys


def add_parser(subparsers):
    p = subparsers.add_parser("energy", help="fast-forward the benches' energy over a month")
    p.add_argument("--month", type=int, default=12)
    p.add_argument("--days", type=int, default=31)
    p.add_argument("--policy", choices=("firmware", "naive", "both"), default="both",
                   help="both (default) runs firmware and naive on the same weather")
    p.add_argument("--benches", type=int, default=12, help="first N municipalities")
    p.add_argument("--sites", default="", help="comma-separated municipality keys")
    p.add_argument("--profile", default=None, help="board profile JSON (default: reference)")
    p.add_argument("--config", default=None, help="bench config.json; its `power` section is used")
    p.add_argument("--start-soc", type=float, default=100.0,
                   help="true SoC at the start (default: commissioned full)")
    p.add_argument("--warm", action="store_true",
                   help="the firmware starts with a saved state equal to the true SoC")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--sunless-days", type=int, default=0,
                   help="the first N days without bright sunshine at every site (overcast light only)")
    p.add_argument("--step", type=int, default=60, help="simulation step in seconds")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--plot", default=None, metavar="DIR", help="write PNG plots there")
    p.add_argument("--json", action="store_true", help="print JSON (default: a table)")
    p.add_argument("--full", action="store_true", help="include per-bench rows in the JSON")
    p.set_defaults(func=cmd_energy)
    return p


def cmd_energy(args):
    from simulators.power import climate
    from simulators.power.runner import load_profile, run_fleet

    sites = [s for s in args.sites.split(",") if s] or list(climate.SITES)[:args.benches]
    cfg = None
    if args.config:
        with open(args.config) as f:
            cfg = json.load(f).get("power")
    policies = ("firmware", "naive") if args.policy == "both" else (args.policy,)
    res = run_fleet(args.month, args.days, policies=policies, sites=sites,
                    profile=load_profile(args.profile), power_cfg=cfg, seed=args.seed,
                    step_s=args.step, start_soc=args.start_soc, warm=args.warm,
                    workers=args.workers, trace=bool(args.plot), sunless_days=args.sunless_days)
    if args.plot:
        from simulators.power.plots import plot_fleet
        res["plots"] = plot_fleet(res, args.plot)
    for p in policies:
        for b in res[p]["benches"]:
            b.pop("trace", None)
        if not args.full:
            res[p]["worst"] = min(res[p]["benches"], key=lambda b: b["availability"])["site"]
            res[p].pop("benches")
    if args.json:
        json.dump(res, sys.stdout, indent=1)
        print()
    else:
        print("month %d, %d days, %d benches, profile %s (%.1f s)" % (
            res["month"], res["days"], res["benches"], res["profile"], res["elapsed_s"]))
        print("%-9s %12s %10s %14s" % ("policy", "avail. min", "brown-outs", "SoC err max"))
        for p in policies:
            r = res[p]
            print("%-9s %11.1f%% %10d %14.2f" % (p, 100 * r["availability_min"], r["brownouts"],
                                                 r["soc_error_max"]))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="benchsim")
    sub = ap.add_subparsers(dest="cmd", required=True)
    add_parser(sub)
    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
