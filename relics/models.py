"""Registered relic caches, who may see them, their searchable entries, and rendered previews.

A cache's original files are stored read-only and content addressed, and it is identified
by the sha256 over its files' names and hashes, so the same cache registered twice is one
row. Who sees it is decided per registration: each one puts the cache on a shelf (a
person's, a team's, or the museum's own public one), and a cache nobody may see through a
shelf is not found at all.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from limbs.access import team_ids

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


class RelicShelfQuerySet(models.QuerySet["RelicShelf"]):
    def seen_by(self, user: User | AnonymousUser | None) -> RelicShelfQuerySet:
        """The shelves ``user`` looks at: the public one, their own, and their teams'."""
        shelves = Q(public=True)
        if user is not None and user.is_authenticated:
            shelves |= Q(owner=user, team__isnull=True) | Q(team__in=team_ids(user))
        return self.filter(shelves)


class RelicCacheQuerySet(models.QuerySet["RelicCache"]):
    def visible_to(self, user: User | AnonymousUser | None) -> RelicCacheQuerySet:
        """The caches ``user`` may see: those on a shelf they look at.

        Every listing and lookup of caches goes through here, so a cache that is not
        yours is simply not found (404), exactly like one that does not exist.
        """
        return self.filter(pk__in=RelicShelf.objects.seen_by(user).values("cache_id"))


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

    objects = RelicCacheQuerySet.as_manager()

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


class RelicShelf(models.Model):
    """One registration of a cache: who it is shown to, under what name.

    A person's shelf (``owner``, no team) shows it to them alone; a team's (``team``, with
    the ``owner`` who filed it) to every member; the museum's own (no owner, no team) is
    the only kind that may be ``public``, and only staff set that. The files stay shared.
    """

    cache = models.ForeignKey(RelicCache, on_delete=models.CASCADE, related_name="shelves")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    project = models.ForeignKey(
        "limbs.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    label = models.CharField(max_length=160, blank=True)
    public = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RelicShelfQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["cache", "owner"],
                condition=Q(owner__isnull=False, team__isnull=True),
                name="relic_shelf_one_per_person",
            ),
            models.UniqueConstraint(
                fields=["cache", "team"], condition=Q(team__isnull=False), name="relic_shelf_one_per_team"
            ),
            models.UniqueConstraint(
                fields=["cache"],
                condition=Q(owner__isnull=True, team__isnull=True),
                name="relic_shelf_one_for_the_museum",
            ),
            models.CheckConstraint(
                condition=Q(public=False) | Q(owner__isnull=True, team__isnull=True),
                name="relic_shelf_only_the_museum_is_public",
            ),
        ]

    def __str__(self) -> str:
        if self.team_id is not None:
            whose = f"team {self.team_id}"
        elif self.owner_id is not None:
            whose = f"user {self.owner_id}"
        else:
            whose = "the museum" + (" (public)" if self.public else "")
        return f"cache {self.cache_id} on the shelf of {whose}"


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


class RelicUpload(models.Model):
    """One cache sent through the museum, from its staged files to its registration.

    The request stores the files in a staging folder and this row, then a background job
    decodes them (``museum.run_upload``). ``status`` says where it is: pending (waiting for
    a worker), decoding, ready (``cache`` is registered and on the sender's shelf) or
    failed (``error`` names the file and the offset; nothing was registered and the staged
    files are gone).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be decoded"
        DECODING = "decoding", "Being decoded"
        READY = "ready", "Registered"
        FAILED = "failed", "Refused"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(
        "limbs.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    label = models.CharField(max_length=160, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    # {"code", "message", "file", "offset"} when failed.
    error = models.JSONField(default=dict, blank=True)
    # [{"name", "sha256", "size"}] of the staged files, sorted by name.
    files = models.JSONField(default=list)
    sha256 = models.CharField(max_length=64)  # the cache these files make, as cache_digest computes it
    staging = models.CharField(max_length=500, blank=True)  # the staged folder, until decoded
    cache = models.ForeignKey(RelicCache, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.BooleanField(default=False)  # new on the sender's shelves when it became ready
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"upload {self.pk} ({self.status})"

    @property
    def total_bytes(self) -> int:
        return sum(int(f["size"]) for f in self.files)

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.pk),
            "status": self.status,
            "label": self.label,
            "files": self.files,
            "error": self.error or None,
            "created": self.created,
            "cache": self.cache.sha256 if self.cache_id is not None and self.cache else None,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "links": {
                "self": f"/api/relics/uploads/{self.pk}",
                "page": f"/relics/uploads/{self.pk}",
                "cache": f"/api/relics/caches/{self.cache.sha256}"
                if self.cache_id is not None and self.cache
                else None,
            },
        }
