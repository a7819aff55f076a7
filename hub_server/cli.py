"""`hub`: the hub's command line. Every Django management command is a `hub` subcommand
(hub migrate, hub ingest, hub serve, hub proposals --json, hub bench-add ...); `hub manage X`
is the same as `hub X`."""
import os
import sys


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "manage":
        argv = argv[1:]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub_server.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["hub"] + argv)


if __name__ == "__main__":
    main()
