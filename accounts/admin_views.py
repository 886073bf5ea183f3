"""Staff console pages beside the model admin: stopping something through ``set_switch``,
signing everyone out, and auditing the provenance ledger."""

from __future__ import annotations

import time
from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import KillSwitchForm
from accounts.killswitch import SwitchInvalid, revoke_sessions, set_switch
from accounts.models import KillSwitch, User
from provenance.ledger import entry_as_json, verify_chain, verify_entry
from provenance.models import LedgerEntry

AUDIT_PAGE = 50


def _staff(request: HttpRequest) -> User:
    return cast(User, request.user)


def kill_switch_add(request: HttpRequest) -> HttpResponse:
    """The admin's "add kill switch" page. It goes through set_switch, never a bare save,
    so every switch is checked, written to the ledger and closes its target's sockets."""
    if request.method == "POST":
        form = KillSwitchForm(request.POST)
    else:
        form = KillSwitchForm(initial={k: request.GET[k] for k in ("scope", "target") if k in request.GET})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            switch = set_switch(data["scope"], data["target"], data["reason"], _staff(request))
        except SwitchInvalid as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"{switch} is on: {switch.reason}")
            return redirect("admin:accounts_killswitch_changelist")
    context = admin.site.each_context(request) | {
        "title": "Stop something",
        "form": form,
        "opts": KillSwitch._meta,
        "scopes": KillSwitch.Scope.choices,
    }
    return render(request, "admin/accounts/killswitch/add.html", context, status=422 if form.errors else 200)


@staff_member_required
@require_http_methods(["GET", "POST"])
def revoke_all_sessions(request: HttpRequest) -> HttpResponse:
    """Sign every identity out of every browser, after the staff member confirms it."""
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") == "everyone":
            count = revoke_sessions(None, _staff(request))
            # The staff member's own session went too, so the next page is the admin login.
            messages.success(request, f"Everyone ({count} identities) is signed out, you included.")
            return redirect(reverse("admin:login") + "?next=" + reverse("admin:index"))
        error = "Tick the box to confirm: this signs out everyone, you included."
    context = admin.site.each_context(request) | {
        "title": "Sign everyone out",
        "users": User.objects.count(),
        "sessions": Session.objects.count(),
        "error": error,
    }
    return render(request, "admin/revoke_sessions.html", context, status=422 if error else 200)


@staff_member_required
@require_GET
def provenance_audit(request: HttpRequest) -> HttpResponse:
    """The ledger's health at a glance: the whole chain verified, then the newest entries,
    each checked on its own (hash, signature, link to the one before)."""
    kind = request.GET.get("kind", "")
    entries = LedgerEntry.objects.order_by("-seq")
    if kind:
        entries = entries.filter(kind=kind)
    before = request.GET.get("before", "")
    if before.isdigit():
        entries = entries.filter(seq__lt=int(before))
    page = list(entries[: AUDIT_PAGE + 1])
    more = len(page) > AUDIT_PAGE
    page = page[:AUDIT_PAGE]
    started = time.perf_counter()
    chain = verify_chain()
    took_ms = (time.perf_counter() - started) * 1000
    rows: list[dict[str, Any]] = [
        {"entry": e, "json": entry_as_json(e), "report": verify_entry(e)} for e in page
    ]
    context = admin.site.each_context(request) | {
        "title": "Provenance audit",
        "chain": chain,
        "took_ms": took_ms,
        "rows": rows,
        "kinds": list(LedgerEntry.objects.order_by("kind").values_list("kind", flat=True).distinct()),
        "kind": kind,
        "older": page[-1].seq if more and page else None,
    }
    return render(request, "admin/provenance_audit.html", context)
