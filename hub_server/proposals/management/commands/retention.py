from django.core.management.base import BaseCommand

from hub_server.proposals.privacy_services import (contacts_due_for_erasure, contacts_erase_expired,
                                                   login_logs_purge, mail_failures_purge)


class Command(BaseCommand):
    help = ("Erase citizens' names and contacts whose retention period is over (HUB_CONTACT_RETENTION_DAYS after "
            "the idea closed, default 365), failed-mail records older than HUB_MAIL_FAILURE_DAYS and login logs "
            "older than HUB_LOGIN_LOG_DAYS. Run daily "
            "(docs/security.md has a cron line and a systemd timer); --dry-run only counts.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **opts):
        if opts["dry_run"]:
            self.stdout.write(f"contacts due for erasure: {contacts_due_for_erasure().count()}")
            return
        erased, mails, logins = contacts_erase_expired(), mail_failures_purge(), login_logs_purge()
        self.stdout.write(f"contacts erased: {erased}; failed-mail records deleted: {mails}; "
                          f"login log records deleted: {logins}")
