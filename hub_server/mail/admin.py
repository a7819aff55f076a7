from django.contrib import admin

from hub_server.mail.models import MailFailure


@admin.register(MailFailure)
class MailFailureAdmin(admin.ModelAdmin):
    list_display = ("at", "purpose", "subject", "error")
    list_filter = ("purpose",)
    readonly_fields = ("at", "purpose", "recipients", "subject", "error")
