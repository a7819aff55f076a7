import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from hub_server.membership.services import municipality_ensure
from hub_server.network.protocol_services import official_add


class Command(BaseCommand):
    help = ("Make an account for a municipal official, limited to that municipality; emails a password link, "
            "or sets --password (demo, tests). Prints the login as JSON.")

    def add_arguments(self, parser):
        parser.add_argument("municipality")
        parser.add_argument("email")
        parser.add_argument("--name", default="")
        parser.add_argument("--password", help="set this password instead of emailing a link")

    def handle(self, *args, **opts):
        try:
            user = official_add(municipality=municipality_ensure(name=opts["municipality"]), email=opts["email"],
                                full_name=opts["name"], by=None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        if opts["password"]:
            user.set_password(opts["password"])
            user.save(update_fields=["password"])
        self.stdout.write(json.dumps({"username": user.username, "password": opts["password"],
                                      "municipality": opts["municipality"]}, ensure_ascii=False))
