"""A clock tests move by hand, for code that takes a clock (breakers, rate limits, anomalies)."""

from __future__ import annotations

# A fixed unix time, far from any bucket or window edge a test might care about.
T0 = 1_700_000_000.0


class FakeClock:
    """Call it for the time; ``advance`` moves it on. Nothing moves it otherwise."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
