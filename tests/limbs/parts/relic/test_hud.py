"""The relic limb shows as built wherever limbs are listed (derived from its makers)."""

from __future__ import annotations

import re

from django.test import Client

from accounts.models import User
from limbs.parts.file.upload import MAX_BYTES


def test_the_api_lists_every_relic_action_as_built() -> None:
    relic = Client().get("/api/limbs/relic").json()
    assert relic["built"] is True
    assert [(a["id"], a["built"]) for a in relic["actions"]] == [
        ("excavate", True), ("catalog", True), ("preview", True), ("fork", True), ("match", True)
    ]  # fmt: skip
    excavate = relic["actions"][0]
    assert excavate["params"][0] | {"help": ""} == {
        "name": "file", "type": "file", "label": "Cache", "help": "", "required": True, "default": None,
        "max_bytes": MAX_BYTES,
    }  # fmt: skip
    assert {a["id"]: a["reads"] for a in relic["actions"]} == {
        "excavate": [], "catalog": ["catalog"], "preview": ["entry"], "fork": ["entry"], "match": ["matches"]
    }  # fmt: skip
    built = [limb["id"] for limb in Client().get("/api/limbs").json()["limbs"] if limb["built"]]
    assert "relic" in built and len(built) == 13


def test_the_hud_bubble_is_built_and_opens_the_museum(alice: User) -> None:
    html = Client().get("/").content.decode()
    bubble = re.search(r'<a class="bubble[^"]*" data-limb="relic"', html)
    assert bubble is not None and "bubble--unbuilt" not in bubble.group(0)
    browser = Client()
    browser.force_login(alice)
    assert browser.get("/limbs/relic/")["Location"] == "/relics/"
