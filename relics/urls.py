from __future__ import annotations

from django.urls import path

from relics import views

app_name = "relics"

urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("upload", views.upload, name="upload"),
    path("uploads/<str:upload_id>", views.upload_status, name="upload_status"),
    path("<str:sha256>/publish", views.publish, name="publish"),
    path("<str:sha256>/<str:kind>/<str:key>/preview", views.preview, name="preview"),
    path("<str:sha256>/<str:kind>/<str:key>/fork", views.fork, name="fork"),
]
