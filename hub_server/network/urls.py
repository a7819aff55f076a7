"""The network's URLs: `staff` under /network/, `public` under /public/network/."""
from django.urls import path

from hub_server.network import directory_views, public_views, views

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
    path("profile/", directory_views.profile, name="network-profile"),
    path("actions/<int:action_id>/invite/", directory_views.partner_invite, name="network-invite"),
    path("partners/<int:partner_id>/<str:answer>/", directory_views.partner_respond, name="network-partner-respond"),
    path("trainings/", directory_views.trainings, name="network-trainings"),
    path("trainings/<int:training_id>/register/", directory_views.training_register, name="network-register"),
    path("registrations/<int:registration_id>/attendance/", directory_views.attendance, name="network-attendance"),
]
public = [
    path("", public_views.overview, name="network-public"),
    path("m/<int:municipality_id>/", public_views.municipality, name="network-public-municipality"),
    path("m/<int:municipality_id>/v<int:number>/", public_views.protocol_version, name="network-public-version"),
    path("answers/<int:forwarding_id>/", public_views.answer, name="network-public-answer"),
    path("organisations/", public_views.organisations, name="network-directory"),
    path("organisations/<int:organisation_id>/", public_views.organisation, name="network-public-organisation"),
    path("trainings/", public_views.trainings, name="network-public-trainings"),
]
