"""Safe mode on the real interpreter: a bench whose application cannot start resets (never a REPL
prompt), and after repeated failed boots serves only a notice in the five languages while its
uplink reports safe mode to the hub; the hub's command brings the repaired bench back."""
import urllib.error
import urllib.request

import pytest

from simulators.rollout import _wait, keepalive_of
from tests.support import running_hub

pytestmark = [pytest.mark.micropython, pytest.mark.slow]


def notice(bench):
    try:
        urllib.request.urlopen(bench.portal_url + "/", timeout=3)
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()
    except OSError:
        return None
    return None


def test_a_bench_that_cannot_start_enters_safe_mode_and_the_hub_brings_it_back(tmp_path):
    with running_hub(tmp_path / "stack") as stack:
        bench = stack.add_bench("s1", "Goražde", start=False, supervise=True, keepalive=True, telemetry_s=2,
                                safe_mode={"healthy_s": 3600})
        portal = bench.flash / "benchcore" / "portal.mpy"
        good = portal.read_bytes()
        portal.write_bytes(b"not a module")  # e.g. a flash sector gone bad
        bench.start()
        page = _wait(lambda: notice(bench), 120)
        assert page, bench.lines[-30:]
        code, html = page
        assert code == 503
        for words in ("Klupa se trenutno popravlja", "Predlozi su sačuvani", "Клупа се тренутно поправља",
                      "This bench is being repaired"):
            assert words in html
        assert bench.stuck is None and bench.resets.count(5) >= 4  # the first start, then a reset after each failure
        assert _wait(lambda: "safe_mode\\tTrue" in stack.hub("shell", "-c",
                     "from hub_server.releases.models import BenchUpdate as U;"
                     "print('safe_mode\\\\t%s' % U.objects.filter(pk='s1').values_list('safe_mode', flat=True).first())"), 60)
        portal.write_bytes(good)  # repaired (by a release, or a technician)
        stack.hub("release", "leave-safe-mode", "s1")
        assert _wait(lambda: keepalive_of(bench).get("safe_mode") is False, 90), bench.lines[-20:]
        assert "Bosanski" in urllib.request.urlopen(bench.portal_url + "/", timeout=5).read().decode()
