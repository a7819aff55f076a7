"""Register many benches with the hub in one process (one Django start, not one per bench).

    python -m simulators.fleet.register sarajevo-centar-1="Sarajevo Centar" mostar-1=Mostar
prints one JSON line per bench: what `hub bench-add` prints (credentials and key, once).
Run with the hub's environment (DATABASE_URL ...), as Stack.hub_env() gives it.
"""
import json
import os
import sys


def main(argv):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub_server.settings")
    import django

    django.setup()
    from hub_server.fleet.services import bench_register

    for arg in argv:
        bench_id, _, municipality = arg.partition("=")
        bench, credentials = bench_register(bench_id=bench_id, municipality=municipality)
        print(json.dumps({"bench_id": bench.id, "municipality": bench.municipality, **credentials}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
