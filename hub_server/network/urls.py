"""The network's URLs: `staff` under /network/, `public` under /public/network/."""
from django.urls import path

from hub_server.network import public_views, views

staff = [
    path("", views.home, name="network-home"),
    path("protocols/<int:municipality_id>/", views.protocol, name="network-protocol"),
    path("protocols/<int:municipality_id>/publish/", views.protocol_publish, name="network-publish"),
    path("protocols/<int:municipality_id>/accede/", views.protocol_accede, name="network-accede"),
    path("accessions/<int:accession_id>/withdraw/", views.protocol_withdraw, name="network-withdraw"),
    path("forward/<str:kind>/<str:subject_id>/", views.forward, name="network-forward"),
    path("forwarded/<int:forwarding_id>/", views.forwarding, name="network-forwarding"),
    path("officials/", views.official_add, name="network-official-add"),
    path("audit/", views.audit_log, name="network-audit"),
]
public = [
    path("", public_views.overview, name="network-public"),
    path("m/<int:municipality_id>/", public_views.municipality, name="network-public-municipality"),
    path("m/<int:municipality_id>/v<int:number>/", public_views.protocol_version, name="network-public-version"),
    path("answers/<int:forwarding_id>/", public_views.answer, name="network-public-answer"),
]
