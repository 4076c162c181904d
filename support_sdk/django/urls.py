"""``path("_support/", include("support_sdk.django.urls"))``: the widget's token refresh."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "support_sdk"
urlpatterns = [path("token", views.refresh_token, name="token")]
