"""`bench run --config PATH`: the firmware's bench core under CPython, as benchcore.app starts it
on the ESP32 (outbox, portal with captive DNS and probes, uplink, downlink, power), with the
Linux parts in place of the ESP32's: hostapd/dnsmasq, nftables sessions, paho-mqtt, Adafruit's
INA219 driver. The data directory holds what the ESP32 keeps on its flash (outbox, state, keys,
digest), in the same formats, written the same crash-safe way."""
import asyncio
import json
import os
import shutil
import signal
from pathlib import Path

from edge_agent.agent import use_firmware

use_firmware()

from benchcore import VERSION, protocol  # noqa: E402
from benchcore.app import _captive_portal, log  # noqa: E402
from benchcore.config import ConfigError, load_config  # noqa: E402

EX_CONFIG = 78
_CAPTIVE_JSON = "application/captive+json"


def prepare_data_dir(cfg, settings, config_path):
    """The data directory as the firmware expects its flash: config.json, board.json, www/."""
    from edge_agent.agent.words import add_to_portal
    from edge_agent.portal_pages import ROOT, build_www

    data = Path(settings["data_dir"])
    data.mkdir(parents=True, exist_ok=True)
    board = ROOT / "hardware" / "profiles" / ("%s.json" % cfg.get("board", "reference"))
    shutil.copyfile(board, data / "board.json")
    if Path(config_path).resolve() != (data / "config.json").resolve():
        (data / "config.json").write_text(json.dumps(cfg, ensure_ascii=False))
    os.chdir(data)
    shutil.rmtree(data / "www", ignore_errors=True)  # rendered afresh: the words may have changed
    add_to_portal()
    build_www(data)


def own_addresses():
    import subprocess

    try:
        out = subprocess.run(["ip", "-j", "-4", "addr"], capture_output=True, text=True, timeout=5).stdout
        return [a["local"] for link in json.loads(out or "[]") for a in link.get("addr_info", [])]
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return ["127.0.0.1"]


def _client(request):
    return request.client_addr[0] if request.client_addr else "?"


def add_agent_routes(app, cfg, settings, sessions, uplink, outbox, boot, keyring, state):
    from benchcore import pages
    from benchcore.forms import FormError, parse_urlencoded
    from benchcore.i18n import pick_language, strings
    from benchcore.portal import html

    minutes = settings["session_s"] // 60

    def internet_page(lang, key, value, status=200):
        s = strings(lang)
        body = ['<h1>%s</h1><p>%s</p>' % (s["nav_internet"], pages.escape(s[key] % value if "%d" in s[key] else s[key]))]
        if key == "net_intro":
            body.append('<form method="post" action="/internet"><input type="hidden" name="lang" value="%s">'
                        '<button type="submit">%s</button></form>' % (lang, s["net_go"]))
        return html(lang, s["nav_internet"], iter(body), status, path="/internet")

    def lang_of(request):
        chosen = request.args.get("lang")
        if request.method == "POST":
            try:
                chosen = parse_urlencoded(request.body).get("lang")
            except FormError:
                pass
        return pick_language(chosen, request.headers.get("Accept-Language"))

    own_hosts = {name.lower() for name in cfg["hotspot"]["names"]} | {settings["ip"]}

    async def online_already(request):
        # A phone let through whose browser still holds a name resolved while it was captive
        # (Chromium keeps system-resolver answers 60 s whatever the TTL) comes here with another
        # site's Host: tell it it is online and have it try that address again shortly.
        host = (request.headers.get("Host") or "").lower()
        if host and host not in own_hosts and sessions.remaining(_client(request)):
            res = internet_page(lang_of(request), "net_open", max(1, sessions.remaining(_client(request)) // 60))
            res.headers["Refresh"] = "5"
            return res

    app.before_request_handlers.insert(0, online_already)  # before the captive probes' redirect

    @app.get("/internet")
    async def internet(request):
        lang = lang_of(request)
        left = sessions.remaining(_client(request))
        if left:
            return internet_page(lang, "net_open", max(1, left // 60))
        return internet_page(lang, "net_intro" if sessions.available else "net_none", minutes)

    @app.post("/internet")
    async def go_online(request):
        lang = lang_of(request)
        if await asyncio.to_thread(sessions.grant, _client(request)):
            return internet_page(lang, "net_open", minutes)
        return internet_page(lang, "net_none", minutes, 503)

    @app.get("/api/captive")
    async def captive_api(request):
        # RFC 8908: what DHCP option 114 points phones at
        left = sessions.remaining(_client(request))
        body = {"captive": not left, "user-portal-url": settings["portal_url"]}
        if left:
            body["seconds-remaining"] = left
        return json.dumps(body), 200, {"Content-Type": _CAPTIVE_JSON, "Cache-Control": "private, no-store"}

    @app.get("/status.json")
    async def status(request):
        return json.dumps({
            "bench": cfg["bench_id"], "firmware": VERSION, "runtime": "edge-agent", "outbox": len(outbox),
            "uplink": uplink.connected, "published": uplink.published, "acked": uplink.acked,
            "rejected": uplink.rejected, "boot": boot, "key_id": keyring.key_id, "sessions": len(sessions),
            "config_version": state.get("config_version", 0), "telemetry_s": uplink.telemetry_every_ms // 1000,
            "internet_sharing": sessions.available,
        }), 200, {"Content-Type": "application/json", "Cache-Control": "no-store"}

    @app.after_request
    async def open_internet_after_an_idea(request, response):
        if request.method == "POST" and request.path == "/proposals" and response.status_code == 200:
            await asyncio.to_thread(sessions.grant, _client(request))
        return response


async def _sessions_loop(sessions):
    while True:
        await asyncio.sleep(3)
        await asyncio.to_thread(sessions.prune)  # runs ip, iw or bridge: not on the portal's loop


async def _main(cfg, settings):
    from benchcore import contract as c
    from benchcore.downlink import Downlink, stored_settings
    from benchcore.keyring import Keyring
    from benchcore.outbox import Outbox
    from benchcore.state import BenchState
    from edge_agent.agent.firewall import Firewall, FirewallError
    from edge_agent.agent.hotspot import LinuxHotspot
    from edge_agent.agent.mqtt import PahoUplink
    from edge_agent.agent.power import AgentPowerTask
    from edge_agent.agent.sessions import Sessions

    state = BenchState()
    boot = state.next_boot()
    protocol.start_sequence(boot)
    outbox = Outbox(capacity=cfg["outbox"]["capacity"], max_bytes=cfg["outbox"]["max_bytes"], log=log)
    log("bench %s (%s) edge agent, firmware %s, boot %d: %d proposal(s) waiting in the outbox"
        % (cfg["bench_id"], cfg["municipality"], VERSION, boot, len(outbox)))
    hotspot = LinuxHotspot(cfg, settings, log=log).start()
    firewall = Firewall(settings, cfg["portal"]["port"], dns_port=cfg["dns"]["port"], log=log)
    try:
        firewall.load()
        log("firewall: clients on %s are captive until the portal; sessions of %d min at %d kB/s"
            % (settings["lan_if"], settings["session_s"] // 60, settings["rate_kbytes"]))
    except FirewallError as exc:
        log("firewall: %s" % exc)
    sessions = Sessions(firewall, settings["lan_if"], settings["session_s"], log=log)
    power = AgentPowerTask(cfg, hotspot, modem=settings["modem"], log=log)
    keyring = Keyring(cfg)
    downlink = Downlink(state, keyring, log=log)

    def telemetry():  # as benchcore.app's, without the ESP32's heap
        return [(c.firmware, VERSION), (c.outbox, len(outbox)), (c.ap, hotspot.on),
                (c.clients, hotspot.clients())] + power.telemetry()

    uplink = PahoUplink(cfg, outbox, state, keyring, boot, log=log, telemetry=telemetry, downlink=downlink)
    powered = power.start()
    downlink.on_config = lambda settings: (power.configure(settings), uplink.apply_settings(settings))
    downlink.on_config(stored_settings())  # what the hub last sent holds after any restart
    if powered:
        power.on_telemetry_period = uplink.set_telemetry_period
        asyncio.create_task(power.run())
    app = _captive_portal(cfg, hotspot, outbox, uplink, power)
    # TTL 0 (the ESP32 gives 60 s; nobody is let through there): a phone let through resolves
    # afresh instead of keeping the portal's address for names it looked up while captive.
    answer = bytearray(app.dns._answer)
    answer[6:10] = bytes(4)  # the TTL field of the 16-byte record (benchcore.dns.answer_record)
    app.dns._answer = bytes(answer)
    add_agent_routes(app, cfg, settings, sessions, uplink, outbox, boot, keyring, state)
    if keyring.usable:
        asyncio.create_task(uplink.run())
    else:
        log("uplink: no signing key in config.json (key, key_id): proposals stay on the bench")
    asyncio.create_task(_sessions_loop(sessions))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    async def reboot_when_asked():
        while not downlink.reboot_requested:
            await asyncio.sleep(1)
        await asyncio.sleep(1)
        log("agent: restarting as the hub asked (systemd starts it again)")
        stop.set()

    asyncio.create_task(reboot_when_asked())
    server = asyncio.create_task(app.start_server(host=cfg["portal"]["host"], port=cfg["portal"]["port"]))
    log("portal listening on %s:%d" % (cfg["portal"]["host"], cfg["portal"]["port"]))
    try:
        await asyncio.wait([server, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
        if server.done():
            server.result()  # the portal could not start (address in use): say why
    finally:
        app.shutdown()
        uplink.close()
        hotspot.stop()
        try:
            firewall.unload()
        except FirewallError:
            pass
        log("agent: stopped")
    return 75 if downlink.reboot_requested else 0


def run(config_path):
    """Start the agent; returns the process exit status."""
    from edge_agent.agent.settings import SettingsError, agent_settings

    try:
        cfg = load_config(config_path)
        settings = agent_settings(cfg)
    except (ConfigError, SettingsError) as exc:
        log("config error: %s" % exc)
        return EX_CONFIG
    cfg.setdefault("dns", {"host": "0.0.0.0", "port": settings["dns_port"]})
    # A request for any of this machine's own addresses is for the portal (the wired side too), not a probe.
    port = cfg["portal"]["port"]
    names = cfg.setdefault("hotspot", {}).setdefault("names", [])
    for ip in own_addresses():
        names.extend((ip, "%s:%d" % (ip, port)))
    cfg["dns"].setdefault("port", settings["dns_port"])
    prepare_data_dir(cfg, settings, config_path)
    try:
        return asyncio.run(_main(cfg, settings))
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        log("agent: %s" % exc)
        return 1

