"""The procedural tier's work as a generator process runs it (``pog_site.procs``).

Pure: it imports the registry and the actions, never Django, so a spawned child starts
quickly and small. The router sends a request without its callbacks (they do not pickle);
progress comes back through ``progress``, which the pool hands in.
"""

from __future__ import annotations

from dataclasses import replace

from limbs.formats import validate_outputs
from limbs.providers.base import ProviderResult
from limbs.providers.procedural import ProceduralProvider
from limbs.registry import REGISTRY
from limbs.spec import GenRequest, ProgressFn

_PROCEDURAL = ProceduralProvider()


def make(
    limb: str, action: str, request: GenRequest, deadline_s: float, *, progress: ProgressFn
) -> ProviderResult:
    """The action's own ``make``, as ``ProceduralProvider.run`` calls it in the server, and
    the validation of what it made (every output decoded, the action's own check): the
    router validates every tier's answer, and this tier's is validated here, beside the
    work, so a big picture is decoded on this process's core, not the server's."""
    result = _PROCEDURAL.run(limb, action, replace(request, progress=progress), deadline_s)
    spec = REGISTRY.action(limb, action)
    validate_outputs(result.outputs, spec.check if spec is not None else None)
    return result


def quiet(fraction: float, message: str) -> None:
    """The progress a request carries to the child until the child hands in its own."""
    return None
