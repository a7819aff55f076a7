"""Alert emails to the network's staff, once per alert."""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail

from hub_server.fleet_health.models import Alert


def alert_recipients() -> list[str]:
    admins = get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(email="")
    return sorted(set(settings.HUB_STAFF_EMAILS) | set(admins.values_list("email", flat=True)))


def send_alert(*, alert_id: int) -> None:
    alert = Alert.objects.select_related("bench").get(pk=alert_id)
    if alert.emailed:
        return
    recipients = alert_recipients()
    if recipients:
        send_mail(f"LINK bench {alert.bench_id}: {alert.get_kind_display().lower()}",
                  f"Bench {alert.bench_id} ({alert.bench.municipality}): {alert.get_kind_display()}.\n"
                  f"{alert.detail}\nOpened {alert.opened:%Y-%m-%d %H:%M %Z}.\n"
                  f"Dashboard: {settings.HUB_PUBLIC_URL}/fleet/{alert.bench_id}/\n", None, recipients)
    Alert.objects.filter(pk=alert_id).update(emailed=True)
