from django.db.models import QuerySet

from hub_server.mail.models import MailFailure


def mail_failures_recent(*, limit: int = 200) -> QuerySet:
    return MailFailure.objects.all()[:limit]
