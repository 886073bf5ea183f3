"""Provenance endpoints: an asset's ledger entry and whether it verifies."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router

from limbs.access import visible
from limbs.models import Asset
from pog_site.errors import PUBLIC, SIGNED_IN, errors
from pog_site.schemas import Out
from provenance import keys
from provenance.ledger import entry_as_json, verify_entry

router = Router(tags=["provenance"], exclude_unset=True)


class KeyOut(Out):
    key_id: str
    algorithm: str
    public_key_pem: str


class LedgerEntryOut(Out):
    seq: int
    kind: str
    subject: str
    body: dict[str, Any]
    prev_hash: str
    entry_hash: str
    signature: str
    key_id: str
    public_key: str
    created_at: str


class VerificationOut(Out):
    hash_ok: bool
    signature_ok: bool
    chain_ok: bool
    verified: bool
    problems: list[str]


class ProvenanceOut(Out):
    asset: uuid.UUID
    sha256: str
    entry: LedgerEntryOut
    verification: VerificationOut


@router.get(
    "/key",
    auth=None,
    response={200: KeyOut, **errors(PUBLIC)},
    summary="The server's current public signing key",
)
def public_key(request: HttpRequest) -> dict[str, str]:
    return {"key_id": keys.key_id(), "algorithm": "Ed25519", "public_key_pem": keys.public_key_pem()}


@router.get(
    "/{asset_id}",
    response={200: ProvenanceOut, **errors(SIGNED_IN, 404)},
    summary="The ledger entry that records an asset, and whether it verifies",
)
def asset_provenance(request: HttpRequest, asset_id: uuid.UUID) -> dict[str, Any]:
    asset = visible(Asset.objects.filter(pk=asset_id), request.auth).select_related("ledger_entry").first()  # type: ignore[attr-defined]
    if asset is None:
        raise Http404("No asset of yours has that id.")
    entry = asset.ledger_entry
    if entry is None:
        raise Http404("This asset has no ledger entry.")
    return {
        "asset": str(asset.pk),
        "sha256": asset.sha256,
        "entry": entry_as_json(entry),
        "verification": verify_entry(entry),
    }
