"""Generators run in child processes (every core works), and nothing about them changes:
the same bytes, the same errors, and progress still reaches the caller."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool

import pytest

from limbs import router
from limbs.registry import REGISTRY
from limbs.spec import GeneratorInputError, GenRequest
from pog_site import procs
from tests.helpers.procs_work import child_pid, dies, refuses, refuses_opaquely, reports


@pytest.fixture(scope="module", autouse=True)
def _stop_children() -> Iterator[None]:
    yield
    procs.shutdown()  # one pool for the module's tests: spawning children takes a while


@pytest.fixture
def two_children(settings: object) -> None:
    settings.POG_PROCS = 2  # type: ignore[attr-defined]


def test_the_work_runs_in_another_process(two_children: None) -> None:
    assert procs.call(child_pid) != os.getpid()


def test_with_no_children_the_work_runs_on_the_calling_thread(settings: object) -> None:
    settings.POG_PROCS = 0  # type: ignore[attr-defined]
    assert procs.call(child_pid) == os.getpid()


def test_progress_comes_back_to_the_calling_thread(two_children: None) -> None:
    seen: list[tuple[float, str, int]] = []
    here = threading.get_ident()
    assert procs.call(reports, 3, progress=lambda f, m: seen.append((f, m, threading.get_ident()))) == 3
    # Best effort like every progress event, but a child's reports arrive in order, on this thread.
    assert seen, "no progress came back"
    assert all(ident == here for *_, ident in seen)
    assert [m for _, m, _ in seen] == [f"step {i}" for i in range(3)][: len(seen)]


def test_a_generator_input_error_crosses_back_as_itself(two_children: None) -> None:
    with pytest.raises(GeneratorInputError) as caught:
        procs.call(refuses)
    assert (caught.value.field, caught.value.message) == ("size", "That size cannot be drawn.")


def test_an_exception_that_cannot_cross_is_still_an_error_naming_it(two_children: None) -> None:
    with pytest.raises(Exception, match="OpaqueError: a lock that does not pickle"):
        procs.call(refuses_opaquely)


def test_a_child_that_dies_fails_its_job_and_the_next_job_gets_a_fresh_pool(two_children: None) -> None:
    with pytest.raises(BrokenProcessPool):
        procs.call(dies)
    assert procs.call(child_pid) != os.getpid()


EXAMPLES = [
    ("image", "sprite", {"size": 16, "kind": "robot", "outline": True}),
    ("image", "generate", {"width": 96, "height": 64, "style": "night"}),
    ("audio", "sfx", {}),
    ("quantum", "variants", {"target": "image", "action": "sprite", "count": 2}),
    ("divine", "quest", {}),
]


@pytest.mark.parametrize(("limb", "action", "params"), EXAMPLES)
def test_the_procedural_tier_makes_the_same_bytes_in_a_child(
    two_children: None, limb: str, action: str, params: dict[str, object]
) -> None:
    from limbs.params import validate_params

    spec = REGISTRY.action(limb, action)
    assert spec is not None and spec.built
    request = GenRequest(
        intent=spec.examples[0] if spec.examples else "", params=validate_params(spec, params), seed=5
    )
    here = router.PROCEDURAL.run(limb, action, request, 30.0)
    there = router._run(router.PROCEDURAL, limb, action, request, 30.0, "")
    assert [(o.name, o.mime, o.data, dict(o.meta)) for o in there.outputs] == [
        (o.name, o.mime, o.data, dict(o.meta)) for o in here.outputs
    ]
    assert there.effects == here.effects and there.model == here.model


def test_a_refusal_in_the_child_reaches_the_router_as_today(two_children: None) -> None:
    spec = REGISTRY.action("file", "bundle")
    assert spec is not None
    request = GenRequest(intent="", params={}, seed=1)
    with pytest.raises(GeneratorInputError) as there:
        router._hop(router.PROCEDURAL, None, "file", "bundle", request, 10.0, "")
    with pytest.raises(GeneratorInputError) as here:
        router.PROCEDURAL.run("file", "bundle", request, 10.0)
    assert (there.value.field, there.value.message) == (here.value.field, here.value.message)
