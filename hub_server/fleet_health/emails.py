"""Alert emails to the network's staff, once per alert."""
from django.conf import settings
from django.contrib.auth import get_user_model

from hub_server.fleet_health.models import Alert
from hub_server.mail.services import mail_send


def alert_recipients() -> list[str]:
    admins = get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(email="")
    return sorted(set(settings.HUB_STAFF_EMAILS) | set(admins.values_list("email", flat=True)))


def send_alert(*, alert_id: int) -> None:
    alert = Alert.objects.select_related("bench").get(pk=alert_id)
    if alert.emailed:
        return
    recipients = alert_recipients()
    if recipients and not mail_send(
            purpose="fleet-alert", subject=f"LINK bench {alert.bench_id}: {alert.get_kind_display().lower()}",
            body=f"Bench {alert.bench_id} ({alert.bench.municipality}): {alert.get_kind_display()}.\n"
                 f"{alert.detail}\nOpened {alert.opened:%Y-%m-%d %H:%M %Z}.\n"
                 f"Dashboard: {settings.HUB_PUBLIC_URL}/fleet/{alert.bench_id}/\n", to=recipients):
        return  # recorded as a MailFailure; the alert stays marked as not emailed
    Alert.objects.filter(pk=alert_id).update(emailed=True)
