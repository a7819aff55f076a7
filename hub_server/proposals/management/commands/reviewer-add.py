import json
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from hub_server.membership import roles


class Command(BaseCommand):
    help = ("Create a network administrator account (reviews every municipality, decides on CSO applications, "
            "sees the fleet), or reset its password; prints the login as JSON once.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", help="default: a new random one")

    def handle(self, *args, **opts):
        password = opts["password"] or secrets.token_urlsafe(9)
        user, _ = get_user_model().objects.get_or_create(username=opts["username"])
        user.set_password(password)
        user.is_staff = True
        user.save()
        user.groups.add(Group.objects.get(name=roles.ADMINISTRATORS))
        self.stdout.write(json.dumps({"username": user.username, "password": password}))
