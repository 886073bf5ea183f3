"""One error type for every remote tier, so the router and the breakers see one vocabulary.

Each client turns whatever went wrong (a transport failure, an HTTP status with a
provider-shaped body, a broken stream) into a ``ProviderError`` whose ``kind`` is one
of ``KINDS``. The helpers here do the provider-neutral part of that translation.
"""

from __future__ import annotations

import email.utils
import re
import time
from typing import Literal

import httpx

ErrorKind = Literal[
    "http_5xx",
    "rate_limited",
    "quota_exhausted",
    "refused",
    "timeout",
    "stalled",
    "malformed",
    "invalid_payload",
    "bad_request",
    "auth",
    # The tier cannot do what this request asks (a language or voice it lacks) and sent
    # nothing: the chain moves on, and the provider's breaker is not told (it is healthy).
    "declined",
]
KINDS: frozenset[str] = frozenset(ErrorKind.__args__)  # type: ignore[attr-defined]


class ProviderError(Exception):
    """A remote tier failed; ``kind`` says how, so the caller can decide what it costs."""

    def __init__(
        self,
        provider: str,
        model: str,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        bytes_sent_to_client: bool = False,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.model = model
        self.kind: ErrorKind = kind
        self.status = status
        self.retry_after = retry_after
        self.message = message
        # Streaming only: True once a token has been handed on, so a failover must be announced.
        self.bytes_sent_to_client = bytes_sent_to_client

    def __str__(self) -> str:
        where = f"{self.provider}/{self.model}" if self.model else self.provider
        status = f" {self.status}" if self.status is not None else ""
        return f"{where}: {self.kind}{status}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"ProviderError(provider={self.provider!r}, model={self.model!r}, kind={self.kind!r}, "
            f"status={self.status!r}, retry_after={self.retry_after!r}, message={self.message!r})"
        )


def kind_for_status(status: int) -> ErrorKind:
    """The kind an HTTP status means before any provider-specific refinement."""
    if status == 429:
        return "rate_limited"
    if status in (401, 403):
        return "auth"
    if status >= 500:
        return "http_5xx"
    if status >= 400:
        return "bad_request"
    # 1xx/3xx: nothing a JSON API should answer (redirects are not followed on purpose).
    return "malformed"


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, seconds) if seconds == seconds else None  # NaN guard


_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)s\s*$")


def parse_duration(value: object) -> float | None:
    """A protobuf JSON ``Duration`` such as ``"17s"`` or ``"0.250s"`` in seconds."""
    if not isinstance(value, str):
        return None
    match = _DURATION.match(value)
    return float(match.group(1)) if match else None


def from_httpx(provider: str, model: str, exc: httpx.HTTPError, *, got_bytes: bool) -> ProviderError:
    """Translate a transport failure; ``got_bytes`` is whether any response body arrived."""
    kind: ErrorKind
    if isinstance(exc, httpx.ReadTimeout):
        # Silence before the first body byte is a stall (a hung upstream), not a slow answer.
        kind = "timeout" if got_bytes else "stalled"
    elif isinstance(exc, httpx.TimeoutException):
        kind = "timeout"
    elif isinstance(exc, httpx.ConnectError):
        kind = "refused"
    elif isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
        # Dropped mid-body: the answer is truncated. Dropped before it: nobody would answer.
        kind = "malformed" if got_bytes else "refused"
    elif isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol | httpx.LocalProtocolError):
        kind = "bad_request"
    else:
        kind = "malformed"
    detail = str(exc) or type(exc).__name__
    return ProviderError(provider, model, kind, f"{type(exc).__name__}: {detail}"[:300])


def deadline_passed(provider: str, model: str, timeout: float) -> ProviderError:
    return ProviderError(provider, model, "timeout", f"no complete answer within {timeout:.3g} s")
