from __future__ import annotations

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.StudioLoginView.as_view(), name="login"),
    path("logout/", views.StudioLogoutView.as_view(), name="logout"),
]

# Served from the site root (pog_site/urls.py) under the "studio" namespace: /settings/, /teams/...
pages = [
    path("settings/", views.settings_page, name="settings"),
    path("settings/metabolism", views.save_metabolism, name="save_metabolism"),
    path("settings/macros/<int:index>/delete", views.delete_macro, name="delete_macro"),
    path("settings/tokens", views.create_token, name="create_token"),
    path("settings/tokens/<int:token_id>/revoke", views.revoke_token, name="revoke_token"),
    path("teams/", views.teams_page, name="teams"),
    path("teams/new", views.create_team, name="create_team"),
    path("teams/join/<str:token>/", views.join_team, name="join"),
    path("teams/<int:team_id>/", views.team_page, name="team"),
    path("teams/<int:team_id>/invites", views.make_invite, name="make_invite"),
    path("teams/<int:team_id>/members/<int:user_id>/role", views.change_role, name="change_role"),
]
