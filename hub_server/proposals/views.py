from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from hub_server.proposals.selectors import proposal_list_for_review


@login_required
def proposal_list(request):
    return render(request, "proposals/list.html", {"proposals": proposal_list_for_review()})
