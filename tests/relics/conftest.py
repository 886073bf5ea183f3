from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def rsc_cache_dir() -> Path:
    """The real RuneScape Classic client-204 cache, from ``POG_RSC_CACHE_DIR``.

    ``.ci/run`` points it at ``../shared/relics/rsc204``; without it the tests that need
    the real cache skip and say why, while the synthetic round trips still run.
    """
    value = os.environ.get("POG_RSC_CACHE_DIR", "")
    if not value:
        pytest.skip("POG_RSC_CACHE_DIR is not set: no real RuneScape Classic cache to test against")
    path = Path(value)
    if not (path / "config85.jag").is_file():
        pytest.skip(f"POG_RSC_CACHE_DIR={value} does not hold a client-204 cache (no config85.jag)")
    return path
