"""Generations (one request to a limb), Assets (content-addressed outputs) and the
muscle-memory cache."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

from limbs.registry import get_limb
from limbs.spec import ActionSpec, LimbSpec
from pog_site import jobs


class Project(models.Model):
    """A folder of work. A personal project has an owner; a team project has a team, whose
    editors and owners make things in it and whose viewers only look."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=80)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="projects"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="projects"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(owner__isnull=False) & models.Q(team__isnull=True))
                | (models.Q(owner__isnull=True) & models.Q(team__isnull=False)),
                name="project_belongs_to_a_user_or_a_team",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Generation(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting in line"
        RUNNING = "running", "Working on it"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Something went wrong"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generations")
    # Set for work in a team project: the team then owns it and its members see it.
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="generations"
    )
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="generations"
    )
    limb = models.CharField(max_length=40)
    action = models.CharField(max_length=40)
    intent = models.TextField(blank=True)
    # Everything needed to replay the generation: validated params, seed, tension, parents.
    params = models.JSONField(default=dict)
    tension = models.CharField(max_length=8, default="medium")
    attachment = models.CharField(max_length=10, default="standard")
    seed = models.BigIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.FloatField(default=0.0)
    message = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    provider = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=120, blank=True)
    cache = models.CharField(max_length=4, blank=True)
    attempts = models.JSONField(default=list)
    overhead_ms = models.FloatField(null=True, blank=True)
    inputs: models.ManyToManyField[Asset, Any] = models.ManyToManyField(
        "Asset", related_name="used_by", blank=True
    )
    outputs: models.ManyToManyField[Asset, Any] = models.ManyToManyField(
        "Asset", related_name="made_by", blank=True
    )
    # Claiming: a worker sets claimed_by/claimed_at with a conditional UPDATE.
    claimed_by = models.CharField(max_length=80, blank=True)
    # The owner's concurrency lease (accounts.limits), released when the job ends.
    lease = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claims = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "limb", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.limb}.{self.action} {self.id}"

    def get_absolute_url(self) -> str:
        return reverse("limbs:generation", args=[self.id])

    @property
    def limb_spec(self) -> LimbSpec | None:
        return get_limb(self.limb)

    @property
    def action_spec(self) -> ActionSpec | None:
        limb = self.limb_spec
        return limb.action(self.action) if limb else None

    @property
    def is_done(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return max(0, min(100, round(self.progress * 100)))

    @property
    def duration_ms(self) -> int | None:
        if self.started_at and self.finished_at:
            return int((self.finished_at - self.started_at).total_seconds() * 1000)
        return None

    def output_list(self) -> list[Asset]:
        return list(self.outputs.order_by("created_at", "id"))

    def queue_place(self) -> dict[str, Any]:
        """Where this queued generation stands: ``{"position", "ahead", "estimate_s"}``.

        The scheduler of this process knows exactly (embedded mode); otherwise (Celery, or a
        row another process queued) it is told from the database: the queued rows made
        before this one, at the pace of recent jobs over the job workers."""
        place = jobs.place(str(self.id))
        if place is not None:
            return place
        queued = Generation.objects.filter(status=self.Status.QUEUED)
        ahead = queued.filter(created_at__lt=self.created_at).count()
        recent = (
            Generation.objects.filter(status=self.Status.SUCCEEDED, started_at__isnull=False)
            .order_by("-finished_at")
            .values_list("started_at", "finished_at")[:20]
        )
        took = [
            (done - began).total_seconds() for began, done in recent if done is not None and began is not None
        ]
        own = sum(took) / len(took) if took else 0.0
        estimate = ahead * own / max(1, int(settings.POG_WORKERS)) + own
        return {"position": ahead + 1, "ahead": ahead, "estimate_s": round(estimate, 1)}

    def as_json(self, outputs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The API's view of the row; ``outputs`` (assets as JSON) saves the queries when
        the caller has them in hand."""
        if outputs is None:
            outputs = [a.as_json() for a in self.output_list()] if self.is_done else []
        return {
            "generation": str(self.id),
            "status": self.status,
            "limb": self.limb,
            "action": self.action,
            "intent": self.intent,
            "params": self.params,
            "seed": self.seed,
            "tension": self.tension,
            "attachment": self.attachment,
            "provider": self.provider,
            "model": self.model,
            "cache": self.cache or None,
            "attempts": self.attempts,
            "progress": round(self.progress, 3),
            "message": self.message,
            "error": self.error or None,
            "queue": self.queue_place() if self.status == self.Status.QUEUED else None,
            "assets": outputs,
            "created_at": self.created_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "links": {
                "self": f"/api/generations/{self.id}",
                "page": self.get_absolute_url(),
                "websocket": f"/ws/generations/{self.id}/",
            },
        }


class Asset(models.Model):
    """One output file owned by one identity. Bytes live once per sha256 in storage
    (``blobs/ab/abcdef…``), so equal outputs share one file."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assets")
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="assets"
    )
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="assets"
    )
    name = models.CharField(max_length=160)
    mime = models.CharField(max_length=80)
    kind = models.CharField(max_length=12, db_index=True)
    role = models.CharField(max_length=20, default="main")
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    blob = models.CharField(max_length=120)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    meta = models.JSONField(default=dict)
    generation = models.ForeignKey(
        Generation, null=True, blank=True, on_delete=models.SET_NULL, related_name="created_assets"
    )
    parents = models.ManyToManyField("self", symmetrical=False, related_name="children", blank=True)
    ledger_entry = models.ForeignKey(
        "provenance.LedgerEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="assets"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        # One asset per content per library: a person's own, or a team's shared one.
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "sha256"], condition=models.Q(team=None), name="asset_unique_per_owner"
            ),
            models.UniqueConstraint(
                fields=["team", "sha256"],
                condition=models.Q(team__isnull=False),
                name="asset_unique_per_team",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("limbs:asset", args=[self.id])

    @property
    def content_url(self) -> str:
        return f"/api/assets/{self.id}/content"

    @property
    def download_url(self) -> str:
        return f"/api/assets/{self.id}/content?download=1"

    @property
    def is_image(self) -> bool:
        return self.kind == "image"

    @property
    def is_pixel_art(self) -> bool:
        return bool(self.meta.get("pixel_art"))

    def read_bytes(self) -> bytes:
        from limbs.storage import read_blob

        return read_blob(self.blob)

    def text_preview(self, limit: int = 20000) -> str:
        if self.kind not in ("text", "code", "json"):
            return ""
        return self.read_bytes()[:limit].decode("utf-8", errors="replace")

    def as_json(self, parent_ids: list[str] | None = None) -> dict[str, Any]:
        if parent_ids is None:
            parent_ids = [str(p) for p in self.parents.values_list("id", flat=True)]
        return {
            "id": str(self.id),
            "name": self.name,
            "url": self.content_url,
            "page": self.get_absolute_url(),
            "mime": self.mime,
            "kind": self.kind,
            "role": self.role,
            "sha256": self.sha256,
            "bytes": self.size,
            "width": self.width,
            "height": self.height,
            "meta": self.meta,
            "generation": str(self.generation_id) if self.generation_id else None,
            "parents": parent_ids,
            "created_at": self.created_at.isoformat(),
        }


class CacheEntry(models.Model):
    """Muscle memory: a finished result keyed by what produced it.

    The key covers limb, action, normalised intent and params (asset inputs by
    their sha256), seed, tension and provider preference, so a hit is the exact
    same request and replaying it gives the same bytes.
    """

    key = models.CharField(max_length=64, primary_key=True)
    limb = models.CharField(max_length=40)
    action = models.CharField(max_length=40)
    provider = models.CharField(max_length=40)
    model = models.CharField(max_length=120, blank=True)
    # [{"sha256", "blob", "mime", "name", "role", "size", "width", "height", "meta"}]
    outputs = models.JSONField()
    meta = models.JSONField(default=dict)
    hits = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_hit_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.limb}.{self.action} {self.key[:12]}"
