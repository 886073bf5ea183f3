"""Identities: people with accounts, guests who have not signed up yet, API tokens."""

from __future__ import annotations

import copy
import hashlib
import secrets
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

TOKEN_PREFIX_LEN = 8


# Tier.default() per process: slug -> (kept until, on time.monotonic(), the tier).
_default_tier: dict[str, tuple[float, Tier]] = {}
DEFAULT_TIER_KEEP_S = 2.0


class Tier(models.Model):
    """What an identity's plan meters. Tiers change limits, never capability: every limb
    and action works on every tier. Editable by staff in the admin."""

    class ModelSize(models.TextChoices):
        SMALL = "small", "small models"
        MEDIUM = "medium", "medium models"
        LARGE = "large", "large models"

    class CachePolicy(models.TextChoices):
        SHARED = "shared", "shared: identical requests from anyone are answered from memory"
        PRIVATE = "private", "private: only this identity's own earlier results are reused"
        OFF = "off", "off: every request is made fresh and nothing is remembered"

    slug = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=60)
    requests_per_period = models.PositiveIntegerField(help_text="Requests allowed in each period.")
    period_s = models.PositiveIntegerField(default=60, help_text="Length of the rate-limit period, seconds.")
    concurrency = models.PositiveIntegerField(default=1, help_text="Generations running at once.")
    model_size = models.CharField(max_length=10, choices=ModelSize.choices, default=ModelSize.SMALL)
    cache_policy = models.CharField(max_length=10, choices=CachePolicy.choices, default=CachePolicy.SHARED)
    storage_mb = models.PositiveIntegerField(
        default=500, help_text="Megabytes of files (outputs and uploads) an identity may keep."
    )
    upload_mb_per_day = models.PositiveIntegerField(
        default=400, help_text="Megabytes an identity may upload (files, relic caches) in a day."
    )
    uploads_per_hour = models.PositiveIntegerField(
        default=20, help_text="Uploads an identity may send in an hour."
    )

    class Meta:
        ordering = ["requests_per_period"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuse limits the rate limiter cannot count exactly (staff edit tiers in the admin)."""
        from django.core.exceptions import ValidationError

        from accounts.limits import RateLimit

        try:
            RateLimit(self.requests_per_period, self.period_s)
        except ValueError as exc:
            raise ValidationError({"requests_per_period": str(exc)}) from None
        if self.concurrency < 1:
            raise ValidationError({"concurrency": "At least one generation must be able to run."})

    @classmethod
    def default(cls) -> Tier:
        """The tier new guests and accounts get (``POG_DEFAULT_TIER``), free when unset or missing.

        The free tier is put back with its shipped limits if staff deleted it: an identity
        must always have some tier, and free is the safe one.
        """
        slug = settings.POG_DEFAULT_TIER
        # Every guest's requests ask for it (guests have no tier of their own). Embedded
        # mode is one process: there it is kept a moment, and forgotten at once when a tier
        # is saved or deleted. Scale mode's processes (web, Celery workers) each ask.
        keep = settings.POG_MODE == "embedded"
        now = time.monotonic()
        kept = _default_tier.get(slug) if keep else None
        if kept is not None and kept[0] > now:
            return copy.copy(kept[1])
        tier: Tier | None = cls.objects.filter(slug=slug).first()
        if tier is None:
            tier = cls.ensure_shipped()["free"]
        if keep:
            _default_tier[slug] = (now + DEFAULT_TIER_KEEP_S, copy.copy(tier))
        return tier

    @staticmethod
    def forget_default() -> None:
        _default_tier.clear()

    @classmethod
    def ensure_shipped(cls) -> dict[str, Tier]:
        """The three shipped tiers, created with their shipped limits where missing."""
        found: dict[str, Tier] = {}
        for slug, name, requests, concurrency, size, cache, storage, upload_mb, uploads in SHIPPED_TIERS:
            found[slug], _ = cls.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "requests_per_period": requests,
                    "period_s": 60,
                    "concurrency": concurrency,
                    "model_size": size,
                    "cache_policy": cache,
                    "storage_mb": storage,
                    "upload_mb_per_day": upload_mb,
                    "uploads_per_hour": uploads,
                },
            )
        return found


# (slug, name, requests a minute, concurrency, model size, cache policy, storage MB, upload MB a day,
# uploads an hour); the first six also in migration 0002, the last three in 0004.
SHIPPED_TIERS = (
    ("free", "Free", 10, 1, "small", "shared", 500, 400, 20),
    ("premium", "Premium", 60, 3, "medium", "shared", 5_000, 4_000, 120),
    ("enterprise", "Enterprise", 600, 10, "large", "private", 50_000, 40_000, 1_200),
)


class User(AbstractUser):
    """A studio identity. Guests are real users with ``is_guest`` and no usable password,
    so claiming an account later keeps every asset (same row, same id)."""

    is_guest = models.BooleanField(default=False)
    display_name = models.CharField(max_length=60, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Null means the default tier (POG_DEFAULT_TIER), read when needed.
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="users")
    # Part of the session auth hash: bumping it signs this identity out everywhere at once.
    session_epoch = models.PositiveIntegerField(default=0)
    # When the identity last used the studio (written at most hourly); an unclaimed guest
    # and its files expire POG_GUEST_TTL_DAYS after it (accounts.guests).
    last_seen = models.DateTimeField(null=True, blank=True, db_index=True)

    def get_session_auth_hash(self) -> str:
        # Django checks this hash on every request; a new epoch makes every old session stale.
        return f"{super().get_session_auth_hash()}:{self.session_epoch}"

    def effective_tier(self) -> Tier:
        return self.tier if self.tier_id is not None and self.tier is not None else Tier.default()

    @property
    def friendly_name(self) -> str:
        if self.display_name:
            return self.display_name
        if self.is_guest:
            return "Guest"
        return self.username

    @property
    def guest_expires_at(self) -> datetime | None:
        """When this guest and everything it made go unless claimed (None for accounts)."""
        if not self.is_guest:
            return None
        last = self.last_seen or self.date_joined
        return last + timedelta(days=settings.POG_GUEST_TTL_DAYS)

    @classmethod
    def create_guest(cls) -> User:
        user = cls(username=f"guest-{secrets.token_hex(6)}", is_guest=True, last_seen=timezone.now())
        user.set_unusable_password()
        user.save()
        return user

    def claim(self, username: str, password: str, email: str = "") -> None:
        """Turn this guest into a full account in place, keeping everything it owns."""
        self.username = username
        self.email = email
        self.set_password(password)
        self.is_guest = False
        self.claimed_at = timezone.now()
        self.save(update_fields=["username", "email", "password", "is_guest", "claimed_at"])


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


SCOPES = ("read", "generate")


def all_scopes() -> list[str]:
    return list(SCOPES)


class ApiToken(models.Model):
    """A bearer token. Only its sha256 is stored; the prefix is shown to tell tokens apart.

    Scopes: ``read`` lets it look (GET), ``generate`` lets it ask limbs for assets.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=60, default="api")
    prefix = models.CharField(max_length=TOKEN_PREFIX_LEN)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    scopes = models.JSONField(default=all_scopes, help_text='Any of "read" and "generate".')

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(
        cls,
        user: User,
        name: str = "api",
        scopes: tuple[str, ...] = SCOPES,
        expires_at: datetime | None = None,
    ) -> tuple[ApiToken, str]:
        unknown = set(scopes) - set(SCOPES)
        if unknown or not scopes:
            raise ValueError(f"scopes must be a non-empty subset of {SCOPES}, not {sorted(scopes)}")
        raw = f"pog_{secrets.token_urlsafe(32)}"
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=raw[4 : 4 + TOKEN_PREFIX_LEN],
            token_hash=hash_token(raw),
            scopes=[s for s in SCOPES if s in scopes],
            expires_at=expires_at,
        )
        return token, raw

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    def is_usable(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now


class Metabolism(models.Model):
    """A person's standing preferences, read by the router on every request.

    Versioned: every change names the version it was based on and fails (409) when
    someone else changed it first, so concurrent edits never silently lose a write.

    - ``preferred_models``: limb id -> "provider:model" tried first for that limb.
    - ``confidence``: limb id -> the lowest confidence (0..1) an AI tier's output may
      score and still be kept; ``"*"`` is the default for every limb. Below it, the
      output counts as a failure and the chain moves on. The procedural tier, last in
      every chain, is exempt: a request never fails for want of a provider.
    - ``macros``: saved creative macros, ``[{"name", "limb", "action", "intent", "params"}]``.
    - ``trust_profile``: ``validate`` (default) scores AI outputs against the thresholds;
      ``zero`` also re-checks every remembered (cached) result before reusing it and
      never reuses results made for someone else; ``high`` keeps the structural checks
      (a broken file is never accepted) but skips the confidence scores.
    - ``efficiency_mode``: ``muscle`` (default) answers repeats from the muscle-memory
      cache; ``discovery`` always makes afresh (results are still remembered);
      ``precision`` always makes afresh too and raises every confidence threshold to at
      least 0.7.
    """

    class Trust(models.TextChoices):
        VALIDATE = "validate", "validate: score AI outputs against my thresholds"
        ZERO = "zero", "zero: also re-check remembered results, never reuse others'"
        HIGH = "high", "high: skip the confidence scores (files are still checked)"

    class Efficiency(models.TextChoices):
        MUSCLE = "muscle", "muscle: reuse remembered results for repeat requests"
        DISCOVERY = "discovery", "discovery: always make something new"
        PRECISION = "precision", "precision: always make afresh, with strict checks"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="metabolism")
    version = models.PositiveIntegerField(default=1)
    preferred_models = models.JSONField(default=dict)
    confidence = models.JSONField(default=dict)
    macros = models.JSONField(default=list)
    trust_profile = models.CharField(max_length=10, choices=Trust.choices, default=Trust.VALIDATE)
    efficiency_mode = models.CharField(max_length=10, choices=Efficiency.choices, default=Efficiency.MUSCLE)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"metabolism of {self.user} v{self.version}"

    @classmethod
    def for_user(cls, user: User) -> Metabolism:
        found, _ = cls.objects.get_or_create(user=user)
        return found

    def threshold_for(self, limb: str) -> float:
        value = float(self.confidence.get(limb, self.confidence.get("*", 0.0)))
        if self.efficiency_mode == self.Efficiency.PRECISION:
            value = max(value, 0.7)
        return 0.0 if self.trust_profile == self.Trust.HIGH else value

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "preferred_models": self.preferred_models,
            "confidence": self.confidence,
            "macros": self.macros,
            "trust_profile": self.trust_profile,
            "efficiency_mode": self.efficiency_mode,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


class Team(models.Model):
    """People who share projects and an asset library. Roles: owner, editor, viewer."""

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=40, unique=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "owner: everything, including members and the team itself"
        EDITOR = "editor", "editor: makes things in the team's projects"
        VIEWER = "viewer", "viewer: sees the team's work, makes nothing in it"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="one_membership_per_team")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"

    @property
    def can_make(self) -> bool:
        return self.role in (self.Role.OWNER, self.Role.EDITOR)


class TeamInvite(models.Model):
    """An invitation link. Only the token's hash is stored, like API tokens."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(max_length=10, choices=Membership.Role.choices, default=Membership.Role.EDITOR)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    max_uses = models.PositiveIntegerField(default=10)
    uses = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invite to {self.team} as {self.role}"

    def is_usable(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now and self.uses < self.max_uses


class KillSwitch(models.Model):
    """Staff stop something at once: everything, or one user, team, session, limb or provider.

    Active while ``released_at`` is empty. Setting and releasing both go to the
    provenance ledger, so the record of who stopped what, and why, cannot be edited.
    """

    class Scope(models.TextChoices):
        GLOBAL = "global", "everything"
        USER = "user", "one user (by id)"
        TEAM = "team", "one team (by id)"
        SESSION = "session", "one browser session (by session key) or API token (token:<id>)"
        LIMB = "limb", "one limb (by id)"
        PROVIDER = "provider", "one provider (cloudflare, gemini, ollama)"

    scope = models.CharField(max_length=10, choices=Scope.choices)
    target = models.CharField(max_length=80, blank=True, help_text="Empty for the global switch.")
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    release_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "kill switches"
        indexes = [
            models.Index(
                fields=["scope", "target"], condition=models.Q(released_at=None), name="active_switches"
            )
        ]

    def __str__(self) -> str:
        what = self.get_scope_display() if self.scope == self.Scope.GLOBAL else f"{self.scope} {self.target}"
        return f"kill switch: {what}"

    @property
    def active(self) -> bool:
        return self.released_at is None


class AnomalyFlag(models.Model):
    """An identity, address or network whose behaviour stood out; throttled until cleared.

    ``subject`` names what was seen (``user:42``, ``address:203.0.113.7``,
    ``prefix:203.0.113.0/24``); ``user`` is set for identities only.
    """

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="anomaly_flags"
    )
    subject = models.CharField(max_length=80, db_index=True, default="")
    # requests | errors | bad_input (baseline); burst_requests | burst_refused | burst_bad_input |
    # identities | new_identities (within a minute, accounts.bursts)
    metric = models.CharField(max_length=20)
    evidence = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.metric} anomaly for {self.user or self.subject}"
