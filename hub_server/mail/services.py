"""Sending the hub's emails so that a mail problem never undoes or breaks what caused the email.

Every email goes out after a commit (a review decision, an application, an alert). The mail server
being down, a recipient refused, or a citizen's address that no server accepts must not turn the
committed decision into an error page nor stop the work queued after it: the failure is logged in
one line and recorded as a MailFailure that administrators see (/review/mail-failures/, admin).
"""
import logging

from django.core.mail import send_mail
from django.db import DatabaseError, transaction

from hub_server.mail.models import MailFailure

log = logging.getLogger("hub.mail")


def mail_send(*, purpose: str, subject: str, body: str, to: list[str]) -> bool:
    """Send one plain-text email; True if the server took it, False (recorded) if not."""
    if not to:
        return False
    try:
        send_mail(subject, body, None, to, fail_silently=False)
        return True
    except Exception as exc:  # noqa: BLE001 - SMTP, socket, TLS and address errors all end here
        error = f"{type(exc).__name__}: {exc}".replace("\n", " ")[:500]
        log.warning("mail %s to %d recipient(s) failed: %s", purpose, len(to), error[:200])
    try:
        with transaction.atomic():
            MailFailure.objects.create(purpose=purpose[:40], recipients=", ".join(to)[:500], subject=subject[:200],
                                       error=error)
    except DatabaseError:
        log.exception("could not record the failed %s email", purpose)
    return False


def mail_on_commit(send) -> None:
    """Run send() after the current transaction commits, isolated from the other on-commit hooks.

    robust=True: if send raises anyway (a database error while composing), Django logs it and the
    hooks after it still run.
    """
    transaction.on_commit(send, robust=True)
