import json
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hub_server.membership import services


class Command(BaseCommand):
    help = ("Register an approved civil-society organisation with one reviewer account for the given "
            "municipalities (as if it had applied and an administrator had approved it); prints the login as JSON.")

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--municipality", action="append", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--username", help="default: the email address")
        parser.add_argument("--password", help="default: a new random one")
        parser.add_argument("--by", required=True, help="the approving network administrator's username")

    def handle(self, *args, **opts):
        with transaction.atomic():  # the welcome e-mail goes out on commit, before the login is printed
            login = self._register(opts)
        self.stdout.write(json.dumps(login))

    def _register(self, opts) -> dict:
        admin = get_user_model().objects.filter(username=opts["by"]).first()
        if admin is None:
            raise CommandError(f"no user {opts['by']!r}")
        organisation = services.organisation_apply(
            name=opts["name"], registration_number=f"CLI-{secrets.token_hex(4)}", municipalities=opts["municipality"],
            contact_name=opts["name"], contact_email=opts["email"], principles_accepted=True)
        user = services.organisation_approve(organisation=organisation, by=admin)
        password = opts["password"] or secrets.token_urlsafe(9)
        user.username = opts["username"] or user.username
        user.set_password(password)
        user.save(update_fields=["username", "password"])
        return {"username": user.username, "password": password}
