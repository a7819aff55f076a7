from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from hub_server.proposals import views as proposal_views

urlpatterns = [
    path("", proposal_views.proposal_list, name="proposal-list"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
