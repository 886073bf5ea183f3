"""Staff console page for the circuit breakers: see every breaker, force one open or closed."""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from limbs import breakers
from limbs.registry import REGISTRY
from limbs.router import PROCEDURAL, chain_for

_ACTIONS = {"open": "open", "closed": "closed", "release": None}


def _known_pairs() -> set[tuple[str, str]]:
    """Every (provider, model) a built action would call, touched or not yet."""
    pairs = set()
    for limb in REGISTRY.limbs:
        for action in limb.actions:
            if not action.built:
                continue
            for provider in chain_for(limb.id, action.id):
                if provider is not PROCEDURAL:
                    pairs.add((provider.name, provider.default_model(limb.id, action.id) or ""))
    return pairs


@staff_member_required
@require_http_methods(["GET", "POST"])
def breakers_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        provider = request.POST.get("provider", "")
        model = request.POST.get("model", "")
        choice = request.POST.get("force", "")
        if choice not in _ACTIONS or not provider:
            messages.error(request, "Choose a breaker and one of: open, closed, release.")
        else:
            breakers.breaker(provider, model).force(_ACTIONS[choice])  # type: ignore[arg-type]
            messages.success(request, f"{provider} · {model}: {choice}.")
        return redirect("admin-breakers")
    states = {(s.provider, s.model): s for s in breakers.all_states()}
    for pair in _known_pairs() - set(states):
        states[pair] = breakers.breaker(*pair).state()
    rows = [
        {
            "state": state,
            "opened_until": (
                datetime.fromtimestamp(state.opened_until, tz=UTC) if state.opened_until else None
            ),
        }
        for _, state in sorted(states.items())
    ]
    context = admin.site.each_context(request) | {"title": "Circuit breakers", "rows": rows}
    return render(request, "admin/breakers.html", context)
