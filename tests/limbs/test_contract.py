"""The contract every built action keeps, for each action the registry holds (nothing here
lists them): its procedural output is valid for its format, the same request gives the same
bytes (in another process too), each of its examples makes valid output, and through the API
it answers with valid files while a bad value for any of its parameters gets 422 naming it,
storing nothing.

Inputs come from ``tests.helpers.inputs``: files chosen by what each asset parameter
accepts, and smaller values where a default would be slow."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from limbs.formats import validate_output, validate_outputs
from limbs.models import Generation
from limbs.registry import REGISTRY
from limbs.spec import ActionSpec, GenResult, LimbSpec, Output, ParamSpec
from tests.helpers.api import asset_bytes, counts, handle, library_asset, post_handle
from tests.helpers.inputs import (
    QUICK_PARAMS,
    REFERENCES,
    files_for,
    many_for,
    pure_request,
    relics_for,
    snapshots_for,
    uploads_for,
)

ROOT = Path(__file__).resolve().parents[2]
BUILT = [(limb, action) for limb in REGISTRY.limbs for action in limb.actions if action.built]
EXAMPLES = [(limb, action, example) for limb, action in BUILT for example in action.examples]
PARAMS = [(limb, action, spec) for limb, action in BUILT for spec in action.params]


def _id(value: Any) -> str:
    return str(getattr(value, "id", getattr(value, "name", value)))[:40]


def _pure_only(action: ActionSpec) -> None:
    """The pure call hands an action that reads the studio sample snapshots
    (``tests.helpers.inputs.snapshots_for``); one whose reads have no sample is checked only
    through the API below."""
    try:
        snapshots_for(action)
    except KeyError as missing:
        pytest.skip(
            f"{action.id} reads {missing} of the studio, which has no sample; checked through the API"
        )


@cache
def _made(limb_id: str, action_id: str) -> GenResult:
    action = REGISTRY.action(limb_id, action_id)
    assert action is not None
    return REGISTRY.call(limb_id, action_id, pure_request(limb_id, action))


def _files(result: GenResult) -> list[tuple[str, str, str, bytes]]:
    return [(o.name, o.mime, o.role, o.data) for o in result.outputs]


def test_there_are_built_actions_to_hold_to_the_contract() -> None:
    assert BUILT
    assert all(callable(action.make) for _, action in BUILT)


# --- the pure call ----------------------------------------------------------------------


@pytest.mark.parametrize(("limb", "action"), BUILT, ids=_id)
def test_procedural_output_is_valid_for_its_format(limb: LimbSpec, action: ActionSpec) -> None:
    _pure_only(action)
    result = _made(limb.id, action.id)
    validate_outputs(result.outputs, action.check)


@pytest.mark.parametrize(("limb", "action"), BUILT, ids=_id)
def test_the_same_request_gives_the_same_bytes(limb: LimbSpec, action: ActionSpec) -> None:
    _pure_only(action)
    again = REGISTRY.call(limb.id, action.id, pure_request(limb.id, action))
    assert _files(again) == _files(_made(limb.id, action.id))


# Prints the sha256 of every output of every action a pure call can run, by limb.action.
DIGESTS = """
import hashlib, json
from limbs.registry import REGISTRY
from tests.helpers.inputs import pure_request
print(json.dumps({
    f"{limb.id}.{action.id}": [
        hashlib.sha256(o.data).hexdigest()
        for o in REGISTRY.call(limb.id, action.id, pure_request(limb.id, action)).outputs
    ]
    for limb in REGISTRY.limbs for action in limb.actions if action.built and not action.reads
}))
"""


def test_another_process_makes_the_same_bytes() -> None:
    # A web process and a worker share one cache, so their bytes must agree whatever order
    # each one's hash seed gives sets and dicts of strings.
    here = {
        f"{limb.id}.{action.id}": [
            hashlib.sha256(o.data).hexdigest() for o in _made(limb.id, action.id).outputs
        ]
        for limb, action in BUILT
        if not action.reads
    }
    env = dict(os.environ, PYTHONHASHSEED="4242")
    there = subprocess.run(
        [sys.executable, "-c", DIGESTS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert there.returncode == 0, there.stderr[-2000:]
    assert json.loads(there.stdout) == here


@pytest.mark.parametrize(("limb", "action", "example"), EXAMPLES, ids=_id)
def test_each_example_makes_valid_output(limb: LimbSpec, action: ActionSpec, example: str) -> None:
    _pure_only(action)
    result = REGISTRY.call(limb.id, action.id, pure_request(limb.id, action, intent=example))
    validate_outputs(result.outputs, action.check)


# --- through the API ----------------------------------------------------------------------


def _given_files(owner: User, action: ActionSpec) -> dict[str, Any]:
    """Asset parameters as ids of files in ``owner``'s library; files sent with the request
    as the API takes them (base64)."""
    given: dict[str, Any] = {
        name: str(library_asset(owner, f.data, f.mime, f.name).pk) for name, f in files_for(action).items()
    }
    for name, group in many_for(action).items():
        given[name] = [str(library_asset(owner, f.data, f.mime, f.name).pk) for f in group]
    for name, f in uploads_for(action).items():
        given[name] = {"name": f.name, "data": base64.b64encode(f.data).decode()}
    for name in relics_for(action):
        given[name] = _registered_cache(owner)
    return given


def _registered_cache(owner: User) -> str:
    """The synthetic Classic cache, registered on ``owner``'s shelf; its sha256."""
    from relics import museum
    from tests.relics import synth

    cache, _ = museum.register_upload(list(synth.classic_files().items()), owner)
    return cache.sha256


def _given_references(owner: User, action: ActionSpec, client: Client | None = None) -> dict[str, str]:
    """Parameters naming another request: one of ``owner``'s, made through the API when a
    ``client`` is given (the job reads its record), else a stored row."""
    refs: dict[str, str] = {}
    for spec in action.params:
        if spec.name not in REFERENCES:
            continue
        if client is not None:
            refs[spec.name] = handle(client, "image", "sprite", "a bat", size=8)["generation"]
        else:
            made = Generation.objects.create(
                owner=owner,
                limb="image",
                action="sprite",
                intent="a bat",
                params={},
                seed=1,
                status="succeeded",
            )
            refs[spec.name] = str(made.pk)
    return refs


@pytest.mark.usefixtures("jobs_running")
@pytest.mark.parametrize(("limb", "action"), BUILT, ids=_id)
def test_through_the_api_it_answers_with_valid_files(
    alice: User, alice_api: Client, limb: LimbSpec, action: ActionSpec
) -> None:
    params = {**QUICK_PARAMS.get((limb.id, action.id), {}), **_given_files(alice, action)}
    params.update(_given_references(alice, action, alice_api))
    intent = "a spooky cave full of glowing crystals" if action.needs_intent else ""
    answer = handle(alice_api, limb.id, action.id, intent, **params)
    assert answer["provider"] == "procedural"
    assert answer["assets"], answer
    outputs = []
    for asset in answer["assets"]:
        data = asset_bytes(alice_api, asset)
        assert (len(data), hashlib.sha256(data).hexdigest()) == (asset["bytes"], asset["sha256"])
        validate_output(asset["mime"], data)
        outputs.append(Output(data, asset["mime"], asset["name"], asset.get("role") or "main"))
    validate_outputs(outputs, action.check)


def bad_value(spec: ParamSpec) -> Any:
    """A value of the wrong type, or out of range, for ``spec``."""
    if spec.type in ("integer", "number"):
        assert spec.maximum is not None, spec.name
        return spec.maximum + (1 if spec.type == "integer" else 0.5)
    return {"choice": "none-of-these", "boolean": "maybe", "asset": 17}.get(spec.type, ["a", "list"])


@pytest.mark.parametrize(("limb", "action", "spec"), PARAMS, ids=_id)
def test_a_bad_param_gets_422_naming_it_and_stores_nothing(
    alice: User, alice_api: Client, limb: LimbSpec, action: ActionSpec, spec: ParamSpec
) -> None:
    # Every other parameter valid (required files given), so the one fault is the one named.
    params = {**QUICK_PARAMS.get((limb.id, action.id), {}), **_given_files(alice, action)}
    params.update(_given_references(alice, action))
    params[spec.name] = bad_value(spec)
    before = counts()
    response = post_handle(alice_api, limb.id, action=action.id, intent="a dragon", params=params, wait=True)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["field"] == f"params.{spec.name}"
    assert error["message"]
    assert counts() == before
