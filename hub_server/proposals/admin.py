from django.contrib import admin

from hub_server.proposals.models import ErasedProposal, Proposal
from hub_server.proposals.privacy_services import proposal_erase


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ("receipt", "bench", "title", "category", "status", "received")
    list_filter = ("status", "category", "bench")
    search_fields = ("title", "body", "receipt")
    # Contact details only through the review page's audited view (/review/p/<id>/contact/).
    exclude = ("name", "contact")

    def delete_model(self, request, obj):
        proposal_erase(proposal=obj, by=request.user, why="deleted by an administrator")

    def delete_queryset(self, request, queryset):
        for proposal in queryset:
            proposal_erase(proposal=proposal, by=request.user, why="deleted by an administrator")


@admin.register(ErasedProposal)
class ErasedProposalAdmin(admin.ModelAdmin):
    list_display = ("id", "bench_id", "erased", "why")
    readonly_fields = ("id", "bench_id", "erased", "why")
