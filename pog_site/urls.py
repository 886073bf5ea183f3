from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from limbs.admin_views import breakers_view
from limbs.views import hud
from pog_site.api import api

urlpatterns = [
    path("admin/breakers/", breakers_view, name="admin-breakers"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("accounts/", include("accounts.urls")),
    path("relics/", include("relics.urls")),
    path("", hud, name="hud"),
    path("", include("limbs.urls")),
]
