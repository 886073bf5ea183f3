from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from accounts.admin_views import provenance_audit, revoke_all_sessions
from accounts.urls import pages as account_pages
from limbs.admin_views import breakers_view
from limbs.urls import pages as project_pages
from limbs.views import hud
from pog_site.api import api

urlpatterns = [
    path("admin/breakers/", breakers_view, name="admin-breakers"),
    path("admin/provenance/", provenance_audit, name="admin-provenance"),
    path("admin/revoke-sessions/", revoke_all_sessions, name="admin-revoke-sessions"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("accounts/", include("accounts.urls")),
    path("relics/", include("relics.urls")),
    path("", include((account_pages + project_pages, "studio"))),
    path("", hud, name="hud"),
    path("", include("limbs.urls")),
]
