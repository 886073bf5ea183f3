"""How transport failures, statuses and retry hints become a ProviderError."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from limbs.providers.errors import (
    KINDS,
    ProviderError,
    from_httpx,
    kind_for_status,
    parse_duration,
    parse_retry_after,
)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (500, "http_5xx"),
        (503, "http_5xx"),
        (429, "rate_limited"),
        (401, "auth"),
        (403, "auth"),
        (404, "bad_request"),
        (422, "bad_request"),
        (302, "malformed"),
    ],
)
def test_each_status_maps_to_its_kind(status, kind):
    assert kind_for_status(status) == kind


def test_retry_after_reads_seconds_and_http_dates():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 1.5 ") == 1.5
    soon = email.utils.formatdate(time.time() + 60, usegmt=True)
    assert 55 <= (parse_retry_after(soon) or 0) <= 61
    assert parse_retry_after(email.utils.formatdate(time.time() - 60, usegmt=True)) == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None


def test_durations_read_like_googles_retry_delay():
    assert parse_duration("17s") == 17.0
    assert parse_duration("0.250s") == 0.25
    assert parse_duration("17") is None
    assert parse_duration(17) is None


@pytest.mark.parametrize(
    ("exc", "got_bytes", "kind"),
    [
        (httpx.ConnectError("refused"), False, "refused"),
        (httpx.ConnectTimeout("slow connect"), False, "timeout"),
        (httpx.PoolTimeout("pool"), False, "timeout"),
        (httpx.ReadTimeout("silence"), False, "stalled"),
        (httpx.ReadTimeout("slow body"), True, "timeout"),
        (httpx.RemoteProtocolError("peer closed"), True, "malformed"),
        (httpx.RemoteProtocolError("server disconnected"), False, "refused"),
        (httpx.UnsupportedProtocol("ftp"), False, "bad_request"),
    ],
)
def test_transport_failures_map_to_their_kind(exc, got_bytes, kind):
    error = from_httpx("cloudflare", "m", exc, got_bytes=got_bytes)
    assert (error.provider, error.model, error.kind) == ("cloudflare", "m", kind)


def test_every_kind_is_one_the_router_knows():
    assert {
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
        "declined",
    } == KINDS


def test_the_error_reads_well_in_a_log_line():
    error = ProviderError(
        "gemini", "gemini-2.5-flash-image", "rate_limited", "slow down", status=429, retry_after=17
    )
    assert str(error) == "gemini/gemini-2.5-flash-image: rate_limited 429: slow down"
    assert error.bytes_sent_to_client is False
