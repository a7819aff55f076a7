from django.contrib import admin

from hub_server.fleet.models import Bench, DeadLetter


@admin.register(Bench)
class BenchAdmin(admin.ModelAdmin):
    list_display = ("id", "municipality", "online", "last_seen")
    exclude = ("mqtt_password_hash",)


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    """Messages the ingest acknowledged but could not store: an operator reads why and deletes them once
    fixed. The payload is not shown: a proposal's text may carry personal data the review pages guard."""

    list_display = ("received", "bench_id", "topic", "reason", "attempts", "payload_bytes")
    list_filter = ("topic",)
    search_fields = ("bench_id", "reason")
    fields = readonly_fields = ("received", "bench_id", "topic", "reason", "attempts", "payload_bytes")

    @admin.display(description="payload (bytes)")
    def payload_bytes(self, letter):
        return len(letter.payload)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
