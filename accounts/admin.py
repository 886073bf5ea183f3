"""The staff console for identities: tiers, teams, invites, projects, kill switches,
anomaly flags and users. Anything that must reach the ledger goes through its function
(set_switch, release_switch, revoke_sessions), never a plain save."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin
from django.db.models import CharField, Exists, F, OuterRef, QuerySet
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html

from accounts import threats
from accounts.admin_views import kill_switch_add
from accounts.killswitch import SwitchInvalid, release_switch, revoke_sessions, set_switch
from accounts.models import AnomalyFlag, ApiToken, KillSwitch, Membership, Team, TeamInvite, Tier, User


def _staff(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@admin.register(User)
class StudioUserAdmin(UserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "is_guest", "email", "tier", "is_staff", "date_joined", "stopped")
    list_filter = ("is_guest", "is_staff", "is_active", "tier")
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Studio", {"fields": ("is_guest", "display_name", "tier")}))
    actions = ("stop_users", "revoke_user_sessions")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        # One EXISTS per page instead of one query per row for the "stopped" column.
        active = KillSwitch.objects.filter(
            scope=KillSwitch.Scope.USER, target=Cast(OuterRef("pk"), CharField()), released_at__isnull=True
        )
        users: QuerySet[User] = super().get_queryset(request)
        return users.annotate(is_stopped=Exists(active))

    @admin.display(boolean=True, description="stopped")
    def stopped(self, user: User) -> bool:
        return bool(getattr(user, "is_stopped", False))

    @admin.action(description="Stop the selected users (asks for a reason)")
    def stop_users(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        """A user kill switch per person. The first pass shows the reason prompt; the prompt
        posts back to this action with ``apply``."""
        reason = request.POST.get("reason", "")
        error = ""
        if "apply" in request.POST:
            stopped, skipped = [], []
            try:
                for user in queryset:
                    if self.stopped(user):
                        skipped.append(user.username)
                        continue
                    set_switch(KillSwitch.Scope.USER, str(user.pk), reason, _staff(request))
                    stopped.append(user.username)
            except SwitchInvalid as exc:
                error = exc.message
            else:
                if stopped:
                    self.message_user(request, f"Stopped: {', '.join(stopped)}.", messages.SUCCESS)
                if skipped:
                    self.message_user(request, f"Already stopped: {', '.join(skipped)}.", messages.WARNING)
                return None
        context = self.admin_site.each_context(request) | {
            "title": "Stop users",
            "opts": self.model._meta,
            "users": queryset,
            "reason": reason,
            "error": error,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/accounts/user/stop_users.html", context)

    @admin.action(description="Sign the selected users out of every browser")
    def revoke_user_sessions(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        names = []
        for user in queryset:
            revoke_sessions(user, _staff(request))
            names.append(user.username)
        self.message_user(request, f"Signed out everywhere: {', '.join(names)}.", messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "token_hash", "created_at", "last_used_at")


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "name",
        "slug",
        "requests_per_period",
        "period_s",
        "concurrency",
        "model_size",
        "cache_policy",
        "storage_mb",
        "upload_mb_per_day",
        "uploads_per_hour",
    )
    list_editable = (
        "requests_per_period",
        "period_s",
        "concurrency",
        "model_size",
        "cache_policy",
        "storage_mb",
        "upload_mb_per_day",
        "uploads_per_hour",
    )
    prepopulated_fields = {"slug": ("name",)}


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0
    raw_id_fields = ("user",)
    readonly_fields = ("joined_at",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "slug", "created_by", "created_at")
    search_fields = ("name", "slug")
    readonly_fields = ("created_by", "created_at")
    inlines = (MembershipInline,)


@admin.register(TeamInvite)
class TeamInviteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("team", "role", "created_by", "created_at", "expires_at", "uses", "max_uses", "usable")
    list_filter = ("role",)
    search_fields = ("team__name",)
    readonly_fields = ("team", "token_hash", "created_by", "created_at", "uses")
    actions = ("revoke_invites",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # An invite's link is shown once to the owner who makes it; one made here could never be shared.
        return False

    @admin.display(boolean=True)
    def usable(self, invite: TeamInvite) -> bool:
        return invite.is_usable()

    @admin.action(description="Revoke the selected invites")
    def revoke_invites(self, request: HttpRequest, queryset: QuerySet[TeamInvite]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{count} invite link(s) no longer work.", messages.SUCCESS)


@admin.register(KillSwitch)
class KillSwitchAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("__str__", "reason", "created_by", "created_at", "active", "released_at", "released_by")
    list_filter = ("scope", ("released_at", admin.EmptyFieldListFilter))
    search_fields = ("target", "reason")
    # Active switches (no released_at) first, then the most recently released. The admin takes
    # expressions here; django-stubs only knows field names.
    ordering = (F("released_at").desc(nulls_first=True), "-created_at")  # type: ignore[assignment]
    actions = ("release",)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return kill_switch_add(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A switch is a record (it is in the ledger too): it is released, never edited.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(boolean=True)
    def active(self, switch: KillSwitch) -> bool:
        return switch.active

    @admin.action(description="Release the selected switches")
    def release(self, request: HttpRequest, queryset: QuerySet[KillSwitch]) -> None:
        released = sum(
            release_switch(switch, _staff(request), "released from the staff console")
            for switch in queryset.filter(released_at__isnull=True)
        )
        self.message_user(request, f"Released {released} switch(es).", messages.SUCCESS)


@admin.register(AnomalyFlag)
class AnomalyFlagAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("subject", "user", "metric", "evidence_text", "created_at", "cleared_at", "cleared_by")
    list_filter = ("metric", ("cleared_at", admin.EmptyFieldListFilter))
    search_fields = ("subject", "user__username")
    ordering = (F("cleared_at").desc(nulls_first=True), "-created_at")  # type: ignore[assignment]
    readonly_fields = ("subject", "user", "metric", "evidence", "created_at", "cleared_at", "cleared_by")
    actions = ("clear",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="evidence")
    def evidence_text(self, flag: AnomalyFlag) -> str:
        return format_html("<code>{}</code>", json.dumps(flag.evidence, sort_keys=True))

    @admin.action(description="Clear the selected flags (stop throttling them)")
    def clear(self, request: HttpRequest, queryset: QuerySet[AnomalyFlag]) -> None:
        # Through clear_flag, which also drops this process's cached "throttled" answer.
        count = sum(threats.clear_flag(flag, _staff(request)) for flag in queryset)
        self.message_user(request, f"Cleared {count} flag(s).", messages.SUCCESS)
