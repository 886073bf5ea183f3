"""Small presentation helpers for the studio templates (words, icons, anchors, thumbnails)."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

from limbs import formats, previews
from limbs.formats import json as json_format
from limbs.formats import wav
from limbs.formats.entity import is_entity
from limbs.formats.quest import is_quest
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
    "text/x-glsl": "glsl",
    "text/x-yarn": "yarn",
}
_LANG_BY_SUFFIX = {
    ".py": "python",
    ".js": "javascript",
    ".json": "json",
    ".md": "markdown",
    ".glsl": "glsl",
    ".frag": "glsl",
    ".vert": "glsl",
    ".yarn": "yarn",
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
    if asset.mime in wav.MIMES:
        url = reverse("limbs:asset_waveform", args=[asset.id])
        return format_html(
            '<img class="thumb-image thumb-wave" src="{}" alt="" loading="lazy" decoding="async">', url
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


# --- previews that fit each output (limbs.previews does the work) ----------------

TEXT_LIMIT = 20000
_MAP_LABELS = {
    "albedo": "Colour",
    "normal": "Bumps (normal)",
    "roughness": "Roughness",
    "ao": "Shadows (AO)",
    "height": "Height",
    "occlusion-roughness-metallic": "Packed ORM",
    "metallic": "Metal",
    "emissive": "Glow",
}


def _cached(asset: Any, key: str, make: Any) -> Any:
    """Compute once per asset instance: one page asks the same asset several questions."""
    store = asset.__dict__.setdefault("_pog_preview", {})
    if key not in store:
        store[key] = make()
    return store[key]


def _is_texty(mime: str) -> bool:
    return mime.startswith("text/") or mime == "application/json" or mime.endswith("+json")


def _bytes(asset: Any) -> bytes:
    """An asset's bytes for a preview decision; too big to preview reads as nothing."""
    if asset.size > json_format.MAX_PREVIEW_BYTES:
        return b""
    return bytes(_cached(asset, "bytes", asset.read_bytes))


def _doc(asset: Any) -> Any:
    if formats.for_mime(str(asset.mime)) is not json_format.FORMAT:
        return None
    return _cached(asset, "doc", lambda: json_format.read_json(_bytes(asset)))


@register.filter
def preview_kind(asset: Any) -> str:
    """Which picture fits: image, model, wav, audio, midi, quest, entity, code or file."""
    return str(
        _cached(asset, "preview", lambda: formats.preview_kind(str(asset.mime), lambda: _bytes(asset)))
    )


@register.filter
def asset_text(asset: Any) -> str:
    """The first TEXT_LIMIT characters of any text output (Yarn and GLSL included, whatever its kind)."""
    if not _is_texty(str(asset.mime)):
        return ""

    def read() -> str:
        data: bytes = asset.read_bytes()[: TEXT_LIMIT * 4]
        return data.decode("utf-8", errors="replace")[:TEXT_LIMIT]

    return str(_cached(asset, "text", read))


@register.filter
def text_cut(asset: Any) -> bool:
    return bool(asset.size > TEXT_LIMIT and len(asset_text(asset)) >= TEXT_LIMIT)


@register.filter
def waveform_url(asset: Any) -> str:
    return reverse("limbs:asset_waveform", args=[asset.id])


@register.simple_tag
def quest_diagram(asset: Any) -> SafeString:
    doc = _doc(asset)
    if not is_quest(doc):
        return SafeString("")
    # quest_svg escapes every text it places; the markup itself is ours.
    return mark_safe(previews.quest_svg(doc, ident=f"quest-{asset.id}"))


@register.simple_tag
def quest_steps(asset: Any) -> list[dict[str, Any]]:
    doc = _doc(asset)
    return previews.quest_steps(doc) if is_quest(doc) else []


@register.simple_tag
def entity_card(asset: Any) -> dict[str, Any]:
    doc = _doc(asset)
    return previews.entity_card(doc) if is_entity(doc) else {}


@register.simple_tag
def output_plan(generation: Any) -> previews.OutputPlan:
    return previews.plan_outputs(generation.output_list(), preview_kind)


@register.filter
def map_label(asset: Any) -> str:
    name = str((asset.meta or {}).get("map") or asset.role)
    return _MAP_LABELS.get(name, name.replace("-", " ").replace("_", " ").capitalize())


@register.filter
def variant_label(asset: Any) -> str:
    meta = asset.meta or {}
    if meta.get("variant"):
        return f"Variant {meta['variant']}" + (
            f" · seed {meta['seed']}" if meta.get("seed") is not None else ""
        )
    return str(asset.name)
