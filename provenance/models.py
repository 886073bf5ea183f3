from __future__ import annotations

from typing import Any, NoReturn

from django.db import models

ZERO_HASH = "0" * 64


class LedgerImmutableError(Exception):
    """Raised on any attempt to change or remove a ledger entry."""


class LedgerEntryQuerySet(models.QuerySet["LedgerEntry"]):
    # Bulk update()/delete() would skip the model's guards, so they refuse too.
    # (Tests that simulate tampering use a plain QuerySet on purpose.)
    def update(self, **kwargs: Any) -> NoReturn:
        raise LedgerImmutableError("Ledger entries are append-only: bulk update() is refused.")

    def delete(self) -> NoReturn:
        raise LedgerImmutableError("Ledger entries are append-only: bulk delete() is refused.")


class LedgerEntry(models.Model):
    """One signed link of the provenance hash chain. Write with `provenance.ledger.append` only."""

    seq = models.PositiveBigIntegerField(unique=True)
    kind = models.CharField(max_length=40)
    subject = models.CharField(max_length=100, db_index=True)
    body = models.JSONField()
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)
    signature = models.CharField(max_length=128)
    key_id = models.CharField(max_length=16)
    # Stored (not just key_id) so entries signed before a key rotation still verify.
    public_key = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "ledger entries"
        constraints = [models.CheckConstraint(condition=models.Q(seq__gte=1), name="ledger_entry_seq_from_1")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.subject}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LedgerImmutableError(f"Ledger entry #{self.seq} is append-only and cannot be changed.")
        # Always INSERT: a stray pk must fail on the unique key, never turn into an UPDATE.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise LedgerImmutableError(f"Ledger entry #{self.seq} is append-only and cannot be deleted.")


class LedgerHead(models.Model):
    """The chain's tip, a single row (pk=1). Appends lock it to take turns."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default=ZERO_HASH)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="ledger_head_singleton")]

    def __str__(self) -> str:
        return f"ledger head #{self.seq}"
