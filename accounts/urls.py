from __future__ import annotations

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.StudioLoginView.as_view(), name="login"),
    path("logout/", views.StudioLogoutView.as_view(), name="logout"),
]
