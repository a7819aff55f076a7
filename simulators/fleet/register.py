"""Prepare the hub for a fleet in one process (one Django start, not one per step or bench):
migrate, add the reviewer, register the benches.

    python -m simulators.fleet.register --migrate --admin admin --cso "Udruženje" sarajevo-centar-1="Sarajevo Centar"
prints JSON lines: {"administrator": login}, {"reviewer": login}, {"official": login} first (if asked), then per bench what `hub bench-add` prints
(credentials and key, once). Run with the hub's environment (DATABASE_URL ...), as Stack.hub_env() gives it.
"""
import argparse
import contextlib
import io
import json
import os


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--migrate", action="store_true")
    ap.add_argument("--admin", help="a network administrator's username")
    ap.add_argument("--cso", help="a civil-society organisation approved (by --admin) for the benches' municipalities")
    ap.add_argument("--reviewer", default="reviewer", help="the CSO reviewer's username")
    ap.add_argument("--official", metavar="MUNICIPALITY",
                    help="publish the model protocols and add a municipal official for this municipality")
    ap.add_argument("benches", nargs="*", help="ID=MUNICIPALITY")
    args = ap.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub_server.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from hub_server.fleet.services import bench_register

    if args.migrate:
        call_command("migrate", "--noinput", verbosity=0)
    if args.admin:
        out = io.StringIO()
        call_command("admin-add", args.admin, stdout=out)
        print(json.dumps({"administrator": json.loads(out.getvalue())}))
    if args.cso:
        out = io.StringIO()
        municipalities = sorted({spec.partition("=")[2] for spec in args.benches})
        with contextlib.redirect_stdout(io.StringIO()):  # the welcome e-mail (console backend)
            call_command("cso-add", args.cso, "--email", f"{args.reviewer}@example.org", "--username", args.reviewer,
                         "--by", args.admin, *[a for m in municipalities for a in ("--municipality", m)], stdout=out)
        print(json.dumps({"reviewer": json.loads(out.getvalue().strip().splitlines()[-1])}))
    if args.official:
        call_command("protocol-model", stdout=io.StringIO())
        out = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()):  # the welcome e-mail (console backend)
            call_command("official-add", args.official, "official@example.org", "--password",
                         "official-" + os.urandom(6).hex(), stdout=out)
        login = json.loads(out.getvalue().strip().splitlines()[-1])
        print(json.dumps({"official": {**login, "municipality": args.official}}, ensure_ascii=False))
    for spec in args.benches:
        bench_id, _, municipality = spec.partition("=")
        bench, credentials = bench_register(bench_id=bench_id, municipality=municipality)
        print(json.dumps({"bench_id": bench.id, "municipality": bench.municipality, **credentials}, ensure_ascii=False))


if __name__ == "__main__":
    main()
