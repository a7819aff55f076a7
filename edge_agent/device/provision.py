"""`bench provision`: give a bench its identity and credentials, registered on the hub, or change
nothing at all.

Order of steps, and what a failure at each leaves behind:
1. Read the bench's config.json (kept as it is until step 5).
2. Ask the hub for an offer: fresh MQTT credentials and signing key. The hub stores nothing yet.
3. Write config.json.new on the bench and read it back. A failure removes it; the offer lapses.
4. Confirm the offer on the hub: one transaction installs the credentials and revokes the old ones.
   A refusal removes config.json.new. If the answer is lost (the request may have been applied),
   config.json.new is removed too and the message says to run provision again (which rotates again).
5. Rename config.json.new over config.json (atomic on the bench's filesystem) and drop key.json (a key
   rotated from the previous credentials). Then reset the bench and watch it start.
"""
import json
from dataclasses import dataclass

from edge_agent.device import hub_client
from edge_agent.device.transport import Device, DeviceError

CONFIG = "config.json"
STAGED = "config.json.new"
ROTATED_KEY = "key.json"
SSID_PREFIX = "LINK klupa · "  # what simulators/bench.py and the demo call a bench's hotspot


@dataclass
class ProvisionResult:
    config: dict
    replaced: bool  # the hub had this bench already: its previous credentials are now revoked
    previous_bench_id: str | None
    boot_log: str

    def sticker(self, hub: str) -> str:
        cfg = self.config
        return "\n".join([
            "LINK bench " + cfg["bench_id"],
            "  municipality  " + cfg["municipality"],
            "  Wi-Fi (SSID)  " + cfg["ssid"],
            "  hub           " + hub,
            "  broker        %s:%d" % (cfg["mqtt"]["host"], cfg["mqtt"]["port"]),
            "  key           " + cfg["key_id"],
        ])


def new_config(old: dict, offer: dict, ssid: str | None = None, portal: str | None = None,
               dns: str | None = None, hotspot_hours: str | None = None) -> dict:
    """config.json for the offer, keeping the bench's own settings (portal, power, uplink...) from `old`."""
    from benchcore.config import parse_config

    cfg = {k: v for k, v in old.items() if k not in ("bench_id", "municipality", "mqtt", "key", "key_id", "seal_key")}
    mqtt = dict(old.get("mqtt") or {})
    mqtt.update({"host": offer["mqtt"]["host"], "port": offer["mqtt"]["port"], "user": offer["mqtt"]["user"],
                 "password": offer["mqtt"]["password"]})
    mqtt.setdefault("keepalive", 30)
    cfg.update({"bench_id": offer["bench_id"], "municipality": offer["municipality"], "mqtt": mqtt,
                "key_id": offer["key_id"], "key": offer["key"]})
    if offer.get("seal_key"):
        cfg["seal_key"] = offer["seal_key"]  # the hub's public key that citizens' contact details are sealed with
    if ssid or old.get("municipality") != offer["municipality"] or "ssid" not in old:
        cfg["ssid"] = ssid or SSID_PREFIX + offer["municipality"]
    for name, address in (("portal", portal), ("dns", dns)):
        if address:
            host, _, port = address.rpartition(":")
            cfg[name] = dict(cfg.get(name) or {}, host=host or "0.0.0.0", port=int(port))
    if hotspot_hours:
        start, _, end = hotspot_hours.partition("-")
        if not (start.isdigit() and end.isdigit() and 0 <= int(start) < int(end) <= 24):
            raise DeviceError(f"--hotspot-hours {hotspot_hours}: give START-END in whole hours, e.g. 7-22 or 0-24")
        power = dict(cfg.get("power") or {})
        power["policy"] = dict(power.get("policy") or {}, ap_hours=[int(start), int(end)])
        cfg["power"] = power
    parse_config(json.dumps(cfg))  # the firmware's own check, before anything is written
    return cfg


def provision(port: str, *, bench_id: str, municipality: str, hub: str, token: str, ssid: str | None = None,
              portal: str | None = None, dns: str | None = None, hotspot_hours: str | None = None,
              progress=None, reset: bool = True,
              watch_timeout: float = 60, hub_timeout: float = 20) -> ProvisionResult:
    step = progress or (lambda text: None)
    from benchcore.config import ConfigError, parse_config

    try:  # the firmware's rules for the id, before the bench or the hub is touched
        parse_config(json.dumps({"bench_id": bench_id, "municipality": municipality, "mqtt": {"host": "-", "port": 1}}))
    except ConfigError as exc:
        raise DeviceError(str(exc).replace("config.json: ", "--bench-id: "))
    device = Device(port).open()
    try:
        step("reading the bench's config.json")
        old_text = device.read_file(CONFIG)
        try:
            old = json.loads(old_text) if old_text else {}
        except ValueError:
            old = {}  # unreadable: replaced as a whole (the bench could not start with it anyway)
        device.remove(STAGED)
        step("asking the hub for credentials (%s)" % hub)
        offer = hub_client.request_offer(hub=hub, token=token, bench_id=bench_id, municipality=municipality,
                                         timeout=hub_timeout)
        cfg = new_config(old if isinstance(old, dict) else {}, offer, ssid=ssid, portal=portal, dns=dns,
                         hotspot_hours=hotspot_hours)
        text = json.dumps(cfg, ensure_ascii=False, indent=1).encode()
        step("writing %s on the bench and reading it back" % STAGED)
        try:
            device.write_file(STAGED, text)
            if device.read_file(STAGED) != text:
                raise DeviceError("config.json.new read back differs from what was written (flash fault?): "
                                  "nothing was changed; try again, then replace the board")
        except DeviceError:
            _discard(device)
            raise
        step("confirming on the hub")
        try:
            hub_client.confirm_offer(hub=hub, token=token, bench_id=bench_id, offer=offer["offer"],
                                     timeout=hub_timeout)
        except hub_client.HubAnswerLost as exc:
            _discard(device)
            raise DeviceError(f"{exc}. The bench keeps its previous config; the hub may have installed the new "
                              "credentials: run `bench provision` again (it issues fresh ones either way)")
        except DeviceError:
            _discard(device)
            raise
        step("installing config.json")
        try:
            device.run(f"import os\nos.rename({STAGED!r}, {CONFIG!r})\ntry:\n os.remove({ROTATED_KEY!r})\n"
                       "except OSError:\n pass")
            if device.read_file(CONFIG) != text:
                raise DeviceError("config.json read back differs after the rename")
        except DeviceError as exc:
            raise DeviceError(f"the hub has the new credentials but the bench could not switch to them ({exc}): "
                              f"reconnect it and run `bench provision` again")
        boot_log = ""
        if reset:
            step("resetting the bench")
            boot_log = device.hard_reset_and_watch(("portal listening", "config error", "Traceback"),
                                                   timeout=watch_timeout)
    finally:
        device.close()
    return ProvisionResult(config=cfg, replaced=bool(offer.get("replaces")),
                           previous_bench_id=old.get("bench_id") if isinstance(old, dict) else None,
                           boot_log=boot_log)


def _discard(device: Device) -> None:
    try:
        device.remove(STAGED)
    except DeviceError:
        pass  # the port is gone; a leftover config.json.new is never read by the firmware
