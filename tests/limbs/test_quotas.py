"""Storage quotas per tier, and the bytes one request may keep.

Before: files were kept without limit (1.4 GB in 50 minutes under load; one
quantum.variants stored 30 to 44 MB)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.test import Client

from accounts.models import Team, Tier, User
from limbs.models import Asset, Generation
from limbs.params import validate_params
from limbs.quotas import MB, used_bytes
from limbs.registry import REGISTRY, get_limb
from limbs.spec import GenRequest
from limbs.storage import store_blob
from tests.helpers.api import counts, library_asset, post_handle, token_client

SPRITE: dict[str, Any] = {
    "action": "sprite",
    "intent": "a quota slime",
    "params": {"size": 32},
    "seed": 77,
    "wait": True,
}


@pytest.fixture
def tiny(db: Any) -> Tier:
    """A tier that keeps 1 MB of files, and runs as many requests as a test makes."""
    return Tier.objects.create(
        slug="tiny", name="Tiny", requests_per_period=1000, concurrency=4, storage_mb=1
    )


def _owner(tier: Tier) -> User:
    user = User.objects.create_user("cleo", "", "a long enough secret 42")
    user.tier = tier
    user.save(update_fields=["tier"])
    return user


def _filler(owner: User, size: int, name: str = "filler.bin") -> Asset:
    return library_asset(owner, name.encode() + b"\0" * (size - len(name)), "application/octet-stream", name)


@pytest.mark.django_db
def test_use_counts_a_file_once_per_owner_however_many_assets_hold_it(tiny: Tier) -> None:
    cleo = _owner(tiny)
    bob = User.objects.create_user("bob", "", "a long enough secret 42")
    own = _filler(cleo, 1000)
    team = Team.objects.create(name="Pals", slug="pals")
    # The same bytes in a team library, made by cleo: one file on disk, counted once for her.
    Asset.objects.create(
        owner=cleo,
        team=team,
        name="again.bin",
        mime=own.mime,
        kind=own.kind,
        size=own.size,
        blob=own.blob,
        sha256=own.sha256,
    )
    _filler(bob, 1000)
    _filler(cleo, 500, "other.bin")
    assert used_bytes(cleo.pk) == 1500
    assert used_bytes(bob.pk) == 1000


@pytest.mark.django_db
def test_a_full_identity_is_refused_before_anything_is_queued(tiny: Tier) -> None:
    cleo = _owner(tiny)
    _filler(cleo, MB + 10)
    before = counts()
    refused = post_handle(token_client(cleo), "image", **SPRITE)
    assert refused.status_code == 413
    error = refused.json()["error"]
    assert error["code"] == "storage_full"
    # It names what is used, the quota and what to do about it.
    assert "1.0 MB of your 1.0 MB" in error["message"]
    assert "Delete something" in error["message"] and "upgrade" in error["message"]
    assert counts() == before


@pytest.mark.django_db
def test_files_sent_with_a_request_must_fit_too(tiny: Tier) -> None:
    import base64
    import io

    from PIL import Image

    cleo = _owner(tiny)
    _filler(cleo, MB - 2000)
    buf = io.BytesIO()
    Image.effect_noise((64, 64), 90).convert("RGB").save(buf, format="PNG")
    assert len(buf.getvalue()) > 2000
    body = {
        "action": "upload",
        "params": {"file": {"name": "noise.png", "data": base64.b64encode(buf.getvalue()).decode()}},
        "wait": True,
    }
    before = counts()
    response = token_client(cleo).post("/api/handle/file", body, content_type="application/json")
    assert response.status_code == 413, response.content
    assert response.json()["error"]["code"] == "storage_full"
    assert counts() == before
    assert not _blob_exists(buf.getvalue())


def _expected_sprite() -> list[bytes]:
    action = get_limb("image").action("sprite")  # type: ignore[union-attr]
    assert action is not None
    params = validate_params(action, SPRITE["params"])
    result = REGISTRY.call("image", "sprite", GenRequest(str(SPRITE["intent"]), params, int(SPRITE["seed"])))
    return [o.data for o in result.outputs]


def _blob_exists(data: bytes) -> bool:
    import hashlib

    from limbs.storage import blob_name

    return Path(storages["default"].path(blob_name(hashlib.sha256(data).hexdigest()))).exists()


@pytest.mark.usefixtures("jobs_running")
def test_a_result_that_would_pass_the_quota_fails_with_nothing_stored(tiny: Tier) -> None:
    cleo = _owner(tiny)
    outputs = _expected_sprite()
    for data in outputs:  # no earlier test left these files behind
        path = Path(storages["default"].path(store_blob(data)[0]))
        path.unlink()
    _filler(cleo, MB - 10)
    before_assets = Asset.objects.count()
    answer = post_handle(token_client(cleo), "image", **SPRITE)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == "failed"
    assert "storage is full" in body["error"] and "Delete something" in body["error"]
    assert Asset.objects.count() == before_assets
    assert not any(_blob_exists(data) for data in outputs)


@pytest.mark.skipif(
    settings.POG_JOB_BACKEND == "celery", reason="the Celery worker reads its own settings, not the test's"
)
@pytest.mark.usefixtures("jobs_running")
def test_one_request_keeps_at_most_the_output_budget(roomy_tier: Tier, settings: Any) -> None:
    # A PBR material is eight files, about 2.4 MB at 512 pixels.
    settings.POG_MAX_OUTPUT_MB = 1
    user = User.objects.create_user("dan", "", "a long enough secret 42")
    user.tier = roomy_tier
    user.save(update_fields=["tier"])
    answer = post_handle(
        token_client(user),
        "material",
        action="pbr",
        intent="mossy stone",
        params={"resolution": "512"},
        wait=True,
    ).json()
    assert answer["status"] == "failed"
    assert "more than the 1 MB one request may keep" in answer["error"]
    assert not Asset.objects.exists()


@pytest.mark.django_db
def test_the_settings_page_shows_used_and_quota(tiny: Tier) -> None:
    cleo = _owner(tiny)
    _filler(cleo, MB // 2)
    browser = Client()
    browser.force_login(cleo)
    body = browser.get("/settings/").content.decode()
    assert "0.5 MB" in body and "1 MB" in body and 'id="storage"' in body


@pytest.mark.django_db
def test_the_one_writer_refuses_a_result_over_the_budget_counting_each_file_once(
    settings: Any, roomy_tier: Tier
) -> None:
    from limbs.record import _over_budget
    from limbs.router import RouteResult
    from limbs.spec import Output

    settings.POG_MAX_OUTPUT_MB = 1
    user = User.objects.create_user("eve", "", "a long enough secret 42")
    user.tier = roomy_tier
    user.save(update_fields=["tier"])
    generation = Generation(owner=user, limb="image", action="sprite", seed=1)
    half = b"h" * (MB // 2)
    # The same file twice is stored once, so it fits.
    twice = RouteResult(
        [Output(half, "image/png", "a.png"), Output(half, "image/png", "b.png")], "p", "", "miss"
    )
    assert _over_budget(generation, twice) is None
    more = RouteResult(
        [Output(half, "image/png", "a.png"), Output(half + b"!", "image/png", "b.png")], "p", "", "miss"
    )
    message = _over_budget(generation, more)
    assert message is not None and "more than the 1 MB one request may keep" in message
