"""`bench`: the technicians' command line. Every command is also a function in edge_agent."""
import argparse
import sys
from pathlib import Path


def cmd_libs(args):
    from edge_agent.devicelibs import build_device_libs

    for path in build_device_libs():
        print(path)


def cmd_image(args):
    from edge_agent.firmware_image import build_image, build_release

    if args.release:
        print(build_release(Path(args.out), args.release))
    else:
        print(build_image(Path(args.out)))


def cmd_run(args):
    from edge_agent.agent.runner import run

    return run(args.config)  # 78: bad config, 75: the hub asked for a restart


def main(argv=None):
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("libs", help="fetch, verify and compile the device libraries into build/device/lib").set_defaults(
        func=cmd_libs)
    image = sub.add_parser("image", help="write a complete flash image tree (firmware .mpy + lib/)")
    image.add_argument("--out", default="build/device/image")
    image.add_argument("--release", metavar="VERSION",
                       help="write a release instead (application tree + manifest draft for `hub release add`)")
    image.set_defaults(func=cmd_image)
    from edge_agent.device.cli import add_device_commands

    add_device_commands(sub)  # flash, deploy, provision, doctor, console, logs
    run = sub.add_parser("run", help="run the bench core on this Linux board (edge agent, docs/edge-agent.md)")
    run.add_argument("--config", required=True, help="the bench's config.json")
    run.set_defaults(func=cmd_run)
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        print(f"bench {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a technician needs the reason, not a traceback
        print(f"bench {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
