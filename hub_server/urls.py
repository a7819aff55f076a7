from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from hub_server.api.api import api
from hub_server.fleet_health import views as fleet_views
from hub_server.grants import urls as grants_urls
from hub_server.languages import views as language_views
from hub_server.membership import views as membership_views
from hub_server.network import urls as network_urls
from hub_server.portal import live
from hub_server.portal import views as portal_views
from hub_server.proposals import views as review_views
from hub_server.releases import views as release_views

review = [
    path("", review_views.review_queue, name="review-home"),
    path("p/<str:proposal_id>/", review_views.proposal_detail, name="review-detail"),
    path("p/<str:proposal_id>/contact/", review_views.proposal_contact, name="review-contact"),
    path("p/<str:proposal_id>/erase/<str:what>/", review_views.proposal_erase, name="review-erase"),
    path("p/<str:proposal_id>/<str:decision>/", review_views.proposal_decide, name="review-decide"),
    path("actions/", review_views.action_list, name="review-actions"),
    path("actions/<int:action_id>/", review_views.action_detail, name="review-action"),
    path("audit/", review_views.audit_log, name="review-audit"),
    path("live.json", live.staff_marker, name="review-live"),
    path("mail-failures/", review_views.mail_failures, name="review-mail-failures"),
    path("organisations/", membership_views.organisations, name="organisations"),
    path("organisations/<int:organisation_id>/<str:decision>/", membership_views.organisation_decide,
         name="organisation-decide"),
]
public = [
    path("", portal_views.home, name="portal-home"),
    path("live.json", live.public_marker, name="portal-live"),
    path("ideas/<str:proposal_id>/", portal_views.idea, name="portal-idea"),
    path("actions/<int:action_id>/", portal_views.action, name="portal-action"),
    path("receipt/", portal_views.receipt, name="portal-receipt"),
    path("receipt/<str:code>/", portal_views.receipt, name="portal-receipt-code"),
    path("benches/", portal_views.benches, name="portal-benches"),
    path("apply/", membership_views.apply, name="portal-apply"),
    path("my-data/", portal_views.my_data, name="portal-my-data"),
    path("open-data/", portal_views.open_data_index, name="portal-open-data"),
    path("open-data/<str:dataset>.<str:fmt>", portal_views.export, name="portal-export"),
]
fleet = [
    path("", fleet_views.dashboard, name="fleet-dashboard"),
    path("<slug:bench_id>/", fleet_views.bench_detail, name="fleet-bench"),
    path("<slug:bench_id>/series.json", fleet_views.bench_series, name="fleet-series"),
]

urlpatterns = [
    path("", review_views.review_queue),  # the hub's front door is the review queue
    path("review/", include(review)),
    path("public/", include(public)),
    path("fleet/", include(fleet)),
    path("network/", include(network_urls.staff)),
    path("public/network/", include(network_urls.public)),
    path("grants/", include(grants_urls.staff)),
    path("public/grants/", include(grants_urls.public)),
    path("api/v1/", api.urls),
    path("releases/<int:seq>/<path:path>", release_views.release_file, name="release-file"),
    path("i18n/setlang/", language_views.set_language, name="set_language"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        success_url="/accounts/reset/done/"), name="password_reset_confirm"),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("admin/", admin.site.urls),
]
