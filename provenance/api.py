"""Provenance endpoints: an asset's ledger entry and whether it verifies."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router

from limbs.access import visible
from limbs.models import Asset
from provenance import keys
from provenance.ledger import entry_as_json, verify_entry

router = Router(tags=["provenance"])


@router.get("/key", auth=None, summary="The server's current public signing key")
def public_key(request: HttpRequest) -> dict[str, str]:
    return {"key_id": keys.key_id(), "algorithm": "Ed25519", "public_key_pem": keys.public_key_pem()}


@router.get("/{asset_id}", summary="The ledger entry that records an asset, and whether it verifies")
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
