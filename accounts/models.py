"""Identities: people with accounts, guests who have not signed up yet, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

TOKEN_PREFIX_LEN = 8


class User(AbstractUser):
    """A studio identity. Guests are real users with ``is_guest`` and no usable password,
    so claiming an account later keeps every asset (same row, same id)."""

    is_guest = models.BooleanField(default=False)
    display_name = models.CharField(max_length=60, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    @property
    def friendly_name(self) -> str:
        if self.display_name:
            return self.display_name
        if self.is_guest:
            return "Guest"
        return self.username

    @classmethod
    def create_guest(cls) -> User:
        user = cls(username=f"guest-{secrets.token_hex(6)}", is_guest=True)
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


class ApiToken(models.Model):
    """A bearer token. Only its sha256 is stored; the prefix is shown to tell tokens apart."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=60, default="api")
    prefix = models.CharField(max_length=TOKEN_PREFIX_LEN)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, user: User, name: str = "api") -> tuple[ApiToken, str]:
        raw = f"pog_{secrets.token_urlsafe(32)}"
        token = cls.objects.create(
            user=user, name=name, prefix=raw[4 : 4 + TOKEN_PREFIX_LEN], token_hash=hash_token(raw)
        )
        return token, raw

    def is_usable(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now
