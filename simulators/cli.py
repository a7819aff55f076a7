"""`benchsim`: benches without hardware."""
import argparse
import json
import sys
import time
from pathlib import Path

from simulators.bench import ESP32_HEAP, BenchProcess, bench_config, prepare_flash
from simulators.stack import free_port


def cmd_run(args):
    """One bench on the real MicroPython interpreter, its flash in a directory."""
    flash = Path(args.flash)
    cfg = None
    if not (flash / "config.json").exists() or args.broker:
        host, _, port = (args.broker or "127.0.0.1:1883").rpartition(":")
        cfg = bench_config(args.bench_id, args.municipality, host, int(port), args.portal_port or free_port(),
                           mqtt_user=args.mqtt_user, mqtt_password=args.mqtt_password)
    prepare_flash(flash, cfg)
    bench = BenchProcess(flash, heap=args.heap, echo=print).start()
    try:
        bench.wait_ready()
        print(f"benchsim: portal {bench.portal_url}/", flush=True)
        deadline = time.monotonic() + args.seconds if args.seconds else None
        while bench.proc.poll() is None and (deadline is None or time.monotonic() < deadline):
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        code = bench.stop()
        print(json.dumps({"bench": bench.config["bench_id"], "exit": code, "peak_heap": bench.peak_heap,
                          "heap": args.heap}))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchsim", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one simulated bench")
    run.add_argument("--flash", required=True, help="directory that stands for the bench's flash")
    run.add_argument("--bench-id", default="sim-1")
    run.add_argument("--municipality", default="Sarajevo Centar")
    run.add_argument("--broker", help="HOST:PORT of the MQTT broker (writes a new config.json)")
    run.add_argument("--mqtt-user")
    run.add_argument("--mqtt-password")
    run.add_argument("--portal-port", type=int)
    run.add_argument("--heap", default=ESP32_HEAP, help="MicroPython heap size (default: an ESP32's, %(default)s)")
    run.add_argument("--seconds", type=float, default=0, help="stop after this long (default: run until Ctrl-C)")
    run.set_defaults(func=cmd_run)
    try:
        from simulators.power.cli import add_parser as add_energy
    except ImportError:
        add_energy = None
    if add_energy:
        add_energy(sub)
    from simulators.chaos import add_parser as add_chaos

    add_chaos(sub)
    from simulators.rollout import add_parser as add_rollout

    add_rollout(sub)
    from simulators.devices.cli import add_parser as add_device

    add_device(sub)
    from simulators.fleet.cli import add_parser as add_fleet

    add_fleet(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
