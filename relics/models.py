"""Registered relic caches, their searchable entries, and rendered previews.

A cache is a shared museum piece: its original files are stored read-only and content
addressed, and it is identified by the sha256 over its files' names and hashes, so the
same cache registered twice is one row.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class RelicCache(models.Model):
    class Era(models.TextChoices):
        CLASSIC = "classic", "Classic"
        MODERN = "modern", "Modern"

    class Source(models.TextChoices):
        UPLOAD = "upload", "Uploaded"
        FOLDER = "folder", "Server folder"

    sha256 = models.CharField(max_length=64, unique=True)
    era = models.CharField(max_length=8, choices=Era.choices, db_index=True)
    label = models.CharField(max_length=160)
    # [{"name", "sha256", "size", "blob"}] sorted by name: the originals, never rewritten.
    files = models.JSONField(default=list)
    source = models.CharField(max_length=8, choices=Source.choices)
    source_path = models.CharField(max_length=500, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    counts = models.JSONField(default=dict)  # kind -> number of entries
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["era", "created_at"]

    def __str__(self) -> str:
        return f"{self.label} ({self.sha256[:12]})"

    @property
    def short(self) -> str:
        return self.sha256[:12]

    @property
    def total_bytes(self) -> int:
        return sum(int(f["size"]) for f in self.files)

    def as_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "era": self.era,
            "label": self.label,
            "source": self.source,
            "files": [{k: f[k] for k in ("name", "sha256", "size")} for f in self.files],
            "counts": self.counts,
            "created_at": self.created_at.isoformat(),
        }


class RelicEntry(models.Model):
    """One decoded record (item, NPC, model, sector, sound...), indexed once at registration."""

    cache = models.ForeignKey(RelicCache, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=16)
    key = models.CharField(max_length=40)
    index = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    norm_name = models.CharField(max_length=200, db_index=True)
    search = models.TextField()  # lower-case words the text filter matches
    fields = models.JSONField(default=dict)
    preview = models.CharField(max_length=4, blank=True)  # png | glb | wav | "" (data only)

    class Meta:
        ordering = ["cache", "kind", "index"]
        constraints = [models.UniqueConstraint(fields=["cache", "kind", "key"], name="relic_entry_unique")]
        indexes = [models.Index(fields=["cache", "kind", "index"])]

    def __str__(self) -> str:
        return f"{self.kind}/{self.key} {self.name}"

    @property
    def entry_key(self) -> str:
        return f"{self.kind}/{self.key}"


class RelicRender(models.Model):
    """A rendered preview of an entry: which content-addressed blob holds its bytes."""

    cache = models.ForeignKey(RelicCache, on_delete=models.CASCADE, related_name="renders")
    entry_key = models.CharField(max_length=60)
    renderer = models.PositiveSmallIntegerField()  # bumps when rendering changes
    sha256 = models.CharField(max_length=64)
    blob = models.CharField(max_length=120)
    mime = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cache", "entry_key", "renderer"], name="relic_render_unique")
        ]

    def __str__(self) -> str:
        return f"{self.entry_key} -> {self.sha256[:12]}"
