"""Small presentation helpers for the studio templates (words, icons, anchors, thumbnails)."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from limbs.registry import get_limb

register = template.Library()

_KIND_WORDS = {
    "image": ("picture", "Pictures", "🖼️"),
    "model": ("3D model", "3D models", "🧊"),
    "audio": ("sound", "Sounds", "🔊"),
    "text": ("writing", "Writing", "📜"),
    "code": ("code", "Code", "💻"),
    "json": ("data file", "Data", "🧩"),
    "archive": ("bundle", "Bundles", "📦"),
    "data": ("file", "Files", "💾"),
}

_CATEGORY_ICONS = {"creative": "🎨", "spatial": "🧊", "technical": "🛠️", "metaphysical": "🔮"}

_TENSIONS = {
    "low": ("Quick", "⚡", "Fast and simple"),
    "medium": ("Balanced", "⚖️", "Good and not too slow"),
    "high": ("Best", "✨", "Takes longer, more detail"),
}

# Which limb makes inputs of a given MIME prefix, for "make one first" links.
_MAKER_FOR_PREFIX = {
    "image/": "image",
    "model/": "mesh",
    "audio/": "audio",
    "text/": "divine",
    "application/json": "entity",
}

# highlight.js common bundle languages, by MIME type or file suffix.
_LANG_BY_MIME = {
    "text/x-python": "python",
    "text/javascript": "javascript",
    "application/javascript": "javascript",
    "application/json": "json",
    "text/markdown": "markdown",
    "text/x-glsl": "c",
}
_LANG_BY_SUFFIX = {
    ".py": "python",
    ".js": "javascript",
    ".json": "json",
    ".md": "markdown",
    ".glsl": "c",
    ".frag": "c",
    ".vert": "c",
    ".gd": "python",  # GDScript reads closest to Python among the bundled grammars
    ".yaml": "yaml",
    ".yml": "yaml",
    ".xml": "xml",
    ".svg": "xml",
    ".ini": "ini",
    ".cfg": "ini",
    ".csv": "plaintext",
}


def _kind(kind: str) -> tuple[str, str, str]:
    return _KIND_WORDS.get(kind, _KIND_WORDS["data"])


@register.filter
def kind_word(kind: str) -> str:
    """'image' -> 'picture' (singular, for sentences)."""
    return _kind(kind)[0]


@register.filter
def kind_title(kind: str) -> str:
    """'image' -> 'Pictures' (plural, for tabs and headings)."""
    return _kind(kind)[1]


@register.filter
def kind_icon(kind: str) -> str:
    return _kind(kind)[2]


@register.simple_tag
def asset_kinds() -> list[dict[str, str]]:
    """The filter tabs of 'My things', in a friendly order."""
    return [
        {"id": k, "title": _kind(k)[1], "icon": _kind(k)[2]}
        for k in ("image", "model", "audio", "text", "code", "json")
    ]


@register.filter
def category_icon(category: str) -> str:
    return _CATEGORY_ICONS.get(category, "✨")


@register.filter
def tension_label(tension: str) -> str:
    return _TENSIONS.get(tension, (tension.title(), "", ""))[0]


@register.filter
def tension_icon(tension: str) -> str:
    return _TENSIONS.get(tension, ("", "•", ""))[1]


@register.filter
def tension_help(tension: str) -> str:
    return _TENSIONS.get(tension, ("", "", ""))[2]


@register.filter
def error_for(error: Any, name: str) -> str:
    """The error message when ``error.field`` names this field (``intent``, ``seed`` or
    ``params.<name>``), else ''."""
    if not error:
        return ""
    field = error.get("field") if isinstance(error, dict) else getattr(error, "field", None)
    if field and field in (name, f"params.{name}"):
        message = error.get("message") if isinstance(error, dict) else getattr(error, "message", "")
        return str(message or "Please check this.")
    return ""


@register.filter
def field_anchor(field: str | None) -> str:
    """The element id a form error points at: 'params.size' -> 'param-size'."""
    if not field:
        return ""
    if field.startswith("params."):
        return "param-" + field.removeprefix("params.")
    return {"tension": "tension", "seed": "seed", "intent": "intent"}.get(field, "")


@register.filter
def field_words(field: str | None) -> str:
    """A field name as a person would say it: 'params.size' -> 'size'."""
    if not field:
        return ""
    name = field.removeprefix("params.")
    return {"intent": "your idea", "seed": "the seed", "tension": "how hard to try"}.get(
        name, name.replace("_", " ")
    )


@register.filter
def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "on"}
    return bool(value)


@register.filter
def same(value: Any, other: Any) -> bool:
    """Compare as text, so a UUID matches its string and 5 matches '5'."""
    return str(value) == str(other)


@register.filter
def range_step(spec: Any) -> str:
    if spec.step is not None:
        return _num(spec.step)
    return "1" if spec.type == "integer" else "any"


@register.filter
def num(value: Any) -> str:
    return "" if value is None else _num(value)


def _num(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(int(number)) if number.is_integer() else str(number)


@register.filter
def code_language(asset: Any) -> str:
    lang = _LANG_BY_MIME.get(asset.mime)
    if lang:
        return lang
    name = str(asset.name).lower()
    for suffix, lang in _LANG_BY_SUFFIX.items():
        if name.endswith(suffix):
            return lang
    return "plaintext"


@register.filter
def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


@register.filter
def short_hash(value: str | None, length: int = 12) -> str:
    if not value:
        return ""
    return value if len(value) <= length else value[:length] + "…"


@register.filter
def maker_limb(accepts: tuple[str, ...] | list[str] | None) -> str:
    """The limb id that makes assets of this type (for 'make one first' links), or ''."""
    for prefix in accepts or ():
        for known, limb_id in _MAKER_FOR_PREFIX.items():
            if prefix.startswith(known) or known.startswith(prefix):
                return limb_id
    return ""


@register.simple_tag
def action_built(limb_id: str, action_id: str) -> bool:
    limb = get_limb(limb_id)
    action = limb.action(action_id) if limb else None
    return bool(action and action.built)


@register.simple_tag
def hero_examples(categories: list[dict[str, Any]], count: int = 4) -> list[dict[str, Any]]:
    """A few ideas for the hero box: the first example of built limbs, one per category first."""
    picks: list[dict[str, Any]] = []
    rounds = max((len(c["limbs"]) for c in categories), default=0)
    for index in range(rounds):
        for category in categories:
            limbs = [item for item in category["limbs"] if item["built"] and item["spec"].examples]
            if index < len(limbs):
                spec = limbs[index]["spec"]
                picks.append({"text": spec.examples[0], "icon": spec.icon, "limb": spec})
                if len(picks) >= count:
                    return picks
    return picks


@register.simple_tag
def asset_thumb(asset: Any) -> SafeString:
    """The picture used for an asset in grids: the image itself, or a big kind icon."""
    if asset.kind == "image":
        classes = "thumb-image pixelated" if asset.is_pixel_art else "thumb-image"
        return format_html(
            '<img class="{}" src="{}" alt="" loading="lazy" decoding="async"{}>',
            classes,
            asset.content_url,
            format_html(' width="{}" height="{}"', asset.width, asset.height)
            if asset.width and asset.height
            else "",
        )
    return format_html('<span class="thumb-icon" aria-hidden="true">{}</span>', kind_icon(asset.kind))


@register.filter
def ago(value: Any) -> str:
    """'just now', '5 minutes ago', ... (timesince says '0 minutes' for fresh things)."""
    if not value:
        return ""
    if (timezone.now() - value).total_seconds() < 60:
        return "just now"
    return f"{timesince(value)} ago"
