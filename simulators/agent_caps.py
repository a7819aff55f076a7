"""How well the edge agent's per-phone bandwidth cap holds (scripts/bench_agent_caps.sh).

In network namespaces (simulators.netns): each phone passes the portal ("continue"), then both
download SIZE bytes from the internet host at once; once with the cap (rate_kbytes), once with a
cap too high to bite (the baseline, same process, same machine). Prints kB/s per phone."""
import argparse
import json
import tempfile
from pathlib import Path

from simulators.netns import PORTAL, POST_FORM, WAN_HOST, Agent, internet, unavailable

DOWNLOAD = """
import time, urllib.request
t = time.monotonic()
n = len(urllib.request.urlopen("http://%s/big", timeout=600).read())
print(n, time.monotonic() - t)
"""


def measure(net, tmp, rate_kbytes):
    agent = Agent(net, tmp, rate_kbytes=rate_kbytes)
    try:
        for phone in net.phones:
            assert net.python(phone, POST_FORM % (PORTAL, "/internet", {"lang": "en"}, PORTAL)).startswith("200")
        procs = [net.popen(phone, ["python3", "-c", DOWNLOAD % WAN_HOST], stdout=-1, text=True) for phone in net.phones]
        results = []
        for proc in procs:
            size, seconds = proc.communicate(timeout=900)[0].split()
            results.append(int(size) / 1000 / float(seconds))
        return results
    finally:
        agent.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate-kbytes", type=int, default=256)
    parser.add_argument("--size-kb", type=int, default=4096)
    args = parser.parse_args(argv)
    why = unavailable()
    if why:
        print("skipped: %s" % why)
        return 0
    with internet(args.size_kb * 1000) as net:
        capped = measure(net, Path(tempfile.mkdtemp(prefix="caps-")), args.rate_kbytes)
        baseline = measure(net, Path(tempfile.mkdtemp(prefix="caps-")), 10 ** 7)
    out = {"cap_kB_s": args.rate_kbytes, "size_kB": args.size_kb,
           "capped_kB_s": [round(x) for x in capped], "baseline_kB_s": [round(x) for x in baseline]}
    print("phone  cap kB/s  measured kB/s  uncapped kB/s  measured/cap")
    for i, (c, b) in enumerate(zip(capped, baseline)):
        print("%5d  %8d  %13.0f  %13.0f  %12.2f" % (i + 1, args.rate_kbytes, c, b, c / args.rate_kbytes))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
