
import pytest

from edge_agent import devicelibs


def test_the_index_comes_from_pip_configuration(monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "http://mirror.invalid/simple")
    assert devicelibs.configured_index_url() == "http://mirror.invalid/simple/"


def test_a_download_whose_hash_differs_from_the_pin_is_refused(monkeypatch, tmp_path):
    tampered = b"not the pinned archive"
    listing = b'{"files": [{"filename": "x-1.0.tar.gz", "url": "x-1.0.tar.gz"}]}'
    monkeypatch.setenv("PIP_INDEX_URL", "http://mirror.invalid/simple")
    monkeypatch.setattr(devicelibs, "_fetch", lambda url, accept=None: listing if accept else tampered)
    with pytest.raises(devicelibs.DeviceLibError, match="does not match the pinned"):
        devicelibs.download_pinned("x", "x-1.0.tar.gz", "0" * 64, tmp_path)
    assert not (tmp_path / "x-1.0.tar.gz").exists()


def test_built_libraries_are_mpy_and_match_their_pins():
    from edge_agent.firmware_image import ensure_device_libs

    lib = ensure_device_libs()
    for name in ("umqtt/simple.mpy", "microdot/microdot.mpy", "microdot/__init__.mpy"):
        assert (lib / name).read_bytes()[:1] == b"M", name  # the .mpy magic byte
    assert devicelibs.libs_are_current(lib)
