from __future__ import annotations

from django.urls import path

from limbs import views

app_name = "limbs"

urlpatterns = [
    path("make", views.make, name="make"),
    path("limbs/<str:limb_id>/", views.workspace, name="workspace"),
    path("limbs/<str:limb_id>/generate", views.generate, name="generate"),
    path("limbs/<str:limb_id>/stream", views.generate_stream, name="generate_stream"),
    path("limbs/<str:limb_id>/recent", views.recent, name="recent"),
    path("generations/<uuid:generation_id>/", views.generation_page, name="generation"),
    path("generations/<uuid:generation_id>/fragment", views.generation_fragment, name="generation_fragment"),
    path("assets/", views.asset_list, name="assets"),
    path("assets/<uuid:asset_id>/", views.asset_page, name="asset"),
    path("assets/<uuid:asset_id>/waveform.png", views.asset_waveform, name="asset_waveform"),
]

# Served from the site root (pog_site/urls.py) under the "studio" namespace, with the
# account pages: /projects/...
pages = [
    path("projects/", views.projects_page, name="projects"),
    path("projects/new", views.create_project, name="create_project"),
]
