"""A request's client address and network prefix: X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from accounts.addresses import Client, client_from, client_of, client_of_scope, parse_address


def test_the_peer_is_the_client_and_a_forwarded_header_from_anyone_else_is_ignored(
    settings: Any,
) -> None:
    settings.POG_TRUSTED_PROXIES = []
    # A client that makes up a new address per request gains nothing by saying so.
    assert client_from("203.0.113.7", "198.51.100.1") == Client("203.0.113.7", "203.0.113.0/24")
    settings.POG_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_from("203.0.113.7", "198.51.100.1").address == "203.0.113.7"


def test_a_trusted_proxy_is_believed_from_the_right_skipping_other_trusted_hops(
    settings: Any,
) -> None:
    settings.POG_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    assert client_from("127.0.0.1", "198.51.100.23").address == "198.51.100.23"
    # The client may prepend anything; only what our proxies appended is believed.
    spoofed = client_from("127.0.0.1", "1.2.3.4, 198.51.100.23, 10.1.2.3")
    assert spoofed == Client("198.51.100.23", "198.51.100.0/24")
    # Garbage on the client's side stops the walk at the last address a proxy vouched for.
    assert client_from("127.0.0.1", "not-an-address, 10.1.2.3").address == "10.1.2.3"
    assert client_from("127.0.0.1", "").address == "127.0.0.1"


def test_ipv6_clients_are_grouped_by_their_56_and_mapped_ipv4_counts_as_ipv4(settings: Any) -> None:
    one = client_from("2001:db8:aa:bb01::1")
    other_64_same_customer = client_from("2001:db8:aa:bbff:1234::9")
    next_customer = client_from("2001:db8:aa:cc00::1")
    assert one.prefix == other_64_same_customer.prefix == "2001:db8:aa:bb00::/56"
    assert next_customer.prefix != one.prefix
    assert client_from("::ffff:203.0.113.9") == Client("203.0.113.9", "203.0.113.0/24")
    settings.POG_LIMIT_PREFIX_V6 = 48
    assert client_from("2001:db8:aa:cc00::1").prefix == "2001:db8:aa::/48"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("203.0.113.7:443", "203.0.113.7"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("fe80::1%eth0", "fe80::1"),
        ("999.1.1.1", None),
        ("", None),
        ("\ud800", None),
    ],
)
def test_addresses_are_parsed_or_refused(raw: str, expected: str | None) -> None:
    parsed = parse_address(raw)
    assert (str(parsed) if parsed is not None else None) == expected


def test_a_peer_without_an_address_is_still_counted_under_its_raw_name() -> None:
    assert client_from(None) == Client("unknown", "unknown")
    assert client_from("unix:/run/pog.sock").address == "unix:/run/pog.sock"


def test_requests_and_websocket_scopes_give_the_same_client(settings: Any) -> None:
    settings.POG_TRUSTED_PROXIES = ["127.0.0.1"]
    request = RequestFactory().get(
        "/api/assets", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4"
    )
    scope = {"client": ("127.0.0.1", 5555), "headers": [(b"x-forwarded-for", b"198.51.100.4")]}
    assert client_of(request) == client_of_scope(scope) == Client("198.51.100.4", "198.51.100.0/24")


def test_a_trusted_proxy_that_is_not_an_address_stops_the_studio_at_start() -> None:
    import os
    import subprocess
    import sys

    env = dict(os.environ, POG_TRUSTED_PROXIES="10.0.0.0/8,proxy.example")
    done = subprocess.run(
        [sys.executable, "-c", "import pog_site.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "POG_TRUSTED_PROXIES: 'proxy.example' is not an address or network" in done.stderr
