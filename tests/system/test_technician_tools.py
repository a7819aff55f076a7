"""The technicians' toolkit against the simulated board: real mpremote and esptool (unchanged, from
the venv) must not tell it from hardware, and `bench flash|deploy|provision|doctor` must do their
job or change nothing and say why."""
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
import serial

from edge_agent.device import deploy as deploy_mod
from edge_agent.device.doctor import doctor, report
from edge_agent.device.flash import flash
from edge_agent.device.provision import provision
from edge_agent.device.transport import Device, DeviceError
from edge_agent.firmware_image import build_image
from simulators.bench import bench_config
from simulators.devices.rom_bootloader import FLASH_SIZE, RomBootloaderServer
from simulators.devices.serial_device import VirtualSerialDevice
from simulators.faultproxy import FaultProxy
from simulators.stack import free_port
from tests.support import wait_for

pytestmark = [pytest.mark.micropython, pytest.mark.slow]
VENV_BIN = Path(sys.executable).parent


def tool(name, *args, timeout=60):
    result = subprocess.run([str(VENV_BIN / name), *args], capture_output=True, text=True, timeout=timeout)
    return result.returncode, result.stdout + result.stderr


def esp32_image(path, chip_class="ESP32FirmwareImage", payload=100 * 1024):
    """A valid ESP app image made with esptool's own image writer (no MicroPython download here)."""
    from esptool import bin_image

    image = getattr(bin_image, chip_class)()
    image.entrypoint = 0x40080000
    image.segments = [bin_image.ELFSection(b".dram0.data", 0x3FFB0000, os.urandom(payload), 0)]
    image.save(str(path))
    return path


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    root = tmp_path_factory.mktemp("board")
    fs = root / "fs"
    fs.mkdir()
    rom = RomBootloaderServer(root / "flash.bin").start()
    device = VirtualSerialDevice(fs, log_path=root / "serial.log").start()
    device.rom, device.fs, device.root = rom, fs, root
    yield device
    device.stop()
    rom.stop()


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    return build_image(tmp_path_factory.mktemp("image") / "tree")


def serial_log(board):
    return (board.root / "serial.log").read_text(errors="replace")


# -- the simulated devices, seen by the real tools ---------------------------------------------------
def test_esptool_detects_an_esp32_writes_and_verifies(board, tmp_path):
    firmware = esp32_image(tmp_path / "fw.bin")
    code, out = tool("esptool", "--port", board.rom.url, "--no-stub", "write-flash", "0x1000", str(firmware))
    assert code == 0, out
    assert "Detecting chip type... ESP32" in out and "Hash of data verified." in out
    written = (board.root / "flash.bin").read_bytes()
    assert len(written) == FLASH_SIZE and written[0x1000:0x1000 + firmware.stat().st_size] == firmware.read_bytes()
    code, out = tool("esptool", "--port", board.rom.url, "--no-stub", "verify-flash", "0x1000", str(firmware))
    assert code == 0 and "Verification successful (digest matched)" in out, out
    code, out = tool("esptool", "--port", board.rom.url, "--no-stub", "flash-id")
    assert "Detected flash size: 4MB" in out, out


def test_mpremote_lists_copies_runs_mounts_and_resets(board, tmp_path):
    (tmp_path / "hello.py").write_text("print('hello from the laptop')\n")
    (tmp_path / "blob.bin").write_bytes(bytes(range(256)) * 8)  # every byte value, 0x03 included
    code, out = tool("mpremote", "connect", board.path, "fs", "cp", str(tmp_path / "hello.py"), ":hello.py",
                     "+", "fs", "ls", "+", "exec", "import hello")
    assert code == 0, out
    assert "hello.py" in out and "hello from the laptop" in out
    assert (board.fs / "hello.py").read_text() == "print('hello from the laptop')\n"
    code, out = tool("mpremote", "connect", board.path, "mount", str(tmp_path), "exec",
                     "import hashlib, binascii; print(binascii.hexlify(hashlib.sha256(open('blob.bin','rb').read()).digest()))")
    import hashlib
    assert code == 0 and hashlib.sha256((tmp_path / "blob.bin").read_bytes()).hexdigest() in out, out
    code, out = tool("mpremote", "connect", board.path, "exec", "import os; print(os.statvfs('/')[0] * os.statvfs('/')[2])")
    assert out.strip().endswith(str(2 * 1024 * 1024)), out  # the ESP32's filesystem partition, not the host disk
    hard_resets = sum(1 for reason, _ in board.resets if reason == "hard")
    code, out = tool("mpremote", "connect", board.path, "reset")
    assert code == 0, out
    wait_for(lambda: sum(1 for reason, _ in board.resets if reason == "hard") > hard_resets, timeout=10)
    wait_for(lambda: "SW_CPU_RESET" in serial_log(board), timeout=10)
    (board.fs / "hello.py").unlink()


def test_bench_console_is_the_boards_repl(board):
    import select
    import time
    master, slave = pty.openpty()  # mpremote's REPL wants a terminal, as a technician's has
    console = subprocess.Popen([str(VENV_BIN / "bench"), "console", "--port", board.path], stdin=slave, stdout=slave,
                               stderr=slave, start_new_session=True)
    os.close(slave)
    seen = b""

    def read_until(marker, timeout=20):
        nonlocal seen
        deadline = time.monotonic() + timeout
        while marker not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                seen += os.read(master, 4096)
        return marker in seen
    try:
        assert read_until(b"Use Ctrl-] or Ctrl-x to exit this shell"), seen
        os.write(master, b"\r\n")
        assert read_until(b">>> "), seen
        os.write(master, b"print(6 * 7)\r")
        assert read_until(b"42"), seen
        os.write(master, b"\x1d")  # Ctrl-]
        assert console.wait(20) == 0
    finally:
        if console.poll() is None:
            console.kill()
        os.close(master)


# -- bench flash ------------------------------------------------------------------------------------
def test_bench_flash_refuses_wrong_chip_and_oversize_images_before_erasing(board, tmp_path):
    before = (board.root / "flash.bin").read_bytes()
    s3 = esp32_image(tmp_path / "s3.bin", "ESP32S3FirmwareImage")
    with pytest.raises(DeviceError, match="wrong chip: the image is for ESP32-S3, the board is ESP32"):
        flash(board.rom.url, s3, log=lambda _: None)
    huge = esp32_image(tmp_path / "huge.bin", payload=FLASH_SIZE)
    with pytest.raises(DeviceError, match="image too large: .* does not fit the board's 4MB flash"):
        flash(board.rom.url, huge, log=lambda _: None)
    assert (board.root / "flash.bin").read_bytes() == before  # nothing erased
    (tmp_path / "notes.txt").write_text("not firmware")
    with pytest.raises(DeviceError, match="not an ESP firmware image"):
        flash(board.rom.url, tmp_path / "notes.txt")
    dead = free_port()
    with pytest.raises(DeviceError, match="no device answering"):
        flash(f"socket://127.0.0.1:{dead}", esp32_image(tmp_path / "ok.bin"))
    good = esp32_image(tmp_path / "good.bin")
    result = flash(board.rom.url, good, log=lambda _: None)
    assert (result.chip, result.flash_size, result.offset) == ("ESP32", "4MB", 0x1000)
    assert (board.root / "flash.bin").read_bytes()[0x1000:0x1000 + good.stat().st_size] == good.read_bytes()


# -- serial faults ----------------------------------------------------------------------------------
def test_port_faults_are_named(board):
    with pytest.raises(DeviceError, match="no such port /dev/pts/999"):
        Device("/dev/pts/999").open()
    holder = serial.serial_for_url(board.path, exclusive=True)
    try:
        with pytest.raises(DeviceError, match="port busy"):
            Device(board.path).open()
    finally:
        holder.close()
    master, slave = pty.openpty()  # a port with nothing answering on it
    try:
        with pytest.raises(DeviceError, match="no device answering"):
            Device(os.ttyname(slave), answer_timeout=2).open()
    finally:
        os.close(master)
        os.close(slave)


# -- deploy, provision, doctor against a hub ----------------------------------------------------------
@pytest.fixture
def hub(provisioning_hub):
    return provisioning_hub


def hub_benches(hub):
    return json.loads(hub.hub("shell", "-v", "0", "-c", "import json\nfrom hub_server.fleet.models import Bench\n"
                              "print(json.dumps({b.id: b.key for b in Bench.objects.all()}))"))


def test_deploy_sends_only_what_changed_and_the_bench_comes_up(board, image):
    # As left by a technician before: portal and DNS on loopback ports (the host has no port 80 to give).
    cfg = bench_config("sa-9", "Sarajevo Centar", "127.0.0.1", 1, free_port())
    (board.fs / "config.json").write_text(json.dumps(cfg))
    first = deploy_mod.deploy(board.path, image)
    assert len(first.sent) == len(deploy_mod.local_tree(image)) and first.came_up, first.boot_log
    (image / "benchcore" / "clock.mpy").write_bytes((image / "benchcore" / "clock.mpy").read_bytes())  # same bytes
    (board.fs / "lib" / "stale.mpy").write_bytes(b"M\x06old")
    second = deploy_mod.deploy(board.path, image)
    assert second.sent == [] and second.removed == ["lib/stale.mpy"] and second.came_up
    assert json.loads((board.fs / "config.json").read_text()) == cfg  # the bench's own files untouched


def test_provision_registers_rotates_and_doctor_sees_the_broker(board, hub):
    portal = "127.0.0.1:%d" % free_port()
    first = provision(board.path, bench_id="sa-9", municipality="Sarajevo Centar", hub=hub.hub_url,
                      token=hub.token, portal=portal)
    cfg = json.loads((board.fs / "config.json").read_text())
    assert cfg["key"] == first.config["key"] == hub_benches(hub)["sa-9"] and len(cfg["seal_key"]) == 512
    assert cfg["ssid"] == "LINK klupa · Sarajevo Centar" and cfg["power"] == {"policy": {"ap_hours": [0, 24]}}
    assert "portal listening on " + portal in first.boot_log
    assert not (board.fs / "config.json.new").exists()
    sticker = first.sticker(hub.hub_url)
    assert "LINK bench sa-9" in sticker and "Wi-Fi (SSID)  LINK klupa · Sarajevo Centar" in sticker
    # the hub handed the broker the new credentials itself (HUB_BROKER_DIR/RELOAD): no operator step
    checks = doctor(board.path)
    text, status = report(checks)
    assert status == 0 and "credentials accepted" in text and text.endswith("verdict: healthy"), text
    second = provision(board.path, bench_id="sa-9", municipality="Sarajevo Centar", hub=hub.hub_url,
                       token=hub.token)
    assert second.replaced and second.config["key_id"] == "k2" and second.config["portal"] == cfg["portal"]
    assert hub_benches(hub)["sa-9"] == second.config["key"] != first.config["key"]
    import paho.mqtt.client as mqtt
    old = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="old-creds")
    old.username_pw_set("sa-9", first.config["mqtt"]["password"])
    assert old.connect("127.0.0.1", hub.broker_port) == 0
    codes = []
    old.on_connect = lambda c, u, f, rc, p: codes.append(rc)
    old.loop_start()
    wait_for(lambda: codes, timeout=10)
    old.loop_stop()
    assert codes[0].is_failure  # the revoked password no longer opens the broker


def test_a_failed_provisioning_changes_nothing(board, hub):
    before = (board.fs / "config.json").read_bytes()
    keys_before = hub_benches(hub)
    with pytest.raises(DeviceError, match="token refused"):
        provision(board.path, bench_id="sa-10", municipality="Tuzla", hub=hub.hub_url, token="hub_wrong", reset=False)
    with pytest.raises(DeviceError, match="hub unreachable at"):
        provision(board.path, bench_id="sa-10", municipality="Tuzla", hub=f"http://127.0.0.1:{free_port()}/",
                  token=hub.token, reset=False)
    # The uplink dies after the offer, while confirming: the laptop never hears back.
    with FaultProxy(hub.web_port) as proxy:
        def cut_at_confirm(step):
            if step == "confirming on the hub":
                proxy.blackhole()
        with pytest.raises(DeviceError, match="hub unreachable.*keeps its previous config"):
            provision(board.path, bench_id="sa-10", municipality="Tuzla", hub=f"http://127.0.0.1:{proxy.port}/",
                      token=hub.token, progress=cut_at_confirm, reset=False, hub_timeout=3)
    # Another technician provisions the same bench between this one's offer and confirmation.
    def race(step):
        if step == "confirming on the hub":
            _other_technician(hub)
    with pytest.raises(DeviceError, match="provisioned or rotated meanwhile"):
        provision(board.path, bench_id="sa-9", municipality="Sarajevo Centar", hub=hub.hub_url, token=hub.token,
                  progress=race, reset=False)
    assert (board.fs / "config.json").read_bytes() == before
    assert not (board.fs / "config.json.new").exists()
    after = hub_benches(hub)
    assert "sa-10" not in after and set(after) == set(keys_before)


def _other_technician(hub):
    import urllib.request
    def post(path, body):
        request = urllib.request.Request(hub.hub_url + "api/v1/staff/benches/sa-9/" + path, json.dumps(body).encode(),
                                         {"Authorization": "Bearer " + hub.token, "Content-Type": "application/json"})
        return json.loads(urllib.request.urlopen(request, timeout=10).read())
    post("provision/confirm", {"offer": post("provision", {"municipality": "Sarajevo Centar"})["offer"]})
