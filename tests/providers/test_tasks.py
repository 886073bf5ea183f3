"""The task shapes: which actions ask in which shape, which provider serves which shape
with which model, and the action's side of a shape (its ask, and its outputs)."""

from __future__ import annotations

import io
from dataclasses import replace
from importlib import import_module
from typing import Any

import pytest
from PIL import Image

from limbs import streaming
from limbs.formats import OutputInvalid
from limbs.formats.png import validate_png
from limbs.parts.audio import speech
from limbs.parts.divine import world_bible
from limbs.parts.image import generate
from limbs.providers import planned
from limbs.providers.cloudflare import CloudflareProvider
from limbs.providers.errors import ProviderError
from limbs.providers.gemini import GeminiProvider
from limbs.providers.ollama import OllamaProvider
from limbs.providers.tasks import SHAPES, ImageAsk, JsonAsk, SpeechAsk, Task, fit_picture
from limbs.registry import PARTS, REGISTRY
from limbs.spec import GenRequest, Registry

ALL_ACTIONS = [(limb, action) for limb in REGISTRY.limbs for action in limb.actions]


def test_the_actions_models_answer_today_and_their_shapes() -> None:
    declared = {(limb.id, action.id): action.task for limb, action in ALL_ACTIONS if action.task}
    assert declared == {
        ("image", "generate"): "text_to_image",
        ("audio", "speech"): "text_to_speech",
        ("divine", "world_bible"): "text_to_json",
    }


@pytest.mark.parametrize(("limb", "action"), ALL_ACTIONS, ids=lambda x: x.id)
def test_an_action_declares_a_shape_exactly_when_its_module_says_how_it_asks(limb: Any, action: Any) -> None:
    module = import_module(f"{PARTS}.{limb.id}.{action.id}")
    task = getattr(module, "TASK", None)
    if action.task is None:
        assert task is None
        assert planned.task_of(limb.id, action.id) is None
        return
    assert action.task in SHAPES
    assert isinstance(task, Task) and task.shape is SHAPES[action.task]
    assert planned.task_of(limb.id, action.id) is task
    # A shape is only worth declaring with a tier in front of the action to ask it.
    assert action.ai_tiers


def test_each_provider_serves_its_shapes_with_its_default_models() -> None:
    served = {p.name: {w.shape.name: w.model for w in p.wires} for p in _providers()}
    assert served == {
        "cloudflare": {
            "text_to_image": "@cf/black-forest-labs/flux-1-schnell",
            "text_to_json": "@cf/meta/llama-3.1-8b-instruct",
            "text_to_speech": "@cf/deepgram/aura-2-en",
            "embedding": "@cf/baai/bge-base-en-v1.5",
        },
        "gemini": {
            "text_to_image": "gemini-2.5-flash-image",
            "text_to_json": "gemini-2.5-flash",
            "embedding": "text-embedding-004",
        },
        "ollama": {"text_to_json": "llama3.2", "embedding": "nomic-embed-text"},
    }


def test_an_action_is_served_by_the_tiers_it_names_that_serve_its_shape() -> None:
    for provider in _providers():
        for limb, action in ALL_ACTIONS:
            shapes = {w.shape.name for w in provider.wires}
            expected = provider.name in action.ai_tiers and action.task in shapes
            assert provider.supports(limb.id, action.id) is expected, (provider.name, limb.id, action.id)


def test_a_tier_the_action_does_not_name_never_serves_it(monkeypatch: pytest.MonkeyPatch) -> None:
    image = REGISTRY.get("image")
    assert image is not None
    only_gemini = replace(image.actions[0], ai_tiers=("gemini",))
    assert only_gemini.id == "generate"
    narrowed = replace(image, actions=(only_gemini, *image.actions[1:]))
    registry = Registry(limbs=tuple(narrowed if limb.id == "image" else limb for limb in REGISTRY.limbs))
    monkeypatch.setattr(planned, "REGISTRY", registry)
    assert not CloudflareProvider().supports("image", "generate")
    assert GeminiProvider().supports("image", "generate")
    with pytest.raises(ProviderError, match="is not offered"):
        CloudflareProvider().run("image", "generate", GenRequest("x", {}, 1), 1.0)


def test_the_streamed_actions_are_those_whose_shape_streams() -> None:
    streamed = {(limb.id, action.id) for limb, action in ALL_ACTIONS if streaming.streams(limb.id, action.id)}
    assert streamed == {("divine", "world_bible")}
    assert all(SHAPES[a.task].streamed for limb, a in ALL_ACTIONS if (limb.id, a.id) in streamed and a.task)
    # A shape that does not stream is refused as a stream, by name.
    with pytest.raises(ProviderError, match=r"image\.generate is not streamed"):
        CloudflareProvider().stream_text("image", "generate", GenRequest("x", {}, 1), 1.0)


def _providers() -> list[Any]:
    return [CloudflareProvider(), GeminiProvider(), OllamaProvider()]


# --- the actions' asks -------------------------------------------------------------------


def test_the_picture_ask_carries_the_style_the_size_the_seed_and_the_steps() -> None:
    request = GenRequest(
        "  a red dragon ", {"width": 96, "height": 64, "style": "pixel"}, seed=2**40, tension="high"
    )
    assert generate.TASK.ask(request) == ImageAsk(
        prompt="a red dragon, pixel art, 16-bit game sprite style", width=96, height=64, seed=2**40, steps=8
    )


def test_the_world_bible_ask_has_room_for_the_whole_document() -> None:
    request = GenRequest("a pirate archipelago", {"factions": 4, "places": 6, "eras": 3}, seed=5)
    ask = world_bible.TASK.ask(request)
    assert isinstance(ask, JsonAsk)
    assert "exactly 4 factions, 6 places, 3 eras" in ask.prompt
    assert (ask.max_tokens, ask.seed, ask.temperature) == (512 + 800 + 960 + 900, 5, 0.7)


def test_the_speech_ask_reads_the_words_and_voice_as_the_babble_voice_does() -> None:
    request = GenRequest('an old wizard says "mind the step"', {"speed": 1.0, "language": "en"}, seed=1)
    assert speech.TASK.ask(request) == SpeechAsk(text="mind the step", voice="deep", language="en", speed=1.0)


# --- the text_to_image answer ---------------------------------------------------------------


def _jpeg(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(buf, format="JPEG")
    return buf.getvalue()


def test_any_picture_becomes_a_png_of_exactly_the_asked_size() -> None:
    assert validate_png(fit_picture(_jpeg(160, 120), 96, 64), width=96, height=64)


@pytest.mark.parametrize("data", [b"this is certainly not a picture", b"GIF89a" + bytes(40)])
def test_what_is_not_a_usable_picture_is_refused(data: bytes) -> None:
    with pytest.raises(OutputInvalid, match="the image does not decode"):
        fit_picture(data, 32, 32)
