"""The one way the studio is served: daphne, with HTTP refusals that say what went wrong.

Daphne parses HTTP with Twisted, which drops a connection whose request line or header
line is longer than 16 KB without a word, and answers a bare ``400`` when all the
headers together are too large. A person (or a proxy) then cannot tell a long URL from a
crashed server. Here the same limits answer ``414 URI Too Long`` for the request line and
``431 Request Header Fields Too Large`` for the headers, with a short plain-text body,
before the ASGI application ever sees the request.

Run it as daphne is run (the application defaults to the studio's)::

    python -m pog_site.server -b 127.0.0.1 -p 8000 [pog_site.asgi:application]

An address that keeps sending what is refused here (``POG_REFUSALS_PER_ADDRESS_MINUTE``
oversized requests within a minute) is answered ``429`` at once on each new connection for
the rest of that minute, before a byte of its request is read: a flood of 60 KB headers
then costs the server a few microseconds a connection instead of parsing each one. Only
the connection's own peer address is counted, and never an address in
``POG_TRUSTED_PROXIES`` (behind a proxy every client shares its address).

``make run``, ``make dev``, the benchmarks and the browser tests' live server all serve
through here; ``install()`` alone swaps the protocol into daphne for code that builds its
own ``daphne.server.Server`` (channels' live-server test case).
"""

from __future__ import annotations

import ipaddress
import re
import sys
import threading
import time
from typing import Any

from twisted.internet import protocol
from twisted.web import http

APPLICATION = "pog_site.asgi:application"
# A client that goes on sending after it was refused gets this long to read the answer.
LINGER_S = 5.0
# A request refused a moment ago is refused again before its body is read when the body is
# larger than this (or of unknown length); a smaller one is read as usual.
BODY_READ_ANYWAY = 64 * 1024
# What a refused client may still send (read and dropped, so it can read the answer) before the
# connection is cut: the rest of oversized headers fits, an upload does not.
DROP_AT_MOST = 1024 * 1024

REFUSALS = {
    414: (b"URI Too Long", b"The address (URL) is too long: the studio reads at most 16 KB of it.\n"),
    431: (
        b"Request Header Fields Too Large",
        b"The request's headers are too large: the studio reads at most 16 KB of them.\n",
    ),
}


_BLOCKED_BODY = b"Too many oversized requests from your address; try again in a minute.\n"
BLOCKED = (
    b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Retry-After: 60\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
    % (len(_BLOCKED_BODY), _BLOCKED_BODY)
)


class Refusals:
    """Oversized requests refused per peer address, in fixed one-minute windows."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._window = 0
        self._counts: dict[str, int] = {}

    def _limit(self) -> int:
        from django.conf import settings

        return int(getattr(settings, "POG_REFUSALS_PER_ADDRESS_MINUTE", 60))

    def _roll(self) -> None:
        window = int(time.monotonic() // 60)
        if window != self._window:
            self._window, self._counts = window, {}

    def note(self, address: str | None) -> None:
        if not address or _trusted(address):
            return
        with self._lock:
            self._roll()
            self._counts[address] = self._counts.get(address, 0) + 1

    def blocked(self, address: str | None) -> bool:
        if not address:
            return False
        with self._lock:
            self._roll()
            return self._counts.get(address, 0) >= self._limit()


REFUSED = Refusals()


def _trusted(address: str) -> bool:
    from django.conf import settings

    try:
        peer = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in getattr(settings, "POG_TRUSTED_PROXIES", ()):
        network = ipaddress.ip_network(entry, strict=False)
        if peer.version == network.version and peer in network:
            return True
    return False


def _peer(transport: Any) -> str | None:
    try:
        return str(transport.getPeer().host)
    except Exception:
        return None


class _Blocked(protocol.Protocol):
    """The whole conversation with an address refused too often this minute: one 429, closed.
    A bare protocol, not an HTTP channel: a flood of these costs no parser, timer or producer."""

    def connectionMade(self) -> None:  # noqa: N802 - Twisted names it
        transport: Any = self.transport
        transport.write(BLOCKED)
        transport.loseConnection()

    def dataReceived(self, data: bytes) -> None:  # noqa: N802
        return None


class StudioHTTPChannel(http.HTTPChannel):
    """Twisted's HTTP channel, answering 414 and 431 where it would hang up or say 400."""

    _refused = False
    _dropped = 0

    @property
    def _awaiting_request_line(self) -> bool:
        # Twisted keeps this state in a name-mangled attribute: 1 or 2 until the request
        # line of the current request has arrived, 0 while its headers are read.
        return bool(getattr(self, "_HTTPChannel__first_line", 1))

    def dataReceived(self, data: bytes) -> None:  # noqa: N802 - Twisted names it
        if self._refused:
            # Read and drop what the client still sends, so it can read our answer; but not a
            # whole upload: past DROP_AT_MOST bytes the connection is cut.
            self._dropped += len(data)
            if self._dropped > DROP_AT_MOST:
                transport: Any = self.transport
                transport.abortConnection()
            return
        super().dataReceived(data)

    def allHeadersReceived(self) -> None:  # noqa: N802 - Twisted names it
        # An ask refused with Retry-After a moment ago, carrying a body of more than
        # BODY_READ_ANYWAY bytes (an upload), is refused again here before the body is read,
        # and the connection closed. A smaller ask goes on: the application's handler answers
        # it from the same memory without a thread, and the connection stays open (closing it
        # would only make a client that ignores Retry-After connect again at once).
        from pog_site.request_threads import REFUSED_ASKS, RefusedAsks

        if self.length is not None and 0 <= self.length <= BODY_READ_ANYWAY:
            super().allHeadersReceived()
            return
        request: Any = self.requests[-1]
        method = bytes(getattr(self, "_command", b"") or b"").decode("latin-1")
        raw_path = bytes(getattr(self, "_path", b"") or b"").split(b"?", 1)[0]
        headers = request.requestHeaders

        def header(name: bytes) -> list[bytes] | None:
            values: list[bytes] | None = headers.getRawHeaders(name)
            return values

        answer = REFUSED_ASKS.answer(RefusedAsks.ask(_peer(self.transport), method, raw_path, header))
        if answer is None:
            super().allHeadersReceived()
            return
        head = (
            b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: %s\r\nRetry-After: %s\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n"
            % (
                answer["Content-Type"].encode("latin-1"),
                answer["Retry-After"].encode("latin-1"),
                len(answer.content),
            )
        )
        self._close_after(head + answer.content)

    def lineLengthExceeded(self, line: bytes) -> None:  # noqa: N802
        self.refuse(414 if self._awaiting_request_line else 431)

    def lineReceived(self, line: bytes) -> None:  # noqa: N802
        if self._refused:
            return
        if self._receivedHeaderSize + len(line) > self.totalHeadersSize:
            self.refuse(414 if self._awaiting_request_line else 431)
            return
        super().lineReceived(line)

    def refuse(self, status: int) -> None:
        """Answer ``status`` with a short body, then close once the client has read it."""
        if self._refused:
            return
        REFUSED.note(_peer(self.transport))
        reason, body = REFUSALS[status]
        head = (
            b"HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % (status, reason, len(body))
        )
        self._close_after(head + body)

    def _close_after(self, answer: bytes) -> None:
        """Send ``answer`` (a whole HTTP response) and close once the client has read it,
        reading and dropping whatever it still sends meanwhile."""
        self._refused = True
        transport: Any = self.transport
        transport.write(answer)
        self.setTimeout(None)
        if hasattr(transport, "loseWriteConnection"):
            # Closing outright while the client is still sending would reset the
            # connection and could destroy the answer before it is read: close our side,
            # keep reading (and dropping) until the client closes, or abort after a while.
            from twisted.internet import reactor  # daphne installs the asyncio reactor first

            self._networkProducer.unregisterProducer()
            transport.loseWriteConnection()
            clock: Any = reactor
            self._abortingCall = clock.callLater(LINGER_S, self.forceAbortClient)
        else:
            self.loseConnection()


def _studio_channel(factory: Any) -> Any:
    # Twisted's factory wraps each channel in the proxy that negotiates HTTP/2 too.
    return http._GenericHTTPChannelProtocol(StudioHTTPChannel())


def install() -> None:
    """Make every daphne server built in this process (and its forks) use the channel."""
    from daphne import server
    from daphne.http_protocol import HTTPFactory, WebRequest

    class StudioRequest(WebRequest):
        # Django parses form bodies itself. Twisted's own parse (on by default) would hold a
        # second, decoded copy of every upload in memory, and answers a form body it cannot
        # parse with a bare 400 and no body before Django sees it.
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._parsePOSTFormSubmission = False

    class StudioHTTPFactory(HTTPFactory):
        protocol = _studio_channel

        def buildProtocol(self, addr: Any) -> Any:  # noqa: N802 - Twisted names it
            if REFUSED.blocked(getattr(addr, "host", None)):
                blocked = _Blocked()
                blocked.factory = self
                return blocked
            built = super().buildProtocol(addr)
            built.requestFactory = StudioRequest
            return built

    server.HTTPFactory = StudioHTTPFactory


def _looks_like_application(arg: str) -> bool:
    return re.fullmatch(r"[\w.]+:[\w.]+", arg) is not None


def main(argv: list[str] | None = None) -> None:
    """Run daphne's command line with the studio's channel (and application by default)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or not _looks_like_application(args[-1]):
        args.append(APPLICATION)
    install()
    from daphne.cli import CommandLineInterface

    CommandLineInterface().run(args)


if __name__ == "__main__":
    main()
