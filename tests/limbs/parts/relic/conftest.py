from __future__ import annotations

import pytest

from accounts.models import Tier, User


@pytest.fixture(autouse=True)
def _roomy(jobs_running: None, alice: User, bob: User, roomy_tier: Tier) -> None:
    """The jobs really run; alice and bob may ask more often than the free tier allows."""
    for user in (alice, bob):
        user.tier = roomy_tier
        user.save(update_fields=["tier"])
