import json
import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from hub_server.membership.services import administrator_ensure


class Command(BaseCommand):
    help = ("Create a network administrator account (reviews every municipality, decides on CSO applications, "
            "sees the fleet), or reset its password; prints the login as JSON once.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", help="default: a new random one (the password validators apply)")

    def handle(self, *args, **opts):
        password = opts["password"] or secrets.token_urlsafe(12)
        try:
            user = administrator_ensure(username=opts["username"], password=password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        self.stdout.write(json.dumps({"username": user.username, "password": password}))
