from __future__ import annotations

from django.contrib import admin

from limbs.models import Asset, CacheEntry, Generation, Project


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "owner", "limb", "action", "status", "provider", "cache", "created_at")
    list_filter = ("status", "limb", "provider", "cache")
    search_fields = ("id", "intent", "owner__username")
    readonly_fields = [f.name for f in Generation._meta.fields]


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "owner", "kind", "mime", "size", "created_at")
    list_filter = ("kind", "mime")
    search_fields = ("id", "name", "sha256", "owner__username")
    readonly_fields = [f.name for f in Asset._meta.fields]


@admin.register(CacheEntry)
class CacheEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("key", "limb", "action", "provider", "hits", "created_at", "last_hit_at")
    list_filter = ("limb", "provider")


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "owner", "team", "created_at")
    search_fields = ("name", "owner__username", "team__name")
    raw_id_fields = ("owner", "team")
