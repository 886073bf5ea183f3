"""A URLconf for tests/pog_site/test_errors.py: the studio's pages and API, plus a page
that crashes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from pog_site.urls import urlpatterns as studio


def crashing_page(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret detail of the crash")


urlpatterns = [path("crash/", crashing_page), *studio]
