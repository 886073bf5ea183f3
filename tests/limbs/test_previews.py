"""Workspace previews that fit each output: the waveform view, the preview partial for every
kind of output, and the pure helpers in limbs.previews (quest layout, entity card, plan)."""

from __future__ import annotations

import io
import json
import math
import re
import struct
import wave
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from django.test import Client
from PIL import Image

from accounts.models import User
from limbs import previews
from limbs.formats import kind_for_mime
from limbs.formats.entity import ENTITY_SCHEMA_ID
from limbs.formats.quest import QUEST_FORMAT
from limbs.models import Asset, Generation
from limbs.params import validate_params
from limbs.registry import REGISTRY, get_limb
from limbs.spec import ActionSpec, GenRequest, LimbSpec
from limbs.storage import store_blob
from tests.helpers.api import library_asset
from tests.helpers.inputs import QUICK_PARAMS, files_for, references_for, uploads_for

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def make(user: User, limb: str, action: str, intent: str = "", /, **params: Any) -> Generation:
    """Run a generator and store its outputs as a finished generation, as the job would.

    Asset parameters are given as Assets and passed to the generator by their bytes.
    """
    spec = get_limb(limb)
    assert spec is not None
    action_spec = spec.action(action)
    assert action_spec is not None
    inputs = {k: v.read_bytes() for k, v in params.items() if isinstance(v, Asset)}
    raw = {k: (str(v.pk) if isinstance(v, Asset) else v) for k, v in params.items()}
    clean = validate_params(action_spec, raw)
    result = REGISTRY.call(limb, action, GenRequest(intent=intent, params=clean, seed=11, inputs=inputs))
    generation = Generation.objects.create(
        owner=user, limb=limb, action=action, intent=intent, params=clean, seed=11, status="succeeded"
    )
    for output in result.outputs:
        blob, digest = store_blob(output.data)
        asset, _ = Asset.objects.get_or_create(
            owner=user,
            sha256=digest,
            defaults={
                "name": output.name,
                "mime": output.mime,
                "kind": kind_for_mime(output.mime),
                "role": output.role,
                "size": len(output.data),
                "blob": blob,
                "width": output.meta.get("width"),
                "height": output.meta.get("height"),
                "meta": dict(output.meta),
                "generation": generation,
            },
        )
        generation.outputs.add(asset)
    return generation


def output(generation: Generation, role: str = "main", mime: str = "") -> Asset:
    return generation.outputs.filter(role=role, mime__startswith=mime).order_by("created_at")[0]


@pytest.fixture
def alice_web(alice: User) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def page(client: Client, generation: Generation) -> str:
    response = client.get(f"/generations/{generation.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def wav_bytes(samples: list[float], rate: int = 8000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(struct.pack("<h", round(max(-1.0, min(1.0, s)) * 32767)) for s in samples))
    return buf.getvalue()


# --- the waveform view -----------------------------------------------------------


def test_the_owner_gets_a_waveform_png_that_caches(alice: User, alice_web: Client) -> None:
    sound = output(make(alice, "audio", "sfx", "a coin"))
    response = alice_web.get(f"/assets/{sound.pk}/waveform.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(PNG_MAGIC)
    assert Image.open(io.BytesIO(response.content)).size[0] == previews.WAVEFORM_WIDTH
    assert sound.sha256 in response["ETag"]
    assert "immutable" in response["Cache-Control"]
    again = alice_web.get(f"/assets/{sound.pk}/waveform.png", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_it_hides_the_waveform_of_someone_elses_sound(alice: User, bob: User) -> None:
    sound = output(make(alice, "audio", "sfx", "a laser"))
    stranger = Client()
    stranger.force_login(bob)
    assert stranger.get(f"/assets/{sound.pk}/waveform.png").status_code == 404


def test_a_picture_has_no_waveform(alice: User, alice_web: Client) -> None:
    picture = output(make(alice, "image", "sprite", "a cat", size=16))
    assert alice_web.get(f"/assets/{picture.pk}/waveform.png").status_code == 404


def test_a_damaged_wav_answers_422(alice: User, alice_web: Client) -> None:
    broken = library_asset(alice, b"RIFF\x10\x00\x00\x00WAVEjunkjunk", "audio/wav", "broken.wav")
    assert alice_web.get(f"/assets/{broken.pk}/waveform.png").status_code == 422


def test_the_waveform_is_flat_where_the_sound_is_silent_and_tall_where_it_is_loud() -> None:
    rate = 8000
    loud = [0.9 * math.sin(2 * math.pi * 440 * i / rate) for i in range(rate)]
    png = previews.waveform_png(wav_bytes([0.0] * rate + loud, rate), width=400)
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = picture.size

    def lit_rows(x: int) -> int:
        # The envelope colours are bright cyan; the background and grid lines are dark.
        # The top rows hold the label text.
        green = np.asarray(picture)[20:, x, 1]
        return int(np.count_nonzero(green > 150))

    assert lit_rows(width // 4) <= 3
    assert lit_rows(3 * width // 4) > height * 0.7


# --- the preview for each kind of output -------------------------------------------


def test_an_animated_gif_plays_as_a_crisp_image(alice: User, alice_web: Client) -> None:
    sprite = output(make(alice, "image", "sprite", "a frog", size=32))
    gif = output(make(alice, "video", "animate", "", image=sprite), mime="image/gif")
    html = page(alice_web, gif.generation)  # type: ignore[arg-type]
    assert re.search(rf'<img class="asset-image pixelated" src="{gif.content_url}"', html)
    assert 'alt="Moving picture' in html


def test_a_sound_gets_a_player_and_its_waveform(alice: User, alice_web: Client) -> None:
    generation = make(alice, "audio", "sfx", "a jump")
    sound = output(generation)
    html = page(alice_web, generation)
    assert f'<audio class="asset-audio" controls preload="metadata" src="{sound.content_url}"' in html
    assert f'src="/assets/{sound.pk}/waveform.png"' in html
    assert 'alt="Picture of the sound wave' in html
    # Grids of things use the waveform as the sound's thumbnail.
    assert f"/assets/{sound.pk}/waveform.png" in alice_web.get("/assets/?kind=audio").content.decode()


def test_music_lists_its_midi_file_for_download(alice: User, alice_web: Client) -> None:
    generation = make(alice, "audio", "music", "a happy tune", bars=4)
    midi = output(generation, role="midi")
    html = page(alice_web, generation)
    files = html[html.index('class="output-files"') :]
    assert midi.name in files and midi.download_url in files
    asset_page = alice_web.get(f"/assets/{midi.pk}/").content.decode()
    assert "Sheet music for computers (MIDI)" in asset_page


def test_a_material_shows_its_ball_in_model_viewer_and_its_maps_as_swatches(
    alice: User, alice_web: Client
) -> None:
    generation = make(alice, "material", "pbr", "", resolution="256")
    ball = output(generation, role="preview")
    html = page(alice_web, generation)
    assert re.search(rf'<model-viewer class="asset-model" src="{ball.content_url}"', html)
    maps = re.findall(r'<li class="swatch" data-asset="[^"]+" data-map="([^"]+)"', html)
    assert set(maps) >= {"albedo", "normal", "roughness", "ao"}
    assert "Bumps (normal)" in html
    assert "stone_material.gltf.json" in html[html.index('class="output-files"') :]


def test_a_quest_is_drawn_as_a_diagram_with_its_endings_marked(alice: User, alice_web: Client) -> None:
    generation = make(alice, "divine", "quest", "find the lost sword")
    quest = json.loads(output(generation).read_bytes())
    html = page(alice_web, generation)
    assert '<svg class="quest-svg"' in html and "mermaid.js" not in html.lower()
    assert len(re.findall(r'<g class="quest-node ', html)) == len(quest["states"])
    ends = [s for s in quest["states"] if s["kind"] == "end"]
    assert len(re.findall(r'<g class="quest-node quest-node--end"', html)) == len(ends) > 0
    assert ".mmd" in html[html.index('class="output-files"') :]


def test_a_dialogue_is_highlighted_as_yarn(alice: User, alice_web: Client) -> None:
    html = page(alice_web, make(alice, "divine", "dialogue", "two guards argue"))
    assert '<code class="language-yarn">' in html
    assert "title: Start" in html and "&lt;&lt;jump" in html


def test_a_shader_and_a_world_bible_are_highlighted_in_their_languages(
    alice: User, alice_web: Client
) -> None:
    assert '<code class="language-glsl">' in page(alice_web, make(alice, "material", "shader", "water"))
    assert '<code class="language-markdown">' in page(
        alice_web, make(alice, "divine", "world_bible", "a moon")
    )


def test_an_entity_is_a_card_with_stat_bars_and_the_raw_json_behind_details(
    alice: User, alice_web: Client
) -> None:
    generation = make(alice, "entity", "archetype", "a goblin thief")
    doc = json.loads(output(generation).read_bytes())
    html = page(alice_web, generation)
    assert '<article class="entity-card"' in html
    assert doc["name"] in html
    assert len(re.findall(r'<span class="stat-fill" style="width: \d+%">', html)) == len(doc["stats"])
    assert doc["inventory"]["items"][0]["name"] in html
    assert re.search(r'<details class="raw-json">\s*<summary>The character file', html)


def test_variants_show_the_contact_sheet_big_and_the_siblings_as_a_grid(
    alice: User, alice_web: Client
) -> None:
    generation = make(alice, "quantum", "variants", "a knight", target="image", action="sprite", count=3)
    sheet = output(generation, role="preview")
    html = page(alice_web, generation)
    hero = html[html.index('class="output output--hero"') : html.index('class="siblings"')]
    assert sheet.content_url in hero
    assert len(re.findall(r'<li class="sibling" ', html)) == 3


def test_an_analysis_uses_its_waveform_picture_and_shows_the_numbers_beside_it(
    alice: User, alice_web: Client
) -> None:
    sound = output(make(alice, "audio", "sfx", "a coin"))
    generation = make(alice, "audio", "analyze", "", sound=sound)
    picture = output(generation, role="preview")
    html = page(alice_web, generation)
    hero = html[html.index('class="output output--hero"') : html.index('class="output output--companion"')]
    assert picture.content_url in hero
    assert '<code class="language-json">' in html[html.index('class="output output--companion"') :]


# --- the pure helpers --------------------------------------------------------------


def _quest(states: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": QUEST_FORMAT, "title": "T", "start": states[0]["id"], "states": states}


def _state(ident: str, *to: str, kind: str = "step", title: str = "") -> dict[str, Any]:
    return {
        "id": ident,
        "kind": kind,
        "title": title or ident,
        "transitions": [{"to": t, "label": "done"} for t in to],
    }


def test_states_sit_in_columns_by_their_distance_from_the_start() -> None:
    doc = _quest(
        [
            _state("a", "b", "c", kind="start"),
            _state("b", "d"),
            _state("c", "d"),
            _state("d", "win", "a"),
            _state("win", kind="end"),
            _state("lost"),
        ]
    )
    layout = previews.quest_layout(doc)
    layers = {n.id: n.layer for n in layout.nodes}
    assert layers == {"a": 0, "b": 1, "c": 1, "d": 2, "win": 3, "lost": 4}
    assert layout.node("b").x == layout.node("c").x and layout.node("b").y != layout.node("c").y
    back = [e for e in layout.edges if e.back]
    assert [(e.source, e.target) for e in back] == [("d", "a")]
    assert layout.height > max(n.y for n in layout.nodes) + previews.NODE_H


def test_the_quest_svg_escapes_what_the_quest_says() -> None:
    svg = previews.quest_svg(
        _quest([_state("a", "b", kind="start", title="<script>x</script>"), _state("b")])
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_the_entity_card_gives_health_a_full_bar_and_chances_a_share() -> None:
    card = previews.entity_card(
        {
            "$schema": ENTITY_SCHEMA_ID,
            "name": "Pip",
            "stats": {"health": 50, "attack": 10, "speed": 5, "crit_chance": 0.25},
        }
    )
    bars = {s["key"]: round(s["percent"]) for s in card["stats"]}
    assert bars == {"health": 100, "attack": 100, "speed": 50, "crit_chance": 25}
    assert card["stats"][0]["key"] == "health"


@dataclass
class _Fake:
    role: str
    mime: str
    meta: dict[str, Any] = field(default_factory=dict)


def _kind(asset: Any) -> str:
    return {"image": "image", "model": "model", "audio": "wav"}.get(asset.mime.split("/")[0], "code")


def test_the_plan_puts_a_preview_picture_first_for_a_main_that_is_not_one() -> None:
    main, picture = _Fake("main", "application/json"), _Fake("preview", "image/png")
    plan = previews.plan_outputs([main, picture], _kind)
    assert (plan.layout, plan.hero, plan.companion, plan.files) == ("pictured", picture, main, [])


def test_the_plan_keeps_a_visual_main_big_and_lists_the_rest() -> None:
    sheet, atlas = _Fake("main", "image/png"), _Fake("atlas", "application/json")
    plan = previews.plan_outputs([sheet, atlas], _kind)
    assert (plan.layout, plan.hero, plan.companion, plan.files) == ("single", sheet, None, [atlas])


# Actions a pure call can run: not those that read the studio's records or name a request.
RUNNABLE = [
    (limb, action)
    for limb in REGISTRY.limbs
    for action in limb.actions
    if action.built and not action.reads and not references_for(action) and not uploads_for(action)
]


@pytest.mark.parametrize(("limb", "action"), RUNNABLE, ids=lambda v: str(v.id))
def test_every_built_action_renders_a_page_that_offers_every_output(
    alice: User, alice_web: Client, limb: LimbSpec, action: ActionSpec
) -> None:
    files = {name: library_asset(alice, f.data, f.mime, f.name) for name, f in files_for(action).items()}
    # Quick values: the page is under test here, not the generators.
    params = {**QUICK_PARAMS.get((limb.id, action.id), {}), **files}
    generation = make(alice, limb.id, action.id, "a small test", **params)
    html = page(alice_web, generation)
    for asset in generation.outputs.all():
        assert asset.download_url in html, asset.name
