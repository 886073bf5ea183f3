"""The server's Ed25519 ledger signing key.

Where the key comes from, first match wins:

1. ``POG_LEDGER_SIGNING_KEY`` in the environment: a PEM PKCS#8 private key
   (literal ``\\n`` sequences are accepted, as .env files often write them),
   or the base64 of the 32-byte raw private key.
2. ``settings.POG_VAR_DIR / "keys" / "ledger-ed25519.pem"``, created on first
   use with mode 0600.

The key is loaded once per process; `reset_cache()` forgets it (tests, rotation).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import secrets
import stat
import threading
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "ENV_VAR",
    "key_file_path",
    "key_id",
    "key_id_for",
    "public_key",
    "public_key_bytes",
    "public_key_pem",
    "reset_cache",
    "sign",
    "signing_key",
    "verify_signature",
]

ENV_VAR = "POG_LEDGER_SIGNING_KEY"
KEY_FILE_NAME = "ledger-ed25519.pem"

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_cached: Ed25519PrivateKey | None = None


def signing_key() -> Ed25519PrivateKey:
    """The process's signing key, loaded (or created) on first use."""
    global _cached
    key = _cached
    if key is not None:
        return key
    with _lock:
        if _cached is None:
            _cached = _load()
        return _cached


def reset_cache() -> None:
    global _cached
    with _lock:
        _cached = None


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def public_key_bytes() -> bytes:
    """The raw 32-byte public key."""
    return public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id() -> str:
    return key_id_for(public_key_bytes())


def key_id_for(public_key_raw: bytes) -> str:
    """First 16 hex characters of sha256 over the raw 32-byte public key."""
    return hashlib.sha256(public_key_raw).hexdigest()[:16]


def public_key_pem() -> str:
    pem = public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


def sign(data: bytes) -> bytes:
    """A 64-byte Ed25519 signature over `data`."""
    return signing_key().sign(data)


def verify_signature(public_key_raw: bytes, signature: bytes, data: bytes) -> bool:
    """True if `signature` is a valid Ed25519 signature of `data` by that raw public key."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key_raw).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def key_file_path() -> Path:
    var_dir = getattr(settings, "POG_VAR_DIR", None)
    if not var_dir:
        raise ImproperlyConfigured(
            f"settings.POG_VAR_DIR is not set, so there is nowhere to keep the ledger key; "
            f"set it or set {ENV_VAR}."
        )
    return Path(var_dir) / "keys" / KEY_FILE_NAME


def _load() -> Ed25519PrivateKey:
    value = os.environ.get(ENV_VAR, "").strip()
    if value:
        return _key_from_env(value)
    return _load_or_create_key_file(key_file_path())


def _key_from_env(value: str) -> Ed25519PrivateKey:
    # The messages never echo the value: it is a secret.
    if value.startswith("-----BEGIN"):
        pem = value.replace("\\n", "\n").encode("ascii", errors="replace")
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(
                f"{ENV_VAR} looks like PEM but is not an unencrypted PKCS#8 private key: {exc}"
            ) from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured(
                f"{ENV_VAR} holds a {type(key).__name__}, but the ledger needs an Ed25519 key."
            )
        return key
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(
            f"{ENV_VAR} must be a PEM PKCS#8 Ed25519 private key or the base64 of the 32-byte raw "
            "private key; it is neither (not valid base64)."
        ) from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(
            f"{ENV_VAR} decodes to {len(raw)} bytes; a raw Ed25519 private key is exactly 32 bytes."
        )
    return Ed25519PrivateKey.from_private_bytes(raw)


def _load_or_create_key_file(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        _create_key_file(path)
    return _read_key_file(path)


def _create_key_file(path: Path) -> None:
    """Write a new key to `path` unless another process gets there first.

    The key is written in full to a private temporary file and then hard-linked
    to its final name. link() fails if the name exists, so of several processes
    starting together exactly one wins; the others throw their key away and
    read the winner's, and no reader ever sees a half-written file.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            os.fchmod(file.fileno(), 0o600)  # exact, whatever the umask
            file.write(pem)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return
        raw_public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        logger.info("Created ledger signing key %s (key id %s)", path, key_id_for(raw_public))
    finally:
        tmp.unlink(missing_ok=True)


def _read_key_file(path: Path) -> Ed25519PrivateKey:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        logger.warning(
            "Ledger signing key %s is readable by others (mode %o); it should be 0600.", path, mode
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            f"Ledger signing key file {path} is not a valid PEM private key: {exc}"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(
            f"Ledger signing key file {path} holds a {type(key).__name__}, not Ed25519."
        )
    return key
