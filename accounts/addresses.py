"""Who is asking, by network: a request's client address and the network prefix it belongs to.

Address. ``REMOTE_ADDR`` (daphne fills it from the ASGI scope's ``client``). When that
peer is one of ``POG_TRUSTED_PROXIES`` (addresses or networks, e.g. ``127.0.0.1`` or
``10.0.0.0/8``), ``X-Forwarded-For`` is read from the right, skipping further trusted
proxies, and the first untrusted address in it is the client. A header from any other
peer is ignored: anyone can send one, and honouring it would let a client pick a fresh
address for every request. An IPv4-mapped IPv6 address counts as the IPv4 address.

Prefix. IPv4 addresses are grouped by ``/24`` (``POG_LIMIT_PREFIX_V4``) and IPv6 by
``/56`` (``POG_LIMIT_PREFIX_V6``). A /56 is what most residential and mobile ISPs hand one
customer (RIPE-690 recommends a /48 or /56), so a /56 is one household or office, and a
client cannot escape it by rotating through the 2**64 addresses of its own /64 (or its 256
/64s). A /48 would pool up to 256 unrelated customers of an ISP that delegates /56s.

Requests that reach Django without a usable address (a test client's ``"unknown"``, a
socket path) are grouped under that raw text, so they are still counted together.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Client:
    """A request's network origin: its address and the prefix that address belongs to."""

    address: str
    prefix: str

    @property
    def address_key(self) -> str:
        return f"address:{self.address}"

    @property
    def prefix_key(self) -> str:
        return f"prefix:{self.prefix}"


def parse_address(raw: str) -> IPAddress | None:
    """The address ``raw`` names (IPv4-mapped IPv6 as IPv4), or None when it names none."""
    text = raw.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443" or "[2001:db8::1]"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:443"
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def trusted_proxies() -> tuple[IPNetwork, ...]:
    return _networks(tuple(getattr(settings, "POG_TRUSTED_PROXIES", ())))


def _trusted(address: IPAddress, proxies: Iterable[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def prefix_of(address: IPAddress) -> str:
    """The network ``address`` is counted with: ``203.0.113.0/24``, ``2001:db8:0:100::/56``."""
    if isinstance(address, ipaddress.IPv4Address):
        bits = int(getattr(settings, "POG_LIMIT_PREFIX_V4", 24))
    else:
        bits = int(getattr(settings, "POG_LIMIT_PREFIX_V6", 56))
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))


def client_from(remote_addr: str | None, forwarded_for: str | None = None) -> Client:
    """The client behind a peer ``remote_addr`` that sent ``forwarded_for`` (X-Forwarded-For)."""
    peer = parse_address(remote_addr or "")
    if peer is None:
        raw = (remote_addr or "").strip()[:64] or "unknown"
        return Client(raw, raw)
    proxies = trusted_proxies()
    client = peer
    if forwarded_for and _trusted(peer, proxies):
        # Right to left: each hop appends the address it received the request from.
        for hop in reversed(forwarded_for.split(",")):
            address = parse_address(hop)
            if address is None:
                break  # garbage from the client's side of the chain: stop at the last good hop
            client = address
            if not _trusted(address, proxies):
                break
    return Client(str(client), prefix_of(client))


def client_of(request: Any) -> Client:
    """The client of a Django request (``REMOTE_ADDR``, and ``X-Forwarded-For`` from trusted proxies)."""
    meta = request.META
    return client_from(meta.get("REMOTE_ADDR"), meta.get("HTTP_X_FORWARDED_FOR"))


def client_of_scope(scope: dict[str, Any]) -> Client:
    """The client of an ASGI connection (a websocket): its ``client`` and headers."""
    peer = scope.get("client") or (None, None)
    forwarded = None
    for name, value in scope.get("headers") or ():
        if name.lower() == b"x-forwarded-for":
            forwarded = value.decode("latin-1")
    return client_from(str(peer[0]) if peer[0] is not None else None, forwarded)


def turn_key(scope: dict[str, Any]) -> str:
    """What a request's time at the interpreter counts against (``pog_site.turns``): its
    client's network prefix, so addresses rotated within one network share one standing."""
    return client_of_scope(scope).prefix_key


_current: ContextVar[Client | None] = ContextVar("pog_client", default=None)


def current() -> Client | None:
    """The client of the request being served in this context (set by ``accounts.reads``), if any."""
    return _current.get()


@contextmanager
def serving(client: Client | None) -> Iterator[None]:
    """Make ``client`` the current one for the duration of a request."""
    token = _current.set(client)
    try:
        yield
    finally:
        _current.reset(token)
