"""The device commands of `bench`: argument parsing only; each calls one public function."""
import os
import sys
from pathlib import Path

HUB_TOKEN_ENV = "HUB_TOKEN"


def _progress(number, total, what):
    print(f"  [{number}/{total}] {what}", file=sys.stderr, flush=True)


def _step(text):
    print(f"  ... {text}", file=sys.stderr, flush=True)


def cmd_flash(args):
    from edge_agent.device.flash import flash

    result = flash(args.port, Path(args.firmware), baud=args.baud)
    print(f"flashed {result.size // 1024} KB at 0x{result.offset:x} on {result.chip} ({result.flash_size}), "
          f"verified, in {result.seconds:.1f} s. Next: bench deploy --port PORT")


def cmd_deploy(args):
    from edge_agent.device.deploy import deploy
    from edge_agent.firmware_image import build_image

    print("building the device tree (firmware and libraries, mpy-cross) ...", file=sys.stderr, flush=True)
    image = build_image(Path(args.image))
    report = deploy(args.port, image, progress=_progress, watch_timeout=args.wait)
    print(f"sent {len(report.sent)} file(s) ({report.bytes_sent // 1024} KB), {report.unchanged} unchanged, "
          f"{len(report.removed)} removed")
    if report.came_up:
        print("the bench is up: its portal is listening")
    elif report.config_missing:
        print("the bench starts but has no valid config.json yet. Next: bench provision --port PORT ...")
    else:
        print("the bench did not report its portal within %d s; its boot log:\n%s" % (args.wait, report.boot_log[-1500:]))
        return 1
    return 0


def cmd_provision(args):
    from edge_agent.device.provision import provision

    token = args.token or os.environ.get(HUB_TOKEN_ENV)
    if not token:
        print(f"bench provision: no hub token: pass --token or set {HUB_TOKEN_ENV} (made on the hub with "
              "`hub api-token USERNAME`)", file=sys.stderr)
        return 2
    result = provision(args.port, bench_id=args.bench_id, municipality=args.municipality, hub=args.hub, token=token,
                       ssid=args.ssid, portal=args.portal, dns=args.dns,
                       hotspot_hours=args.hotspot_hours, progress=_step, reset=not args.no_reset)
    if result.previous_bench_id and result.previous_bench_id != args.bench_id:
        print(f"note: this board was bench {result.previous_bench_id}")
    print(("re-provisioned: the previous credentials are revoked" if result.replaced
           else "provisioned: registered on the hub"))
    print(result.sticker(args.hub))
    if not args.no_reset and "portal listening" not in result.boot_log:
        print("the bench did not report its portal after the reset: run bench doctor --port PORT")
        return 1
    return 0


def cmd_doctor(args):
    from benchcore import VERSION

    from edge_agent.device.doctor import doctor, report

    text, status = report(doctor(args.port, expected_firmware=VERSION))
    print(text)
    return status


def cmd_console(args):
    from edge_agent.device.console import console

    return console(args.port)


def cmd_logs(args):
    from edge_agent.device.console import logs

    if logs(args.port, seconds=args.seconds or None, until=args.until, reset=args.reset):
        return 0
    print(f"bench logs: no line with {args.until!r} within {args.seconds:.0f} s", file=sys.stderr)
    return 1


def add_device_commands(sub) -> None:
    """One entry per command: (name, help, handler, arguments)."""
    port = (("--port",), {"required": True, "help": "serial port (/dev/ttyUSB0) or pyserial URL"})
    table = [
        ("flash", "write a MicroPython ESP32 image (esptool, ROM bootloader), checked and verified", cmd_flash, [
            port, (("--firmware",), {"required": True, "help": "the ESP32_GENERIC .bin"}),
            (("--baud",), {"type": int, "default": 460800})]),
        ("deploy", "copy firmware and libraries to the bench (only changed files), reset, wait for it", cmd_deploy, [
            port, (("--image",), {"default": "build/device/image", "help": "where the device tree is built"}),
            (("--wait",), {"type": float, "default": 60, "help": "seconds to wait for the bench to come up"})]),
        ("provision", "register the bench on the hub and write its config.json (atomically)", cmd_provision, [
            port, (("--bench-id",), {"required": True}), (("--municipality",), {"required": True}),
            (("--hub",), {"required": True, "help": "the hub's address, e.g. https://hub.example.org"}),
            (("--token",), {"help": f"staff API token (default: ${HUB_TOKEN_ENV})"}),
            (("--ssid",), {"help": "hotspot name (default: 'LINK klupa · MUNICIPALITY')"}),
            (("--portal",), {"help": "HOST:PORT the portal listens on (default: the bench's, or 0.0.0.0:80)"}),
            (("--dns",), {"help": "HOST:PORT of the captive DNS (default: the bench's, or 0.0.0.0:53)"}),
            (("--hotspot-hours",), {"help": "local hours the hotspot is on, START-END (default: the bench's, or 7-22)"}),
            (("--no-reset",), {"action": "store_true", "help": "do not reset the bench afterwards"})]),
        ("doctor", "check the bench: versions, heap, flash, config, sensors, outbox, uplink, broker", cmd_doctor,
         [port]),
        ("console", "the bench's REPL (mpremote); Ctrl-] leaves", cmd_console, [port]),
        ("logs", "follow what the bench prints, without interrupting it (Ctrl-C stops)", cmd_logs, [
            port, (("--seconds",), {"type": float, "default": 0, "help": "stop after this long"}),
            (("--until",), {"help": "stop at a line with this text (exit status 1 if it does not come)"}),
            (("--reset",), {"action": "store_true", "help": "reset the bench first and watch it boot"})]),
    ]
    for name, help_text, handler, arguments in table:
        parser = sub.add_parser(name, help=help_text)
        for flags, options in arguments:
            parser.add_argument(*flags, **options)
        parser.set_defaults(func=handler)
