import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from hub_server.membership.models import Organisation
from hub_server.membership.services import reviewer_add


class Command(BaseCommand):
    help = ("Add a reviewer to an approved organisation: the account is made (or moved to that organisation) "
            "and emailed a one-time link to choose a password. Administrators: `hub admin-add`.")

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--organisation", required=True, help="the organisation's registration number")
        parser.add_argument("--name", default="", help="the reviewer's full name")

    def handle(self, *args, **opts):
        organisation = Organisation.objects.filter(registration_number=opts["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation has registration number {opts['organisation']!r}.")
        try:
            user = reviewer_add(organisation=organisation, email=opts["email"], full_name=opts["name"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        self.stdout.write(json.dumps({"username": user.username, "organisation": organisation.name}))
