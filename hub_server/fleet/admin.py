from django.contrib import admin

from hub_server.fleet.models import Bench


@admin.register(Bench)
class BenchAdmin(admin.ModelAdmin):
    list_display = ("id", "municipality", "online", "last_seen")
    exclude = ("mqtt_password_hash",)
