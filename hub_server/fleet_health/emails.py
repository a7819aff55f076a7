"""Alert emails to the network's staff, once per alert."""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from hub_server.fleet_health.models import Alert
from hub_server.languages.selectors import languages_of_emails
from hub_server.mail.services import mail_send


def alert_recipients() -> list[str]:
    admins = get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(email="")
    return sorted(set(settings.HUB_STAFF_EMAILS) | set(admins.values_list("email", flat=True)))


def send_alert(*, alert_id: int) -> None:
    alert = Alert.objects.select_related("bench").get(pk=alert_id)
    if alert.emailed:
        return
    recipients = alert_recipients()
    sent = True
    for language, group in languages_of_emails(emails=recipients).items():
        with translation.override(language):
            names = {"bench": alert.bench_id, "municipality": alert.bench.municipality,
                     "kind": alert.get_kind_display(), "url": f"{settings.HUB_PUBLIC_URL}/fleet/{alert.bench_id}/",
                     "opened": formats.date_format(timezone.localtime(alert.opened), "SHORT_DATETIME_FORMAT")}
            sent = mail_send(
                purpose="fleet-alert", subject=_("LINK bench %(bench)s: %(kind)s") % names,
                body=_("Bench %(bench)s (%(municipality)s): %(kind)s.") % names + "\n" + alert.describe() + "\n"
                     + _("Opened %(opened)s.") % names + "\n" + _("Dashboard: %(url)s") % names + "\n",
                to=group) and sent
    if not sent:
        return  # recorded as a MailFailure; the alert stays marked as not emailed
    Alert.objects.filter(pk=alert_id).update(emailed=True)
