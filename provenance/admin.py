from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from provenance.models import LedgerEntry, LedgerHead


class _ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Looking only: the ledger is written by `provenance.ledger.append` and nothing else."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(_ReadOnlyAdmin):
    list_display = ["seq", "kind", "subject", "key_id", "created_at"]
    list_filter = ["kind", "key_id"]
    search_fields = ["subject", "entry_hash"]
    ordering = ["-seq"]
    show_full_result_count = False


@admin.register(LedgerHead)
class LedgerHeadAdmin(_ReadOnlyAdmin):
    list_display = ["seq", "entry_hash"]
