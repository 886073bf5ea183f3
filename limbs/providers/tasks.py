"""The AI task shapes the remote providers implement, and how an action asks in one.

Providers know shapes, never actions. A shape is what a model is given and what it gives
back, whatever an action wants it for:

==================  ===============================================  ==========================
shape               the ask                                          the answer
==================  ===============================================  ==========================
``text_to_image``   ``ImageAsk``: prompt, width, height, seed, steps  a picture's bytes (PNG,
                                                                     JPEG or WebP, any size)
``text_to_json``    ``JsonAsk``: prompt, max_tokens, seed,            text holding one JSON
                    temperature                                      document; streamable
``text_to_speech``  ``SpeechAsk``: text, voice, language, speed       WAV bytes
``embedding``       ``EmbedAsk``: texts                               one vector per text
==================  ===============================================  ==========================

An action that models may answer names its shape on its spec (``task="text_to_image"``) and
holds ``TASK = Task(TEXT_TO_IMAGE, ask, answer)`` in its module: ``ask`` turns its request
into the shape's ask (the prompt it builds), ``answer`` turns the shape's answer into exactly
the outputs its procedural ``make`` gives, raising ``OutputInvalid`` for anything else.
Seeds are the request's own; each provider folds them into the range its models take.

Pure Python (action modules import it): no Django, no I/O.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PIL import Image, ImageOps

from limbs.formats import OutputInvalid
from limbs.spec import GenRequest, Output

AskT = TypeVar("AskT")
AnswerT = TypeVar("AnswerT")
Vectors = list[list[float]]


@dataclass(frozen=True)
class ImageAsk:
    prompt: str
    width: int
    height: int
    seed: int
    # Sampling steps, for the models that take them.
    steps: int


@dataclass(frozen=True)
class JsonAsk:
    # Says what the JSON must hold; the answer's text is all the action reads.
    prompt: str
    # Room for the whole document: a cut-off answer can never be used.
    max_tokens: int
    seed: int
    temperature: float


@dataclass(frozen=True)
class SpeechAsk:
    text: str
    voice: str  # the studio's voice name: bright | deep | robot | creature
    language: str  # ISO 639-1
    speed: float  # 1 is normal


@dataclass(frozen=True)
class EmbedAsk:
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Shape(Generic[AskT, AnswerT]):
    name: str
    # The answer is text a person may watch being written.
    streamed: bool = False


TEXT_TO_IMAGE: Shape[ImageAsk, bytes] = Shape("text_to_image")
TEXT_TO_JSON: Shape[JsonAsk, str] = Shape("text_to_json", streamed=True)
TEXT_TO_SPEECH: Shape[SpeechAsk, bytes] = Shape("text_to_speech")
EMBEDDING: Shape[EmbedAsk, Vectors] = Shape("embedding")
SHAPES: dict[str, Shape[Any, Any]] = {
    shape.name: shape for shape in (TEXT_TO_IMAGE, TEXT_TO_JSON, TEXT_TO_SPEECH, EMBEDDING)
}


@dataclass(frozen=True)
class Task(Generic[AskT, AnswerT]):
    """An action's side of a shape: its ask, and its outputs from the answer.

    ``answer(request, answer, source)`` gets the provider's name as ``source`` (for the
    outputs' metadata) and raises ``OutputInvalid`` when the answer is not what was asked.
    """

    shape: Shape[AskT, AnswerT]
    ask: Callable[[GenRequest], AskT]
    answer: Callable[[GenRequest, AnswerT, str], list[Output]]


# --- text_to_image answers --------------------------------------------------------------

MAX_SOURCE_PIXELS = 40_000_000
_SOURCE_FORMATS = {"PNG", "JPEG", "WEBP"}


def fit_picture(data: bytes, width: int, height: int) -> bytes:
    """A model's picture as a PNG of exactly ``width`` x ``height`` (cropped to the aspect
    ratio, then scaled); ``OutputInvalid`` when it is not a picture."""
    try:
        with warnings.catch_warnings():
            # A provider's answer is untrusted input: refuse decompression bombs outright.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                if im.format not in _SOURCE_FORMATS:
                    raise ValueError(f"unexpected image format {im.format}")
                if im.width * im.height > MAX_SOURCE_PIXELS:
                    raise ValueError(f"image too large ({im.width}x{im.height})")
                im.load()
                has_alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
                source = im.convert("RGBA" if has_alpha else "RGB")
    except Exception as exc:  # Pillow raises many types for data that is not an image
        raise OutputInvalid(f"the image does not decode: {exc}") from exc
    fitted = ImageOps.fit(source, (width, height), Image.Resampling.LANCZOS, centering=(0.5, 0.5))
    buf = io.BytesIO()
    fitted.save(buf, format="PNG", compress_level=4)
    return buf.getvalue()
