"""Uploads are decoded by a background job: these helpers finish that job and read its answer."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.test import Client

from pog_site import jobs
from relics import museum
from relics.models import RelicUpload


@dataclass
class Settled:
    """What an upload came to once decoded, shaped like the response it used to be."""

    status_code: int
    body: dict[str, Any]
    upload: dict[str, Any]

    def json(self) -> dict[str, Any]:
        return self.body


def finish(upload_id: str) -> None:
    """Run the upload's job to its end: the in-process pool's, or here when no worker could
    see the row (a test's open transaction hides it from other connections). In scale mode a
    Celery worker may have claimed it first: then wait for that worker to finish it."""
    jobs.shutdown(wait=True)
    museum.run_upload(upload_id)
    until = time.monotonic() + 60
    finished = (RelicUpload.Status.READY, RelicUpload.Status.FAILED)
    while not RelicUpload.objects.filter(pk=upload_id, status__in=finished).exists():
        assert time.monotonic() < until, f"upload {upload_id} did not finish"
        time.sleep(0.05)


def settle(client: Client, response: Any) -> Any:
    """The API's answer to an upload once its job has run: the cache (201 new to you, 200
    not), or the failure as a 422 with the upload's error. Other answers pass through."""
    if response.status_code != 202:
        return response
    sent = response.json()
    assert sent["status"] == "pending" and sent["links"]["self"] == f"/api/relics/uploads/{sent['id']}"
    finish(sent["id"])
    status = client.get(sent["links"]["self"]).json()
    if status["status"] != "ready":
        return Settled(422, {"error": status["error"]}, status)
    cache = client.get(status["links"]["cache"]).json() | {"created": status["created"]}
    return Settled(201 if status["created"] else 200, cache, status)


def settle_page(browser: Client, response: Any) -> str:
    """The page an upload through the form leads to once its job has run."""
    assert response.status_code == 302, response.content
    location = response["Location"]
    if location.startswith("/relics/uploads/"):
        finish(location.rsplit("/", 1)[1])
    page: str = browser.get(location).content.decode()
    return page
