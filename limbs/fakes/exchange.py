"""One exchange with a fake: the request it read, and the writer of its answer.

Kept apart from ``server`` (which accepts connections and picks the provider's responder)
so that ``wire`` (what each provider answers) uses them without importing the server back.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


class Reply:
    """Writes one HTTP/1.1 answer on a handler's connection, in as few writes as it can."""

    def __init__(self, handler: BaseHTTPRequestHandler) -> None:
        self._h = handler

    def _head(self, status: int, headers: dict[str, str]) -> bytes:
        lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if self._h.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def raw(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        head = {"Content-Type": content_type, "Content-Length": str(len(body)), **(headers or {})}
        self._h.wfile.write(self._head(status, head) + body)

    def json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self.raw(status, json.dumps(obj).encode(), "application/json", headers)

    def truncated(self, status: int, body: bytes, content_type: str) -> None:
        """Promise the whole body, send half, drop the connection."""
        head = {"Content-Type": content_type, "Content-Length": str(len(body))}
        self._h.wfile.write(self._head(status, head) + body[: len(body) // 2])
        self.abort()

    def start_stream(self, content_type: str) -> None:
        head = {"Content-Type": content_type, "Transfer-Encoding": "chunked", "Cache-Control": "no-cache"}
        self._h.wfile.write(self._head(200, head))

    def chunk(self, data: bytes) -> None:
        if data:
            self._h.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def end_stream(self) -> None:
        self._h.wfile.write(b"0\r\n\r\n")

    def abort(self) -> None:
        self._h.close_connection = True
        try:
            self._h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
