from django.core.management.base import BaseCommand, CommandError

from hub_server.membership.services import municipality_ensure
from hub_server.network.protocol_services import official_add


class Command(BaseCommand):
    help = "Make an account for a municipal official (limited to that municipality); emails a password link."

    def add_arguments(self, parser):
        parser.add_argument("municipality")
        parser.add_argument("email")
        parser.add_argument("--name", default="")

    def handle(self, *args, **opts):
        from django.core.exceptions import ValidationError
        try:
            user = official_add(municipality=municipality_ensure(name=opts["municipality"]), email=opts["email"],
                                full_name=opts["name"], by=None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        self.stdout.write(f"{user.username}: official of {opts['municipality']}; a password link was emailed.")
