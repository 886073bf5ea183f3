"""The HTTP side of the fakes: a small threaded server per provider, recorded requests, faults.

Each ``FakeProvider`` listens on loopback (port 0 picks a free one), answers with the
provider's wire format (``limbs.fakes.wire``), records every request it reads, and can
be switched into a fault with ``set_fault(kind, **opts)``:

========================  ==================================================================
``"500"``                 a 500 with the provider's error body
``"429"``                 a 429 with ``Retry-After: <retry_after=7>``
``"cf_4006"``             Cloudflare only: 429, ``errors[0].code`` 4006 (daily allocation used)
``"resource_exhausted"``  Gemini only: 429 ``RESOURCE_EXHAUSTED`` with ``RetryInfo``
                          ``retryDelay: "<retry_delay=17>s"``
``"refused"``             the listening socket is closed (and open connections dropped), so
                          connections are refused; ``clear()`` listens again on the same port
``"stall"``               the request is read, then nothing is sent until the fault is
                          cleared, the fake stops, or ``seconds=300`` pass
``"cut"``                 a stream sends ``tokens=2`` tokens and the connection is dropped
                          (``clean=True``: the HTTP body ends properly, only the provider's
                          terminator is missing); a plain answer is dropped half-way
``"malformed"``           a stream sends ``tokens=1`` tokens then a broken SSE/NDJSON line; a
                          plain answer is half a JSON document
``"invalid_payload"``     a well-formed answer whose image is not an image / whose text is empty;
                          for a world bible prompt, JSON in the right shape that does not
                          validate; for speech, audio bytes that are not audio; for
                          embeddings, one vector too few (Gemini: vectors with no values)
========================  ==================================================================

Every fault takes ``times=N`` to apply to the next N requests only. ``latency_s`` delays
every answer (for benchmarks of slow providers). ``credential``, when set, is the only
bearer token / API key accepted (otherwise any non-empty one is). ``answer_style`` is how
a chatty model wraps a world bible's JSON: ``"plain"``, ``"fenced"`` (a ```json fence) or
``"chatter"`` (a fence with words, and stray braces, around it).
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from limbs.fakes.exchange import RecordedRequest, Reply
from limbs.fakes.wire import RESPONDERS

FAULTS = frozenset(
    {"500", "429", "cf_4006", "resource_exhausted", "refused", "stall", "cut", "malformed", "invalid_payload"}
)
ERROR_FAULTS = frozenset({"500", "429", "cf_4006", "resource_exhausted"})
PROVIDER_FAULTS = {
    "cloudflare": FAULTS - {"resource_exhausted"},
    "gemini": FAULTS - {"cf_4006"},
    "ollama": FAULTS - {"cf_4006", "resource_exhausted"},
}
FAKE_CREDENTIALS = {
    "POG_CLOUDFLARE_ACCOUNT_ID": "fake-account",
    "POG_CLOUDFLARE_API_TOKEN": "fake-token",
    "POG_GEMINI_API_KEY": "fake-key",
}


@dataclass
class Fault:
    kind: str
    opts: dict[str, Any] = field(default_factory=dict)
    remaining: int | None = None
    # Set to let this fault's stalled requests go; each fault gets its own.
    release: threading.Event = field(default_factory=threading.Event)


def _hold_port(host: str, port: int) -> socket.socket | None:
    """A socket bound to ``host:port`` that never listens (None if the port cannot be held)."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # Connections the listener accepted may linger in TIME_WAIT on the port.
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind((host, port))
    except OSError:
        holder.close()
        return None
    return holder


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], fake: FakeProvider) -> None:
        self.fake = fake
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Dropped connections are the point of several faults; they are not worth a traceback.
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Small answers on kept-alive connections would otherwise wait on delayed ACKs.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        request = RecordedRequest(
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
        )
        fake = self.server.fake
        fault = fake._record(request)
        reply = Reply(self)
        if fault is not None and fault.kind == "stall":
            fault.release.wait(float(fault.opts.get("seconds", 300)))
            reply.abort()
            return
        if fake.latency_s > 0:
            time.sleep(fake.latency_s)
        if fault is not None and fault.kind == "refused":
            # Raced the listener closing: behave as the socket would have.
            reply.abort()
            return
        if fault is not None and fault.kind in ERROR_FAULTS:
            status, doc, headers = fake._responder.fault_error(fault.kind, fault.opts)
            reply.json(status, doc, headers)
            return
        opts = {**(fault.opts if fault else {}), "credential": fake.credential, "style": fake.answer_style}
        fake._responder.serve(request, reply, fault.kind if fault else None, opts)


class FakeProvider:
    """A running fake of one provider. Also a context manager that stops it on exit."""

    def __init__(self, provider: str, *, host: str = "127.0.0.1", port: int = 0) -> None:
        if provider not in RESPONDERS:
            raise ValueError(f"unknown provider {provider!r}; choose from {sorted(RESPONDERS)}")
        self.provider = provider
        self.host = host
        self.port = port
        self.latency_s = 0.0
        self.credential: str | None = None
        self.answer_style = "plain"
        self._responder = RESPONDERS[provider]()
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._fault: Fault | None = None
        self._conns: set[socket.socket] = set()
        self._server: _Server | None = None
        # While "refused": a socket bound to the port but not listening. Connections are
        # still refused, and no other server (another fake, a test's live server) is handed
        # the free port meanwhile and answers in this fake's place.
        self._holder: socket.socket | None = None
        self._listen()

    # -- what a test looks at --------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self._requests)

    @property
    def fault(self) -> str | None:
        with self._lock:
            return self._fault.kind if self._fault else None

    @property
    def listening(self) -> bool:
        return self._server is not None

    # -- what a test changes ---------------------------------------------------

    def set_fault(self, kind: str, **opts: Any) -> None:
        if kind not in PROVIDER_FAULTS[self.provider]:
            raise ValueError(
                f"{self.provider} has no fault {kind!r}; choose from {sorted(PROVIDER_FAULTS[self.provider])}"
            )
        times = opts.pop("times", None)
        with self._lock:
            previous, self._fault = self._fault, Fault(kind, opts, None if times is None else int(times))
        if previous is not None:
            previous.release.set()
        if kind == "refused":
            self._close_listener()
        elif not self.listening:
            self._listen()

    def clear(self) -> None:
        """Back to healthy: stalled requests are let go, a closed port listens again."""
        with self._lock:
            previous, self._fault = self._fault, None
        if previous is not None:
            previous.release.set()
        if not self.listening:
            self._listen()

    def reset(self) -> None:
        """Healthy, no latency, and no recorded requests: a fresh fake for the next test."""
        self.clear()
        self.latency_s = 0.0
        self.credential = None
        self.answer_style = "plain"
        with self._lock:
            self._requests.clear()

    def stop(self) -> None:
        with self._lock:
            previous, self._fault = self._fault, None
        if previous is not None:
            previous.release.set()
        self._close_listener(hold=False)
        holder, self._holder = self._holder, None
        if holder is not None:
            holder.close()

    def __enter__(self) -> FakeProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<FakeProvider {self.provider} {self.url} fault={self.fault}>"

    # -- machinery -------------------------------------------------------------

    def _listen(self) -> None:
        holder, self._holder = self._holder, None
        if holder is not None:
            holder.close()
        server = _Server((self.host, self.port), self)
        self.port = server.server_address[1]
        self._server = server
        # A short poll keeps shutdown (and so the "refused" fault) quick.
        threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-{self.provider}",
            daemon=True,
        ).start()

    def _close_listener(self, hold: bool = True) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            if hold and self._holder is None:
                self._holder = _hold_port(self.host, self.port)
        # Kept-alive connections would otherwise go on being served by their threads.
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _track(self, conn: socket.socket, alive: bool) -> None:
        with self._lock:
            if alive:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def _record(self, request: RecordedRequest) -> Fault | None:
        with self._lock:
            self._requests.append(request)
            fault = self._fault
            if fault is not None and fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._fault = None
            return fault


def start_fakes(
    *, host: str = "127.0.0.1", cloudflare_port: int = 0, gemini_port: int = 0, ollama_port: int = 0
) -> dict[str, FakeProvider]:
    """All three fakes, keyed by provider name."""
    ports = {"cloudflare": cloudflare_port, "gemini": gemini_port, "ollama": ollama_port}
    started: dict[str, FakeProvider] = {}
    try:
        for name, port in ports.items():
            started[name] = FakeProvider(name, host=host, port=port)
    except BaseException:
        for fake in started.values():
            fake.stop()
        raise
    return started


def env_for(fakes: dict[str, FakeProvider]) -> dict[str, str]:
    """The ``POG_*`` settings that point the studio at these fakes."""
    env: dict[str, str] = {}
    if "cloudflare" in fakes:
        env["POG_CLOUDFLARE_BASE_URL"] = fakes["cloudflare"].url
        env["POG_CLOUDFLARE_ACCOUNT_ID"] = FAKE_CREDENTIALS["POG_CLOUDFLARE_ACCOUNT_ID"]
        env["POG_CLOUDFLARE_API_TOKEN"] = FAKE_CREDENTIALS["POG_CLOUDFLARE_API_TOKEN"]
    if "gemini" in fakes:
        env["POG_GEMINI_BASE_URL"] = fakes["gemini"].url
        env["POG_GEMINI_API_KEY"] = FAKE_CREDENTIALS["POG_GEMINI_API_KEY"]
    if "ollama" in fakes:
        env["POG_OLLAMA_URL"] = fakes["ollama"].url
    return env
