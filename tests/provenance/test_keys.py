from __future__ import annotations

import base64
import hashlib
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from pytest_django.fixtures import Settings

from provenance import keys


def _raw_private(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _pem_private(key: Ed25519PrivateKey) -> str:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem.decode()


@pytest.fixture(autouse=True)
def var_dir(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    settings.POG_VAR_DIR = tmp_path
    monkeypatch.delenv(keys.ENV_VAR, raising=False)
    keys.reset_cache()
    yield tmp_path
    keys.reset_cache()


def test_it_creates_the_key_file_once_with_mode_0600(var_dir: Path) -> None:
    path = var_dir / "keys" / "ledger-ed25519.pem"
    assert not path.exists()

    first = _raw_private(keys.signing_key())

    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(path.parent.iterdir()) == [path]
    keys.reset_cache()
    assert _raw_private(keys.signing_key()) == first


def test_it_reuses_an_existing_key_file(var_dir: Path) -> None:
    existing = Ed25519PrivateKey.generate()
    path = var_dir / "keys" / "ledger-ed25519.pem"
    path.parent.mkdir()
    path.write_text(_pem_private(existing))
    path.chmod(0o600)

    assert _raw_private(keys.signing_key()) == _raw_private(existing)


def test_it_caches_the_key_per_process() -> None:
    assert keys.signing_key() is keys.signing_key()


def test_it_keeps_the_key_of_the_process_that_won_the_race(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulate another process writing its key between our exists() check and our link().
    winner = Ed25519PrivateKey.generate()
    path = var_dir / "keys" / "ledger-ed25519.pem"
    real_generate = Ed25519PrivateKey.generate

    def generate_while_another_process_wins() -> Ed25519PrivateKey:
        path.write_text(_pem_private(winner))
        path.chmod(0o600)
        return real_generate()

    monkeypatch.setattr(Ed25519PrivateKey, "generate", staticmethod(generate_while_another_process_wins))

    assert _raw_private(keys.signing_key()) == _raw_private(winner)
    assert list(path.parent.iterdir()) == [path], "the loser's temporary file is removed"


def test_it_ends_with_one_key_when_many_start_together(var_dir: Path) -> None:
    path = var_dir / "keys" / "ledger-ed25519.pem"
    barrier = threading.Barrier(8)
    loaded: list[bytes] = []

    def start() -> None:
        barrier.wait()
        # The file logic directly: the per-process cache would serialise the threads.
        loaded.append(_raw_private(keys._load_or_create_key_file(path)))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(loaded) == 8
    assert len(set(loaded)) == 1
    assert list(path.parent.iterdir()) == [path]


def test_an_env_key_in_raw_base64_wins_over_the_file(var_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keys.signing_key()  # a file key exists now
    keys.reset_cache()
    env_key = Ed25519PrivateKey.generate()
    monkeypatch.setenv(keys.ENV_VAR, base64.b64encode(_raw_private(env_key)).decode())

    assert _raw_private(keys.signing_key()) == _raw_private(env_key)


def test_an_env_key_in_pem_wins_over_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    env_key = Ed25519PrivateKey.generate()
    monkeypatch.setenv(keys.ENV_VAR, _pem_private(env_key))

    assert _raw_private(keys.signing_key()) == _raw_private(env_key)


def test_an_env_pem_with_escaped_newlines_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    env_key = Ed25519PrivateKey.generate()
    monkeypatch.setenv(keys.ENV_VAR, _pem_private(env_key).replace("\n", "\\n"))

    assert _raw_private(keys.signing_key()) == _raw_private(env_key)


def test_an_env_key_writes_no_file(var_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(keys.ENV_VAR, base64.b64encode(bytes(range(32))).decode())
    keys.signing_key()
    assert not (var_dir / "keys").exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not base64 at all!", "not valid base64"),
        (base64.b64encode(b"too short").decode(), "exactly 32 bytes"),
        ("-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----", "PKCS#8"),
    ],
)
def test_a_bad_env_value_raises_improperly_configured(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv(keys.ENV_VAR, value)
    with pytest.raises(ImproperlyConfigured, match=message) as raised:
        keys.signing_key()
    assert keys.ENV_VAR in str(raised.value)


def test_an_env_key_of_another_algorithm_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    monkeypatch.setenv(keys.ENV_VAR, pem.decode())
    with pytest.raises(ImproperlyConfigured, match="Ed25519"):
        keys.signing_key()


def test_key_id_is_the_start_of_the_public_key_sha256() -> None:
    raw = keys.public_key_bytes()
    assert len(raw) == 32
    assert keys.key_id() == hashlib.sha256(raw).hexdigest()[:16]


def test_public_key_pem_loads_back_as_the_same_key() -> None:
    loaded = serialization.load_pem_public_key(keys.public_key_pem().encode())
    assert (
        loaded.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        == keys.public_key_bytes()
    )


def test_a_signature_verifies_only_for_its_data_and_key() -> None:
    signature = keys.sign(b"payload")
    other_key = Ed25519PrivateKey.generate().public_key()
    other_raw = other_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    assert keys.verify_signature(keys.public_key_bytes(), signature, b"payload")
    assert not keys.verify_signature(keys.public_key_bytes(), signature, b"payloaD")
    assert not keys.verify_signature(other_raw, signature, b"payload")
    assert not keys.verify_signature(b"short", signature, b"payload")
    assert not keys.verify_signature(keys.public_key_bytes(), signature[:10], b"payload")
