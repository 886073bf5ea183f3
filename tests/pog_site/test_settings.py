from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from pog_site import settings as studio_settings


def test_booleans_accept_the_usual_words_and_refuse_others(monkeypatch: pytest.MonkeyPatch) -> None:
    for raw, expected in [("1", True), ("yes", True), ("off", False), ("FALSE", False), ("", True)]:
        monkeypatch.setenv("POG_X", raw)
        assert studio_settings._env_bool("POG_X", True) is expected
    monkeypatch.setenv("POG_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="POG_X"):
        studio_settings._env_bool("POG_X")


def test_integers_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POG_N", "three")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        studio_settings._env_int("POG_N", 1)
    monkeypatch.setenv("POG_N", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        studio_settings._env_int("POG_N", 1, minimum=1)
    monkeypatch.delenv("POG_N")
    assert studio_settings._env_int("POG_N", 7) == 7


def test_numbers_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POG_F", "half")
    with pytest.raises(ImproperlyConfigured, match="not a number"):
        studio_settings._env_float("POG_F", 1.0)
    monkeypatch.setenv("POG_F", "nan")
    with pytest.raises(ImproperlyConfigured, match="at least"):
        studio_settings._env_float("POG_F", 1.0)
    monkeypatch.setenv("POG_F", "0.25")
    assert studio_settings._env_float("POG_F", 1.0) == 0.25


@pytest.mark.django_db
def test_embedded_mode_uses_sqlite_in_wal_mode() -> None:
    from django.conf import settings
    from django.db import connection

    if settings.POG_MODE != "embedded":
        pytest.skip("scale mode runs on PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
