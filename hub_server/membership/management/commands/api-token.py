from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from hub_server.membership.services import api_token_create


class Command(BaseCommand):
    help = "Make a staff API token for a user; printed once (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args, **opts):
        user = get_user_model().objects.get(username=opts["username"])
        self.stdout.write(api_token_create(user=user, name=opts["name"]))
