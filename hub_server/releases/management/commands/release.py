import json
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hub_server.releases import services
from hub_server.releases.keys import public_key_hex, release_key
from hub_server.releases.models import Release


def _publisher(client_id: str):
    """A client of the hub's cmd role (the only one the broker lets write commands). The broker
    allows one session per role user: `hub release send` while the worker runs takes the session
    over for a moment, and the worker's client reconnects."""
    from hub_server.mqtt import hub_client

    client = hub_client("cmd")
    m = settings.MQTT
    client.connect(m["host"], m["port"])
    client.loop_start()

    def publish(topic, payload):
        info = client.publish(topic, payload, qos=1)
        info.wait_for_publish(timeout=10)
        if not info.is_published():
            raise CommandError(f"the broker did not take {topic}")

    return client, publish


class Command(BaseCommand):
    help = ("Releases: `key` (make/show the release key), `add DIR` (register and sign a release built by "
            "`bench image --release`), `list`, `rollout SEQ --canary BENCH`, `halt ID`, `worker` (run rollouts).")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("key", help="make the release key once; print its public half (a bench's release_key)")
        add = sub.add_parser("add", help="number, sign and store a release tree")
        add.add_argument("tree")
        add.add_argument("--actor", default="cli")
        sub.add_parser("list")
        rollouts = sub.add_parser("list-rollouts")
        rollouts.add_argument("--json", action="store_true", help="one JSON object per rollout, newest first")
        roll = sub.add_parser("rollout", help="start a rollout: canary, then a share, then all")
        roll.add_argument("seq", type=int)
        roll.add_argument("--canary", required=True)
        roll.add_argument("--share", type=int, default=25, help="percent of the fleet in the second stage")
        roll.add_argument("--halt-after", type=int, default=1, help="rollbacks that halt the rollout")
        roll.add_argument("--url", help="base URL benches fetch from (default: HUB_RELEASES_URL)")
        roll.add_argument("--actor", default="cli")
        halt = sub.add_parser("halt")
        halt.add_argument("rollout_id", type=int)
        halt.add_argument("--actor", default="cli")
        send = sub.add_parser("send", help="send benches the update command outside a rollout")
        send.add_argument("seq", type=int)
        send.add_argument("benches", nargs="+")
        send.add_argument("--actor", default="cli")
        safe = sub.add_parser("leave-safe-mode", help="tell benches in safe mode to start their full application")
        safe.add_argument("benches", nargs="+")
        safe.add_argument("--actor", default="cli")
        worker = sub.add_parser("worker", help="advance rollouts: send updates and confirmations, halt on rollbacks")
        worker.add_argument("--every", type=float, default=2.0, help="seconds between steps")
        worker.add_argument("--once", action="store_true")

    def handle(self, *args, **opts):
        action = opts["action"]
        try:
            if action == "key":
                self.stdout.write(public_key_hex(release_key(create=True)))
            elif action == "add":
                release = services.release_add(tree=opts["tree"], actor=opts["actor"])
                self.stdout.write(json.dumps({"seq": release.seq, "version": release.version,
                                              "files": release.files, "size": release.size}))
            elif action == "list":
                for r in Release.objects.all():
                    self.stdout.write(f"{r.seq}\t{r.version}\t{r.files} files\t{r.size} B\t{r.created:%Y-%m-%d %H:%M}")
            elif action == "list-rollouts":
                from hub_server.releases.models import Rollout

                for r in Rollout.objects.select_related("release"):
                    done = r.benches.filter(state="updated").count()
                    if opts["json"]:
                        failed = r.benches.filter(state__in=["rolled_back", "refused"]).count()
                        self.stdout.write(json.dumps({"rollout": r.pk, "seq": r.release.seq, "version": r.release.version,
                                                     "stage": r.stage, "updated": done, "failed": failed,
                                                     "halted_reason": r.halted_reason}))
                    else:
                        self.stdout.write(f"{r.pk}\t{r.release.version} (#{r.release.seq})\t{r.stage}\t"
                                          f"{done} updated\t{r.halted_reason}")
            elif action == "rollout":
                rollout = services.rollout_start(seq=opts["seq"], canary=opts["canary"], share_pct=opts["share"],
                                                 halt_after=opts["halt_after"], actor=opts["actor"], url=opts["url"])
                self.stdout.write(json.dumps({"rollout": rollout.pk, "stage": rollout.stage, "url": rollout.url}))
            elif action == "halt":
                services.rollout_halt(rollout_id=opts["rollout_id"], actor=opts["actor"], reason="halted by operator")
            elif action == "send":
                client, publish = _publisher("hub-release-send")
                try:
                    for bench_id in opts["benches"]:
                        publish(*services.update_send(bench_id=bench_id, seq=opts["seq"], actor=opts["actor"]))
                finally:
                    client.loop_stop()
                    client.disconnect()
            elif action == "leave-safe-mode":
                client, publish = _publisher("hub-release-safe")
                try:
                    for bench_id in opts["benches"]:
                        publish(*services.safe_mode_leave(bench_id=bench_id, actor=opts["actor"]))
                finally:
                    client.loop_stop()
                    client.disconnect()
            elif action == "worker":
                self._worker(opts["every"], opts["once"])
        except (services.ReleaseError, FileNotFoundError, ValueError) as exc:
            raise CommandError(str(exc))
        except Release.DoesNotExist:
            raise CommandError("no such release")

    def _worker(self, every: float, once: bool):
        client, publish = _publisher("hub-releases")
        try:
            while True:
                for topic, payload in services.rollout_tick():
                    publish(topic, payload)
                if once:
                    return
                time.sleep(every)
        finally:
            client.loop_stop()
            client.disconnect()
