"""The kill-switch check skips its query while nothing is active, and never misses a change."""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from accounts import switch_epoch
from accounts.killswitch import Identity, blocking, release_switch, set_switch, stopped_providers
from accounts.models import KillSwitch, User
from accounts.switch_epoch import FileEpoch, RedisEpoch, nothing_active, use_epoch
from tests.conftest import manage_py_elsewhere

ROOT = Path(__file__).resolve().parents[2]


class _Asker:
    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.calls = 0

    def __call__(self) -> bool:
        self.calls += 1
        return self.answer


def test_the_memo_answers_until_the_stamp_moves(tmp_path: Path) -> None:
    epoch = FileEpoch(tmp_path / "killswitch.epoch")
    use_epoch(epoch)
    ask = _Asker(True)
    assert nothing_active(ask)  # no stamp yet: it is made, and the answer remembered with it
    assert (tmp_path / "killswitch.epoch").exists()
    assert nothing_active(ask) and nothing_active(ask)
    assert ask.calls == 1
    epoch.bump()
    ask.answer = False
    assert not nothing_active(ask)
    assert ask.calls == 2


def test_the_memo_is_trusted_for_a_bounded_time_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_epoch(FileEpoch(tmp_path / "killswitch.epoch"))
    ask = _Asker(True)
    nothing_active(ask)
    nothing_active(ask)
    calls = ask.calls
    monkeypatch.setattr(switch_epoch, "MAX_TRUST_S", 0.0)
    nothing_active(ask)
    assert ask.calls == calls + 1


def test_without_a_stamp_every_check_asks() -> None:
    use_epoch(None)
    ask = _Asker(True)
    for _ in range(3):
        assert nothing_active(ask)
    assert ask.calls == 3


def test_an_unreadable_stamp_file_means_asking(tmp_path: Path) -> None:
    (tmp_path / "killswitch.epoch").mkdir()  # a directory where the file should be
    use_epoch(FileEpoch(tmp_path / "killswitch.epoch"))
    ask = _Asker(True)
    nothing_active(ask)
    nothing_active(ask)
    assert ask.calls == 2


def test_the_redis_stamp_moves_on_every_bump() -> None:
    url = settings.REDIS_URL or "redis://127.0.0.1:6379/0"
    epoch = RedisEpoch(url, f"pog-test-{secrets.token_hex(4)}")
    first = epoch.read()  # the key did not exist: the read made it
    if first is None:
        pytest.skip("no Redis reachable")
    epoch.bump()
    assert epoch.read() not in (None, first)
    epoch._redis.delete(epoch._key)


def test_an_unreachable_redis_means_asking() -> None:
    epoch = RedisEpoch("redis://127.0.0.1:1/0", "pog-test", timeout_s=0.2)
    use_epoch(epoch)
    ask = _Asker(True)
    nothing_active(ask)
    nothing_active(ask)
    assert ask.calls == 2
    epoch.bump()  # logged, never raised


@pytest.mark.django_db
def test_with_nothing_active_the_checks_cost_no_query(alice: User, django_assert_num_queries: Any) -> None:
    identity = Identity(alice.pk)
    assert blocking(identity, member_teams=True) is None  # learns that nothing is active
    with django_assert_num_queries(0):
        assert blocking(identity, member_teams=True, limb="image") is None
        assert stopped_providers() == set()


@pytest.mark.django_db
def test_every_way_of_changing_a_switch_is_seen_at_once(alice: User) -> None:
    identity = Identity(alice.pk)
    assert blocking(identity) is None
    switch = set_switch("user", str(alice.pk), "set through the studio", None)
    assert blocking(identity) == switch
    release_switch(switch, None)  # a queryset update: no post_save
    assert blocking(identity) is None
    assert stopped_providers() == set()
    # As the admin does it: a plain save, then a delete.
    row = KillSwitch.objects.create(scope="provider", target="gemini", reason="edited in the admin")
    assert stopped_providers() == {"gemini"}
    row.delete()
    assert stopped_providers() == set()
    KillSwitch.objects.create(scope="global", target="", reason="everyone stops")
    assert blocking(identity) is not None


@pytest.mark.django_db(transaction=True)
def test_a_switch_set_by_another_process_stops_the_next_request(alice: User, alice_api: Client) -> None:
    assert alice_api.get("/api/assets").status_code == 200  # and nothing active is remembered
    command, env = manage_py_elsewhere("killswitch", "set", "user", str(alice.pk), "--reason", "elsewhere")
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    stopped = alice_api.get("/api/assets")
    assert stopped.status_code == 503 and "elsewhere" in stopped.json()["error"]["message"]
