"""Each relic test stages uploads in a folder of its own, so what it leaves behind is its own."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _staging(settings: Any, tmp_path: Path) -> Path:
    settings.POG_RELIC_STAGING_DIR = tmp_path / "relic-staging"
    folder: Path = settings.POG_RELIC_STAGING_DIR
    return folder


@pytest.fixture(scope="session")
def rs3_cache_dir() -> Path:
    """The real RS3 NXT test cache (``js5-<index>.jcache`` files), from ``POG_RS3_CACHE_DIR``.

    ``.ci/run`` points it at ``../shared/relics/rs3-test``; without it the tests that need
    the real cache skip and say why.
    """
    value = os.environ.get("POG_RS3_CACHE_DIR", "")
    if not value:
        pytest.skip("POG_RS3_CACHE_DIR is not set: no real RS3 cache to test against")
    path = Path(value)
    if not (path / "js5-19.jcache").is_file():
        pytest.skip(f"POG_RS3_CACHE_DIR={value} does not hold the RS3 test cache (no js5-19.jcache)")
    return path
