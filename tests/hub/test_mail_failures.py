"""A mail problem never undoes or breaks what caused the email (issue 9).

Real SMTP, no mocks: a closed port on loopback (the mail server is down) and a small SMTP server
on loopback that refuses some recipients. The decisions run through the real views with real
commits (transactional tests), so the on-commit hooks run as in production.
"""
import socket
import socketserver
import threading

import pytest

from hub_server.fleet.models import PendingDownlink
from hub_server.fleet_health.models import Alert
from hub_server.fleet_health.services import fleet_check
from hub_server.mail.models import MailFailure
from hub_server.proposals.models import Proposal

pytestmark = pytest.mark.django_db(transaction=True)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _RefusingSMTP(socketserver.StreamRequestHandler):
    """Enough SMTP for smtplib: refuses RCPT for addresses that start with 'refused', keeps the rest."""

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 test ESMTP")
        in_data = False
        while line := self.rfile.readline():
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if in_data:
                if text == ".":
                    in_data = False
                    self.reply("250 queued")
                continue
            verb = text[:4].upper()
            if verb == "RCPT":
                address = text.split(":", 1)[1].strip(" <>")
                if address.startswith("refused"):
                    self.reply("550 5.1.1 no such mailbox")
                else:
                    self.server.accepted.append(address)
                    self.reply("250 ok")
            elif verb == "DATA":
                in_data = True
                self.reply("354 go on")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:  # EHLO, HELO, MAIL, RSET, NOOP
                self.reply("250 ok")


@pytest.fixture
def refusing_smtp():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _RefusingSMTP)
    server.daemon_threads = True
    server.accepted = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _smtp(settings, port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False


def test_a_decision_stands_and_the_digest_is_queued_when_the_mail_server_is_down(
        settings, client, sarajevo_reviewer, new_proposal):
    _smtp(settings, _closed_port())
    p = new_proposal()
    client.force_login(sarajevo_reviewer)
    response = client.post(f"/review/p/{p.pk}/validate/")
    assert response.status_code == 302  # not a 500: the decision was committed before the mail failed
    p.refresh_from_db()
    assert p.status == Proposal.Status.VALIDATED
    assert PendingDownlink.objects.filter(bench_id="sa-1", kind="digest").exists()
    failure = MailFailure.objects.get()
    assert failure.purpose == "citizen-status" and failure.recipients == "ana@example.org"
    assert "ConnectionRefusedError" in failure.error
    # Administrators see it.
    client.force_login(sarajevo_reviewer)
    assert client.get("/review/mail-failures/").status_code == 403


def test_one_refused_citizen_address_does_not_stop_the_others(settings, client, sarajevo_reviewer, admin_user,
                                                              new_proposal, refusing_smtp):
    _smtp(settings, refusing_smtp.server_address[1])
    first = new_proposal(contact="refused@example.org")
    second = new_proposal(contact="vesna@example.org")
    client.force_login(sarajevo_reviewer)
    for p in (first, second):
        assert client.post(f"/review/p/{p.pk}/validate/").status_code == 302
    response = client.post("/review/actions/", {"title": "Česme", "municipality": "Sarajevo Centar",
                                                "proposals": f"{first.receipt}, {second.receipt}",
                                                "public_answer": "Planirano"})
    assert response.status_code == 302
    assert refusing_smtp.accepted.count("vesna@example.org") == 2  # validated, then the action
    failures = list(MailFailure.objects.values_list("purpose", "recipients"))
    assert failures == [("citizen-status", "refused@example.org")] * 2
    assert "SMTPRecipientsRefused" in MailFailure.objects.first().error
    client.force_login(admin_user)
    page = client.get("/review/mail-failures/").content.decode()
    assert "refused@example.org" in page and "citizen-status" in page


def test_a_failing_alert_email_does_not_stop_the_fleet_check(settings, benches):
    _smtp(settings, _closed_port())
    settings.HUB_STAFF_EMAILS = ["ops@example.org"]
    assert fleet_check() == 2  # both benches never seen: two alerts, two failed emails, no exception
    assert Alert.objects.filter(kind="offline", emailed=False).count() == 2
    assert MailFailure.objects.filter(purpose="fleet-alert").count() == 2


def test_a_mail_server_that_never_answers_is_given_up_on(settings, client, sarajevo_reviewer, new_proposal):
    assert settings.EMAIL_TIMEOUT == 10  # the hub's default: never wait forever
    settings.EMAIL_TIMEOUT = 1
    with socket.socket() as silent:  # accepts connections (the kernel's backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        _smtp(settings, silent.getsockname()[1])
        p = new_proposal()
        client.force_login(sarajevo_reviewer)
        assert client.post(f"/review/p/{p.pk}/validate/").status_code == 302
    assert "timed out" in MailFailure.objects.get().error
