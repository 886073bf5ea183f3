"""Forking a relic from the museum's pages and API: the relic limb's ``fork``, run at once.

There is one writer of assets and ledger entries (``limbs.record``), so the museum's fork
buttons ask the limb like any other request: stored already claimed by this worker, then
run on the caller's thread (a fork is a small, pure computation). Its ledger entry is a
``generation`` entry that names the relic (cache and entry) as the asset's parent.
"""

from __future__ import annotations

from accounts.models import User
from limbs.models import Asset
from limbs.request import GenerateInput, do_generate
from limbs.runs import run_claimed
from pog_site.errors import RequestError
from relics import museum
from relics.models import RelicCache


def do_fork_relic(user: User, cache: RelicCache, entry_key: str, name: str | None = None) -> Asset:
    """Make an entry a studio Asset of ``user`` whose provenance names the relic as parent.

    The asset is the entry's rendered file (PNG, GLB or WAV) or, for data-only entries,
    its decoded fields as JSON. The cache's originals are only read. Forking the same
    entry twice gives the one asset (assets are unique per library and content).
    Raises RequestError (404 for an entry the cache does not have).
    """
    museum.get_entry(cache, entry_key)  # an unknown entry is a 404 here, as on every museum page
    params = {"cache": cache.sha256, "entry": entry_key}
    if name and name.strip():
        params["name"] = name.strip()
    # Seed 0: a fork ignores it, and the same fork asked again is then remembered.
    request = GenerateInput(limb="relic", action="fork", params=params, seed=0)
    generation = do_generate(user, request, queue=False, claim=True)
    finished = run_claimed(generation)
    if finished is None or finished["status"] != "succeeded":
        error = (finished or {}).get("error") or "The fork was taken over by another worker."
        raise RequestError(422, "fork_failed", f"The relic could not be forked: {error}", "entry")
    return Asset.objects.get(pk=finished["assets"][0]["id"])
