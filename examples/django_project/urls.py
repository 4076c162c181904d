"""Sign-in, one page, and the widget's token refresh."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.billing, name="billing"),
    path("login", auth_views.LoginView.as_view(), name="login"),
    path("logout", auth_views.LogoutView.as_view(next_page="login"), name="logout"),
    path("_support/", include("support_sdk.django.urls")),  # POST /_support/token
]
