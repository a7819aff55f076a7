from django.contrib import admin

from hub_server.proposals.models import Proposal


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ("receipt", "bench", "title", "category", "status", "received")
    list_filter = ("status", "category", "bench")
    search_fields = ("title", "body", "receipt")
