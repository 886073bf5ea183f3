"""Generators run in child processes (every core works), and nothing about them changes:
the same bytes, the same errors, and progress still reaches the caller."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from limbs import router
from limbs.registry import REGISTRY
from limbs.spec import GeneratorInputError, GenRequest
from pog_site import procs
from tests.helpers import procs_work
from tests.helpers.procs_work import child_pid, dies, hands_back, refuses, refuses_opaquely, reports

ROOT = Path(__file__).resolve().parents[2]


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


def test_what_a_child_hands_back_runs_on_the_calling_thread_in_order_before_the_answer(
    two_children: None,
) -> None:
    procs_work.NOTED.clear()
    # The child answers at once: its answer travels apart from what it handed back, and must
    # not overtake it.
    assert procs.call(hands_back, 20) == 20
    assert [index for index, _, _ in procs_work.NOTED] == list(range(20))
    assert {child for _, child, _ in procs_work.NOTED} != {os.getpid()}
    assert {thread for _, _, thread in procs_work.NOTED} == {threading.get_ident()}


def test_outside_a_child_to_caller_calls_at_once() -> None:
    procs_work.NOTED.clear()
    procs.to_caller(procs_work.note, 7, 0)
    assert [(7, 0, threading.get_ident())] == procs_work.NOTED


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


SERVER = """
import sys, time
import django
django.setup()
from pog_site import procs
procs.warm()
print(" ".join(map(str, procs.pids())), flush=True)
time.sleep(120)
"""


def test_children_end_when_their_server_is_killed(tmp_path: Path) -> None:
    """A server killed with no time to stop its pool leaves no idle children behind."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env |= {"DJANGO_SETTINGS_MODULE": "pog_site.settings", "POG_VAR_DIR": str(tmp_path), "POG_PROCS": "2"}
    env |= {"POG_PROCS_JOBS": "0", "POG_SECRET_KEY": "x" * 50}
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        children = [int(pid) for pid in server.stdout.readline().split()]
        assert len(children) == 2, "the pool did not start"
    finally:
        server.kill()
        server.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.1)
    assert not [pid for pid in children if _alive(pid)], "children outlived their server"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"
