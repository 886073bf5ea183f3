"""The 27 limbs of POG Studio, their actions and parameter schemas.

This module is the single source of truth for what a limb can do: the HUD,
the API (``GET /api/limbs``), parameter validation and the router all read
``REGISTRY``. It is pure Python (no Django). Order and ids follow LIMBS.md.

``route_intent`` turns free text ("music for a cave level") into a limb and
an action by keyword scoring; ``surprise_intent`` picks an example intent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from limbs.schemas import ActionSpec, LimbSpec, ParamSpec, Registry

# ---------------------------------------------------------------------------
# Parameter helpers (keep the limb table below readable)
# ---------------------------------------------------------------------------

# "Any file the studio understands" for asset inputs that take every kind.
_ANY_ASSET = ("image/", "audio/", "model/", "text/", "application/")
_IMAGE = ("image/",)
_MODEL = ("model/",)
_AUDIO = ("audio/",)
_JSON = ("application/json",)
_CODE = ("text/", "application/javascript", "application/x-python")


def _int(
    name: str,
    label: str,
    default: int | None,
    lo: int,
    hi: int,
    hint: str,
    *,
    required: bool = False,
) -> ParamSpec:
    return ParamSpec(name, "integer", label, hint, default, required, minimum=lo, maximum=hi)


def _num(
    name: str,
    label: str,
    default: float | None,
    lo: float,
    hi: float,
    hint: str,
    *,
    step: float | None = None,
) -> ParamSpec:
    return ParamSpec(name, "number", label, hint, default, minimum=lo, maximum=hi, step=step)


def _choice(name: str, label: str, choices: Sequence[str], default: str | None, hint: str) -> ParamSpec:
    return ParamSpec(name, "choice", label, hint, default, choices=tuple(choices))


def _bool(name: str, label: str, default: bool, hint: str) -> ParamSpec:
    return ParamSpec(name, "boolean", label, hint, default)


def _string(
    name: str,
    label: str,
    hint: str,
    *,
    default: str | None = None,
    max_length: int = 200,
    required: bool = False,
) -> ParamSpec:
    return ParamSpec(name, "string", label, hint, default, required, max_length=max_length)


def _text(name: str, label: str, hint: str, *, max_length: int = 20000) -> ParamSpec:
    return ParamSpec(name, "text", label, hint, None, max_length=max_length)


def _asset(
    name: str,
    label: str,
    accepts: tuple[str, ...],
    hint: str,
    *,
    required: bool = True,
) -> ParamSpec:
    return ParamSpec(name, "asset", label, hint, None, required, accepts=accepts)


def _kw(words: str) -> tuple[str, ...]:
    """Keywords written as one comma-separated string, easier to read than a tuple."""
    return tuple(w.strip() for w in words.split(",") if w.strip())


_LEVEL = ("low", "medium", "high")

# ---------------------------------------------------------------------------
# Creative
# ---------------------------------------------------------------------------

_IMAGE_LIMB = LimbSpec(
    id="image",
    name="Image",
    category="creative",
    icon="🎨",
    explanation="Draw pictures, pixel sprites and patterns for your game.",
    colour="#c2185b",
    keywords=_kw(
        "picture, draw, drawing, paint, painting, image, art, artwork, sprite, pixel, pixel art, "
        "8 bit, retro, illustration, sketch, poster, portrait, icon, concept art, tile, tileable, "
        "seamless, pattern, texture, palette, colour, color, colours, swatch, remove background, "
        "transparent, cut out, upscale, enlarge, bigger, sharper, variation, remix, photo, "
        "wallpaper, scene, background"
    ),
    examples=(
        "a picture of a friendly dragon on a hill",
        "draw a castle floating on a cloud",
        "a painting of a rainy night in a tiny town",
        "pixel art of a happy frog",
        "a seamless pattern of autumn leaves",
    ),
    actions=(
        ActionSpec(
            id="generate",
            name="Make a picture",
            description="Paints a picture from your words.",
            output="image",
            built=True,
            ai_tiers=("cloudflare", "gemini"),
            needs_intent=True,
            deadline_s=30.0,
            examples=("a red dragon sleeping on gold", "a cosy cabin in the snow at night"),
            params=(
                _int("width", "Width", 512, 64, 1024, "How wide the picture is, in pixels."),
                _int("height", "Height", 512, 64, 1024, "How tall the picture is, in pixels."),
                _choice(
                    "style",
                    "Style",
                    ("auto", "storybook", "pixel", "night"),
                    "auto",
                    "The look of the picture. Auto picks one from your words.",
                ),
            ),
        ),
        ActionSpec(
            id="sprite",
            name="Pixel sprite",
            description="A small pixel-art character or item with a see-through background.",
            output="image",
            built=True,
            ai_tiers=(),
            examples=("a tiny green robot", "a spaceship with red wings"),
            params=(
                _int("size", "Size", 32, 8, 64, "How many pixels across the sprite is (it is shown bigger)."),
                _choice(
                    "kind",
                    "Kind",
                    ("auto", "creature", "robot", "spaceship", "item"),
                    "auto",
                    "What sort of sprite to make. Auto guesses from your words.",
                ),
                _bool("outline", "Outline", True, "Draw a dark line around the sprite so it stands out."),
            ),
        ),
        ActionSpec(
            id="tile",
            name="Seamless tile",
            description="A square pattern that repeats forever without visible seams.",
            output="image",
            built=True,
            needs_intent=False,
            params=(
                _asset(
                    "image",
                    "Picture to tile",
                    _IMAGE,
                    "Optional: a picture to turn into a tile. Leave empty to make one from your words.",
                    required=False,
                ),
                _int("size", "Size", 256, 32, 1024, "Width and height of the tile, in pixels."),
                _num(
                    "blend",
                    "Seam blend",
                    0.15,
                    0.0,
                    0.5,
                    "How much of the edge is blended so the seams disappear.",
                    step=0.05,
                ),
            ),
        ),
        ActionSpec(
            id="palette",
            name="Colour palette",
            description="Finds the main colours of a picture and lays them out as swatches.",
            output="json",
            built=True,
            needs_intent=False,
            params=(
                _asset("image", "Picture", _IMAGE, "The picture to take the colours from."),
                _int("colours", "Colours", 8, 2, 32, "How many colours to find."),
                _choice(
                    "method",
                    "Method",
                    ("median_cut", "kmeans"),
                    "median_cut",
                    "Median cut is fast; k-means is slower but often closer to what you see.",
                ),
            ),
        ),
        ActionSpec(
            id="remove_background",
            name="Remove background",
            description="Makes the background of a picture see-through.",
            output="image",
            built=True,
            needs_intent=False,
            params=(
                _asset("image", "Picture", _IMAGE, "The picture whose background should go."),
                _int(
                    "tolerance",
                    "Tolerance",
                    30,
                    0,
                    100,
                    "How different a colour must be from the background to stay.",
                ),
                _int("feather", "Soft edge", 1, 0, 10, "Pixels of soft edge around what is kept."),
            ),
        ),
        ActionSpec(
            id="upscale",
            name="Make bigger",
            description="Makes a picture bigger while keeping it sharp.",
            output="image",
            built=True,
            needs_intent=False,
            params=(
                _asset("image", "Picture", _IMAGE, "The picture to make bigger."),
                _int("scale", "Times bigger", 2, 2, 4, "2 doubles the width and height."),
                _choice(
                    "method",
                    "Method",
                    ("auto", "pixel", "smooth"),
                    "auto",
                    "Pixel keeps pixel-art edges crisp; smooth suits photos and paintings.",
                ),
            ),
        ),
        ActionSpec(
            id="variation",
            name="Variations",
            description="Makes new pictures that look like one you already have.",
            output="image",
            built=True,
            needs_intent=False,
            params=(
                _asset("image", "Picture", _IMAGE, "The picture to make variations of."),
                _num(
                    "amount",
                    "How different",
                    0.3,
                    0.0,
                    1.0,
                    "0 is almost the same, 1 is very different.",
                    step=0.05,
                ),
                _int("count", "How many", 4, 1, 8, "How many variations to make."),
            ),
        ),
    ),
)

_VIDEO_LIMB = LimbSpec(
    id="video",
    name="Video",
    category="creative",
    icon="🎬",
    explanation="Make short moving loops, like a spinning coin or a flickering torch.",
    colour="#ad1457",
    keywords=_kw(
        "video, animate, animated, gif, webp, loop, looping, movie, clip, flicker, flickering, spin, "
        "spinning, bob, bobbing, pulse, pulsing, sprite sheet, spritesheet, atlas, frames, "
        "extract frames"
    ),
    examples=(
        "animate my coin so it spins",
        "a flickering torch loop",
        "a bobbing ghost gif",
        "turn my frames into a sprite sheet",
    ),
    actions=(
        ActionSpec(
            id="animate",
            name="Animate a picture",
            description="Turns a picture into a short looping animation.",
            output="image",
            built=True,
            needs_intent=False,
            params=(
                _asset("image", "Picture", _IMAGE, "The picture to bring to life."),
                _choice(
                    "motion",
                    "Motion",
                    ("auto", "bob", "pulse", "spin", "flicker"),
                    "auto",
                    "How it moves. Auto picks from your words.",
                ),
                _int("frames", "Frames", 12, 4, 48, "More frames make smoother movement and bigger files."),
                _int("fps", "Speed", 12, 4, 30, "Frames per second."),
                _choice(
                    "format", "File type", ("gif", "webp"), "gif", "GIF works everywhere; WebP is smaller."
                ),
            ),
        ),
        ActionSpec(
            id="sprite_sheet",
            name="Sprite sheet",
            description="Packs animation frames into one sheet plus an atlas game engines read.",
            output="image",
            built=True,
            needs_intent=False,
            params=(
                _asset(
                    "frames",
                    "Frames",
                    ("image/", "application/zip"),
                    "An animated GIF or WebP, or a zip of frame pictures.",
                ),
                _int("columns", "Columns", 0, 0, 32, "Frames per row. 0 picks a neat square."),
                _int("padding", "Padding", 1, 0, 16, "Empty pixels between frames, so they never bleed."),
            ),
        ),
        ActionSpec(
            id="extract_frames",
            name="Extract frames",
            description="Splits an animation into separate pictures.",
            output="archive",
            built=True,
            needs_intent=False,
            params=(
                _asset("animation", "Animation", ("image/gif", "image/webp"), "An animated GIF or WebP."),
                _int("max_frames", "Most frames", 60, 1, 240, "Stop after this many frames."),
            ),
        ),
    ),
)

# The classic sfxr parameter set (names as in jsfxr), for fine control over sfx.
_SFXR_PARAMS = (
    _choice(
        "wave_type",
        "Wave",
        ("auto", "square", "sawtooth", "sine", "noise"),
        "auto",
        "The basic buzz of the sound. Auto uses the preset's wave.",
    ),
    _num("p_env_attack", "Attack", None, 0.0, 1.0, "How slowly the sound fades in. Empty uses the preset."),
    _num("p_env_sustain", "Sustain", None, 0.0, 1.0, "How long the sound stays loud."),
    _num("p_env_punch", "Punch", None, 0.0, 1.0, "An extra kick at the start."),
    _num("p_env_decay", "Decay", None, 0.0, 1.0, "How slowly the sound fades out."),
    _num("p_base_freq", "Pitch", None, 0.0, 1.0, "How high the sound starts."),
    _num("p_freq_limit", "Lowest pitch", None, 0.0, 1.0, "The sound stops if the pitch falls below this."),
    _num("p_freq_ramp", "Slide", None, -1.0, 1.0, "Pitch slides up (positive) or down (negative)."),
    _num("p_freq_dramp", "Delta slide", None, -1.0, 1.0, "Makes the slide speed up or slow down."),
    _num("p_vib_strength", "Vibrato depth", None, 0.0, 1.0, "How much the pitch wobbles."),
    _num("p_vib_speed", "Vibrato speed", None, 0.0, 1.0, "How fast the pitch wobbles."),
    _num("p_arp_mod", "Change amount", None, -1.0, 1.0, "A sudden jump in pitch partway through."),
    _num("p_arp_speed", "Change speed", None, 0.0, 1.0, "When the sudden jump happens."),
    _num("p_duty", "Square duty", None, 0.0, 1.0, "Shape of the square wave (thin or fat buzz)."),
    _num("p_duty_ramp", "Duty sweep", None, -1.0, 1.0, "Changes the square shape over time."),
    _num("p_repeat_speed", "Repeat speed", None, 0.0, 1.0, "Replays the pitch slide again and again."),
    _num("p_pha_offset", "Phaser offset", None, -1.0, 1.0, "A swooshy echo effect."),
    _num("p_pha_ramp", "Phaser sweep", None, -1.0, 1.0, "Moves the swoosh over time."),
    _num("p_lpf_freq", "Low-pass cutoff", None, 0.0, 1.0, "Lower values make it softer and muffled."),
    _num("p_lpf_ramp", "Low-pass sweep", None, -1.0, 1.0, "Opens or closes the muffling over time."),
    _num("p_lpf_resonance", "Low-pass resonance", None, 0.0, 1.0, "Adds a ringing edge to the muffling."),
    _num("p_hpf_freq", "High-pass cutoff", None, 0.0, 1.0, "Higher values make it thinner and tinny."),
    _num("p_hpf_ramp", "High-pass sweep", None, -1.0, 1.0, "Changes the thinness over time."),
)

_AUDIO_LIMB = LimbSpec(
    id="audio",
    name="Audio",
    category="creative",
    icon="🔊",
    explanation="Make sound effects, music and voices for your game.",
    colour="#c62828",
    keywords=_kw(
        "sound, audio, sfx, sound effect, noise, boom, beep, bang, zap, pew, blip, whoosh, ding, "
        "music, song, tune, melody, soundtrack, jingle, beat, drum, voice, speak, say, speech, "
        "narrator, read aloud, wav, waveform, loudness, loud"
    ),
    examples=(
        "an explosion sound",
        "a happy jingle for collecting coins",
        "spooky music for a cave level",
        "a laser zap",
        "a robot voice saying hello",
    ),
    actions=(
        ActionSpec(
            id="sfx",
            name="Sound effect",
            description="A retro game sound such as a coin, laser, jump or explosion.",
            output="audio",
            built=True,
            needs_intent=True,
            params=(
                _choice(
                    "preset",
                    "Preset",
                    (
                        "auto",
                        "pickupCoin",
                        "laserShoot",
                        "explosion",
                        "powerUp",
                        "hitHurt",
                        "jump",
                        "blipSelect",
                    ),
                    "auto",
                    "A starting sound. Auto picks one from your words.",
                ),
                _num("sound_vol", "Volume", 0.5, 0.05, 1.0, "How loud the sound is.", step=0.05),
                *_SFXR_PARAMS,
            ),
        ),
        ActionSpec(
            id="music",
            name="Music",
            description="A short piece of music with chords, melody, bass and drums.",
            output="audio",
            built=True,
            deadline_s=45.0,
            params=(
                _choice(
                    "mood",
                    "Mood",
                    ("auto", "happy", "sad", "spooky", "epic", "calm"),
                    "auto",
                    "How the music feels. Auto reads it from your words.",
                ),
                _choice(
                    "key",
                    "Key",
                    ("auto", "C", "D", "E", "F", "G", "A", "B"),
                    "auto",
                    "The home note of the music.",
                ),
                _int("tempo", "Tempo", None, 40, 220, "Beats per minute. Leave empty to match the mood."),
                _int("bars", "Length", 16, 4, 64, "How many bars long (16 bars is about half a minute)."),
                _bool("drums", "Drums", True, "Add a drum beat."),
                _bool("loop", "Loop", True, "Make the end lead smoothly back to the start."),
            ),
        ),
        ActionSpec(
            id="speech",
            name="Voice",
            description="Says your words out loud in a character voice.",
            output="audio",
            built=True,
            ai_tiers=("cloudflare",),
            params=(
                _choice(
                    "voice",
                    "Voice",
                    ("auto", "bright", "deep", "robot", "creature"),
                    "auto",
                    "Who is speaking.",
                ),
                _num("speed", "Speed", 1.0, 0.5, 2.0, "1 is normal speed.", step=0.1),
                _choice(
                    "language",
                    "Language",
                    ("en", "es", "fr", "de", "it", "pt", "ja", "zh"),
                    "en",
                    "The language of the words.",
                ),
            ),
        ),
        ActionSpec(
            id="analyze",
            name="Analyse a sound",
            description="Measures how long and how loud a sound is and draws its waveform.",
            output="json",
            built=True,
            needs_intent=False,
            params=(
                _asset("sound", "Sound", _AUDIO, "The sound to measure (WAV)."),
                _int(
                    "waveform_width",
                    "Waveform width",
                    800,
                    200,
                    2000,
                    "Width of the waveform picture, in pixels.",
                ),
            ),
        ),
    ),
)

_MATERIAL_LIMB = LimbSpec(
    id="material",
    name="Material",
    category="creative",
    icon="🧱",
    explanation="Make surfaces like stone, wood or shiny metal for 3D things.",
    colour="#a0442a",
    keywords=_kw(
        "material, pbr, surface, stone, wood, wooden, metal, metallic, brick, bricks, marble, rust, "
        "rusty, moss, mossy, leather, fabric, ice, normal map, roughness, albedo, shader, glsl, "
        "glow, glowing, hologram, shiny"
    ),
    examples=(
        "mossy stone bricks",
        "a shiny gold metal surface",
        "old wooden planks",
        "a glowing hologram shader",
    ),
    actions=(
        ActionSpec(
            id="pbr",
            name="PBR material",
            description="Tileable colour, bumps, roughness and shadow maps plus a glTF material.",
            output="image",
            built=True,
            needs_intent=False,
            params=(
                _asset(
                    "image",
                    "Picture",
                    _IMAGE,
                    "Optional: a picture to base the surface on. Leave empty to use your words.",
                    required=False,
                ),
                _choice(
                    "resolution",
                    "Resolution",
                    ("256", "512", "1024", "2048"),
                    "512",
                    "Size of each map, in pixels.",
                ),
                _num(
                    "roughness",
                    "Roughness",
                    None,
                    0.0,
                    1.0,
                    "0 is mirror-smooth, 1 is chalky. Empty lets the material decide.",
                    step=0.05,
                ),
                _num(
                    "metallic",
                    "Metal",
                    None,
                    0.0,
                    1.0,
                    "1 makes it look like metal. Empty lets the material decide.",
                    step=0.05,
                ),
                _num("normal_strength", "Bumpiness", 1.0, 0.0, 4.0, "How deep the bumps look.", step=0.1),
            ),
        ),
        ActionSpec(
            id="shader",
            name="Shader",
            description="A GLSL fragment shader for effects like water, fire or holograms.",
            output="code",
            built=True,
            params=(
                _choice(
                    "effect",
                    "Effect",
                    ("auto", "water", "fire", "hologram", "plasma", "dissolve", "outline", "toon"),
                    "auto",
                    "The kind of effect. Auto picks from your words.",
                ),
                _bool("animated", "Animated", True, "Make the effect move over time."),
                _choice(
                    "dialect",
                    "GLSL version",
                    ("glsl-es-300", "glsl-330"),
                    "glsl-es-300",
                    "GLSL ES 3.0 runs in web browsers; 330 is desktop OpenGL.",
                ),
            ),
        ),
    ),
)

_ANIMATION_LIMB = LimbSpec(
    id="animation",
    name="Animation",
    category="creative",
    icon="🏃",
    explanation="Make characters move: walk, wave, jump and attack.",
    colour="#bf360c",
    keywords=_kw(
        "animation, move, moving, walk, walking, walk cycle, run, running, run cycle, idle, attack, "
        "wave, waving, dance, dancing, jump, jumping, keyframe, keyframes, rig, pose, stride"
    ),
    examples=(
        "a walk cycle for my knight",
        "an idle animation that breathes",
        "my robot waves hello",
        "a sword attack swing",
    ),
    actions=(
        ActionSpec(
            id="keyframes",
            name="Keyframe animation",
            description="A 3D animation on a simple skeleton, such as idle, walk, attack or wave.",
            output="model",
            built=True,
            params=(
                _choice(
                    "motion",
                    "Motion",
                    ("auto", "idle", "walk", "run", "attack", "wave", "jump"),
                    "auto",
                    "Which move to make. Auto reads it from your words.",
                ),
                _choice(
                    "rig", "Body", ("humanoid", "quadruped", "blob"), "humanoid", "The shape of the skeleton."
                ),
                _num("duration", "Length", 2.0, 0.5, 10.0, "Seconds for one go of the move.", step=0.5),
                _int("fps", "Keyframes per second", 30, 12, 60, "More keys make smoother motion."),
                _bool("loop", "Loop", True, "End where it started so it can repeat."),
            ),
        ),
        ActionSpec(
            id="walk_cycle",
            name="Walk cycle",
            description="Makes a sprite walk, step by step, with a GIF preview.",
            output="image",
            built=True,
            needs_intent=False,
            params=(
                _asset("sprite", "Sprite", _IMAGE, "The character picture that should walk."),
                _int("frames", "Frames", 8, 4, 16, "Pictures in one full step."),
                _int("fps", "Speed", 10, 4, 24, "Frames per second in the preview."),
                _num("bounce", "Bounce", 0.5, 0.0, 1.0, "How much the body bobs up and down.", step=0.05),
            ),
        ),
    ),
)

_DIVINE_LIMB = LimbSpec(
    id="divine",
    name="Divine",
    category="creative",
    icon="📜",
    explanation="Invent stories, quests, names and conversations for your world.",
    colour="#9c2f4f",
    keywords=_kw(
        "story, stories, lore, tale, plot, legend, myth, history, world bible, faction, kingdom, "
        "quest, mission, objective, adventure, dialogue, dialog, conversation, chat, yarn, name, "
        "names, naming, nickname"
    ),
    examples=(
        "a quest about a lost cat",
        "names for elves",
        "the history of a kingdom under the sea",
        "a conversation between a shopkeeper and a thief",
        "a story about a brave little mouse",
    ),
    actions=(
        ActionSpec(
            id="world_bible",
            name="World bible",
            description="The big book of your world: its groups, places and history.",
            output="text",
            built=True,
            ai_tiers=("cloudflare", "gemini", "ollama"),
            deadline_s=45.0,
            params=(
                _choice(
                    "genre",
                    "Kind of world",
                    ("auto", "fantasy", "sci-fi", "spooky", "pirate", "cosy"),
                    "auto",
                    "Auto guesses from your words.",
                ),
                _int("factions", "Groups", 3, 1, 8, "Kingdoms, clans or teams living there."),
                _int("places", "Places", 5, 1, 12, "Towns, caves and other spots to visit."),
                _int("eras", "Ages of history", 3, 1, 6, "How far back the history goes."),
            ),
        ),
        ActionSpec(
            id="quest",
            name="Quest",
            description="A quest with steps, goals and rewards, drawn as a map of choices.",
            output="json",
            built=True,
            params=(
                _int("steps", "Steps", 5, 2, 12, "How many things the player has to do."),
                _bool("branches", "Choices", True, "Let the player choose different paths."),
                _choice(
                    "reward",
                    "Reward",
                    ("auto", "gold", "item", "friend", "secret"),
                    "auto",
                    "What the player gets at the end.",
                ),
                _choice(
                    "difficulty", "Difficulty", ("easy", "normal", "hard"), "normal", "How hard the quest is."
                ),
            ),
        ),
        ActionSpec(
            id="dialogue",
            name="Dialogue",
            description="A conversation script in Yarn Spinner format, with player choices.",
            output="text",
            built=True,
            params=(
                _int("characters", "Speakers", 2, 2, 5, "How many characters talk."),
                _int(
                    "lines",
                    "Lines",
                    12,
                    4,
                    60,
                    "About how many lines are spoken (at least 5 more than there are speakers).",
                ),
                _bool("choices", "Player choices", True, "Let the player pick what to say."),
                _choice(
                    "tone",
                    "Tone",
                    ("auto", "friendly", "funny", "spooky", "serious"),
                    "auto",
                    "How the conversation feels.",
                ),
            ),
        ),
        ActionSpec(
            id="names",
            name="Names",
            description="New names for people, creatures and places.",
            output="json",
            built=True,
            params=(
                _int("count", "How many", 10, 1, 50, "How many names to make."),
                _choice(
                    "culture",
                    "Sound like",
                    ("auto", "elvish", "dwarvish", "orcish", "human", "robot", "alien", "place"),
                    "auto",
                    "What the names should sound like. Auto reads it from your words.",
                ),
                _choice("length", "Length", ("short", "medium", "long"), "medium", "How long each name is."),
            ),
        ),
    ),
)

# Limbs whose results can be varied by quantum.variants.
_VARIABLE_LIMBS = (
    "image",
    "video",
    "audio",
    "material",
    "animation",
    "divine",
    "entity",
    "mesh",
    "world",
    "landscape",
    "code",
)

_QUANTUM_LIMB = LimbSpec(
    id="quantum",
    name="Quantum",
    category="creative",
    icon="🎲",
    explanation="Make lots of different versions of something, or mix two things together.",
    colour="#b3245e",
    keywords=_kw(
        "variants, versions, alternatives, options, different, lots, many, several, siblings, "
        "contact sheet, mix, blend, hybrid, combine, cross, entangle, mashup"
    ),
    examples=(
        "six different versions of my dragon",
        "lots of options for a treasure chest",
        "mix my cat and my robot into a hybrid",
        "several different alternatives for a magic potion",
    ),
    actions=(
        ActionSpec(
            id="variants",
            name="Variants",
            description="Makes several siblings of one request and lays them out side by side.",
            output="image",
            built=True,
            deadline_s=60.0,
            params=(
                _choice("target", "Make with", _VARIABLE_LIMBS, "image", "Which limb makes the variants."),
                _string(
                    "action",
                    "Action",
                    "Which of that limb's actions makes them. Empty picks its first built action.",
                    max_length=40,
                ),
                _asset(
                    "source",
                    "Starting point",
                    _ANY_ASSET,
                    "Optional: a file for actions that start from one (a picture for 3D, say).",
                    required=False,
                ),
                _int("count", "How many", 4, 2, 16, "How many variants to make (4 fill a 2 by 2 sheet)."),
                _num(
                    "spread",
                    "How different",
                    0.5,
                    0.0,
                    1.0,
                    "0 keeps them close, 1 makes them wild.",
                    step=0.05,
                ),
            ),
        ),
        ActionSpec(
            id="entangle",
            name="Entangle",
            description="Mixes two things of the same kind into a hybrid.",
            output="data",
            built=True,
            needs_intent=False,
            params=(
                _asset(
                    "first",
                    "First",
                    ("image/", "audio/", "model/", "application/json"),
                    "The first thing to mix.",
                ),
                _asset(
                    "second",
                    "Second",
                    ("image/", "audio/", "model/", "application/json"),
                    "The second thing; it must be the same kind as the first.",
                ),
                _num("mix", "Mix", 0.5, 0.0, 1.0, "0 is all the first, 1 is all the second.", step=0.05),
            ),
        ),
    ),
)

_ENTITY_LIMB = LimbSpec(
    id="entity",
    name="Entity",
    category="creative",
    icon="🐉",
    explanation="Make game characters and monsters with stats, skills and backpacks.",
    colour="#8e3b1f",
    keywords=_kw(
        "entity, character, monster, enemy, enemies, npc, hero, boss, creature, villain, mob, pet, "
        "stats, health, hp, inventory, archetype, ecs, behavior, behaviour, behavior tree, "
        "behaviour tree, brain, ai, patrol, balance, rebalance, overpowered"
    ),
    examples=(
        "a grumpy troll enemy with lots of health",
        "a brave hero with a sword and shield in the inventory",
        "a behaviour tree for a guard that patrols",
        "balance my monsters so the boss is fair",
    ),
    actions=(
        ActionSpec(
            id="archetype",
            name="Character",
            description="A game character with stats, behaviours and an inventory, as ECS JSON.",
            output="json",
            built=True,
            params=(
                _choice(
                    "role",
                    "Role",
                    ("auto", "hero", "enemy", "boss", "npc", "pet", "merchant"),
                    "auto",
                    "What part they play. Auto reads it from your words.",
                ),
                _int("level", "Level", 1, 1, 100, "How strong they are."),
                _int("inventory_slots", "Backpack slots", 8, 0, 40, "How many things they can carry."),
            ),
        ),
        ActionSpec(
            id="behavior_tree",
            name="Behaviour tree",
            description="The decision rules a character follows, as a behaviour tree.",
            output="json",
            built=True,
            params=(
                _choice(
                    "style",
                    "Personality",
                    ("auto", "aggressive", "cautious", "friendly", "patrol"),
                    "auto",
                    "How the character tends to act.",
                ),
                _int("depth", "Depth", 3, 2, 6, "How many layers of decisions."),
            ),
        ),
        ActionSpec(
            id="balance",
            name="Balance",
            description="Adjusts a group of characters' stats along a curve and explains the changes.",
            output="json",
            built=True,
            needs_intent=False,
            params=(
                _asset("entities", "Characters", _JSON, "A JSON file with the characters to balance."),
                _choice(
                    "curve",
                    "Curve",
                    ("linear", "exponential", "logarithmic", "s_curve"),
                    "linear",
                    "How fast stats grow from weakest to strongest.",
                ),
                _int("levels", "Levels", 20, 2, 100, "The number of levels the curve spans."),
            ),
        ),
    ),
)

# ---------------------------------------------------------------------------
# Spatial
# ---------------------------------------------------------------------------

_MESH_LIMB = LimbSpec(
    id="mesh",
    name="Mesh",
    category="spatial",
    icon="🧊",
    explanation="Turn drawings and words into 3D models you can spin around.",
    colour="#00796b",
    keywords=_kw(
        "3d, model, mesh, sculpt, sculpture, statue, figurine, toy, glb, gltf, obj, voxel, voxels, "
        "voxelize, vox, magicavoxel, blocky, low poly, polygon, polygons, triangles, watertight, "
        "decimate, optimize, optimise, extrude"
    ),
    examples=(
        "make my picture 3D",
        "a 3D castle",
        "a statue of a cat",
        "a low poly treasure chest",
        "turn my drawing into a 3D toy",
    ),
    actions=(
        ActionSpec(
            id="text_to_3d",
            name="3D from words",
            description="A 3D model built from parts, such as a tree, house, sword or chest.",
            output="model",
            params=(
                _choice(
                    "shape",
                    "Shape",
                    (
                        "auto",
                        "tree",
                        "rock",
                        "house",
                        "tower",
                        "sword",
                        "shield",
                        "chest",
                        "crate",
                        "potion",
                        "character",
                    ),
                    "auto",
                    "What to build. Auto reads it from your words.",
                ),
                _choice("detail", "Detail", _LEVEL, "medium", "More detail means more triangles."),
                _num("size", "Height", 1.0, 0.1, 10.0, "How tall it is, in metres.", step=0.1),
            ),
        ),
        ActionSpec(
            id="image_to_3d",
            name="Picture to 3D",
            description="Turns a picture into a 3D model you can spin around.",
            output="model",
            built=True,
            needs_intent=False,
            examples=("make my picture 3D", "turn my drawing into a 3D toy"),
            params=(
                _asset(
                    "image",
                    "Picture",
                    _IMAGE,
                    "The picture to turn into 3D. A see-through background works best.",
                ),
                _choice(
                    "mode",
                    "Mode",
                    ("auto", "extrude", "relief"),
                    "auto",
                    "Extrude pushes the outline out like a cookie; relief raises bright parts like a coin.",
                ),
                _num("depth", "Depth", 0.25, 0.05, 1.0, "How thick the model is.", step=0.05),
            ),
        ),
        ActionSpec(
            id="voxelize",
            name="Voxels",
            description="Rebuilds a picture or model out of little cubes, as a MagicaVoxel file.",
            output="model",
            needs_intent=False,
            params=(
                _asset("source", "Picture or model", ("image/", "model/"), "What to turn into cubes."),
                _int("resolution", "Cubes across", 32, 8, 256, "Cubes along the longest side."),
            ),
        ),
        ActionSpec(
            id="diagnostics",
            name="Check a model",
            description="Counts a model's points and triangles, measures it and checks it has no holes.",
            output="json",
            needs_intent=False,
            params=(_asset("model", "Model", _MODEL, "The 3D model (GLB) to check."),),
        ),
        ActionSpec(
            id="optimize",
            name="Optimise a model",
            description="Makes a model lighter by merging points and using fewer triangles.",
            output="model",
            needs_intent=False,
            params=(
                _asset("model", "Model", _MODEL, "The 3D model (GLB) to make lighter."),
                _int("target_triangles", "Triangles", 5000, 100, 200000, "About how many triangles to keep."),
                _bool("merge_vertices", "Merge points", True, "Join points that sit in the same place."),
            ),
        ),
    ),
)

_SPATIAL_LIMB = LimbSpec(
    id="spatial",
    name="Spatial",
    category="spatial",
    icon="🪄",
    explanation="Turn one idea into a finished, painted, moving 3D model in one go.",
    colour="#00695c",
    keywords=_kw(
        "synthesize, synthesise, finished, complete, ready, game ready, all in one, one go, packaged, fully"
    ),
    examples=(
        "a finished treasure chest, painted and ready to use",
        "a complete friendly slime, all in one go",
        "a game ready lantern that sways",
    ),
    actions=(
        ActionSpec(
            id="synthesize_3d",
            name="Full 3D",
            description="Concept picture, then 3D model, surface and idle animation, packed into one GLB.",
            output="model",
            deadline_s=120.0,
            params=(
                _asset(
                    "concept",
                    "Concept picture",
                    _IMAGE,
                    "Optional: start from your own picture instead of painting a new one.",
                    required=False,
                ),
                _choice("detail", "Detail", _LEVEL, "medium", "More detail takes longer."),
                _choice(
                    "animation",
                    "Animation",
                    ("idle", "spin", "none"),
                    "idle",
                    "The little movement it makes on its own.",
                ),
                _choice(
                    "texture_size",
                    "Surface size",
                    ("256", "512", "1024"),
                    "512",
                    "Size of the painted surface maps, in pixels.",
                ),
            ),
        ),
    ),
)

_WORLD_LIMB = LimbSpec(
    id="world",
    name="World",
    category="spatial",
    icon="🗺️",
    explanation="Draw a map of a whole world with islands, rivers and towns.",
    colour="#2e7d32",
    keywords=_kw(
        "world, map, world map, island, continent, biome, river, ocean, sea, coast, archipelago, "
        "overworld, town, village, place, scatter, spawn, poisson"
    ),
    examples=(
        "a world map with islands",
        "a frozen continent with one big river",
        "an ocean full of tiny islands",
        "scatter trees and rocks around my village",
    ),
    actions=(
        ActionSpec(
            id="generate",
            name="World map",
            description="A world map with land, sea, biomes, rivers and towns.",
            output="image",
            needs_intent=False,
            params=(
                _int("width", "Width", 256, 64, 1024, "Map width, in pixels."),
                _int("height", "Height", 256, 64, 1024, "Map height, in pixels."),
                _num("sea_level", "Sea level", 0.45, 0.0, 1.0, "Higher means more water.", step=0.05),
                _int("rivers", "Rivers", 8, 0, 50, "Most rivers to draw."),
                _int("towns", "Towns", 6, 0, 50, "Most towns to place."),
            ),
        ),
        ActionSpec(
            id="place_objects",
            name="Place objects",
            description="Scatters things evenly, never too close together (Poisson-disc placement).",
            output="json",
            needs_intent=False,
            params=(
                _asset(
                    "map",
                    "World map",
                    ("application/json", "image/"),
                    "Optional: a world map so things only go where they fit.",
                    required=False,
                ),
                _int("width", "Area width", 256, 16, 4096, "Width of the area, in tiles."),
                _int("height", "Area height", 256, 16, 4096, "Height of the area, in tiles."),
                _num("spacing", "Spacing", 12.0, 1.0, 256.0, "The smallest gap between two things."),
                _int("count", "Most things", 200, 1, 5000, "Stop after placing this many."),
            ),
        ),
    ),
)

_LANDSCAPE_LIMB = LimbSpec(
    id="landscape",
    name="Landscape",
    category="spatial",
    icon="⛰️",
    explanation="Shape hills, mountains and valleys you can walk on.",
    colour="#33691e",
    keywords=_kw(
        "landscape, terrain, heightmap, height map, mountain, hill, valley, canyon, cliff, ground, "
        "ridge, plateau, elevation, erosion, erode, eroded, export rsc, sector"
    ),
    examples=(
        "rolling green hills",
        "tall mountains with a deep valley",
        "a canyon carved by rain erosion",
        "terrain for a desert level",
    ),
    actions=(
        ActionSpec(
            id="terrain",
            name="Terrain",
            description="A height map, a 3D ground mesh and a grid of where you can walk.",
            output="image",
            params=(
                _int("size", "Size", 256, 64, 1024, "Width and depth of the height map, in pixels."),
                _num(
                    "roughness",
                    "Roughness",
                    0.5,
                    0.0,
                    1.0,
                    "Smooth hills at 0, jagged peaks at 1.",
                    step=0.05,
                ),
                _num(
                    "height_scale",
                    "Tallest peak",
                    50.0,
                    1.0,
                    500.0,
                    "Height of the tallest mountain, in metres.",
                ),
                _int("octaves", "Detail layers", 6, 1, 10, "More layers add smaller bumps."),
                _int(
                    "collision_cell",
                    "Collision cell",
                    4,
                    1,
                    32,
                    "Size of each walkable-grid cell, in pixels.",
                ),
            ),
        ),
        ActionSpec(
            id="erode",
            name="Erode",
            description="Lets rain wear down a height map so it looks old and natural.",
            output="image",
            needs_intent=False,
            params=(
                _asset("heightmap", "Height map", ("image/png",), "A height map PNG (16-bit works best)."),
                _int("droplets", "Raindrops", 50000, 1000, 500000, "More drops carve deeper valleys."),
                _num("strength", "Strength", 0.3, 0.0, 1.0, "How much soil each drop carries.", step=0.05),
            ),
        ),
        ActionSpec(
            id="export_rsc",
            name="Export RSC sector",
            description="Writes a height map as a RuneScape Classic landscape sector.",
            output="archive",
            needs_intent=False,
            params=(
                _asset(
                    "heightmap",
                    "Height map",
                    ("image/png",),
                    "The height map to write (48 by 48 tiles are used).",
                ),
                _int("sector_x", "Sector X", 50, 0, 99, "Which sector across."),
                _int("sector_y", "Sector Y", 50, 0, 99, "Which sector down."),
                _int("plane", "Floor", 0, 0, 3, "0 is the ground, 1 and 2 are upstairs, 3 is underground."),
            ),
        ),
    ),
)

_PHYSICS_LIMB = LimbSpec(
    id="physics",
    name="Physics",
    category="spatial",
    icon="🍎",
    explanation="Test how things fall, bounce, bump and find their way around a level.",
    colour="#1b5e20",
    keywords=_kw(
        "physics, gravity, fall, falling, bounce, bouncing, throw, projectile, trajectory, simulate, "
        "simulation, path, pathfinding, route, maze, reach, reachable, astar, navigate, collide, "
        "collision, overlap, hitbox, hitboxes"
    ),
    examples=(
        "find a path through my maze",
        "ten balls falling with gravity",
        "do these hitboxes overlap",
        "can the player reach the door",
    ),
    actions=(
        ActionSpec(
            id="path",
            name="Find a path",
            description="Finds the shortest way through a level and reports what can be reached.",
            output="json",
            needs_intent=False,
            params=(
                _asset(
                    "level",
                    "Level",
                    ("application/json", "image/"),
                    "Optional: a grid level (JSON, or a picture where dark is wall). Empty makes one up.",
                    required=False,
                ),
                _int("width", "Width", 32, 4, 512, "Grid width for a random level."),
                _int("height", "Height", 32, 4, 512, "Grid height for a random level."),
                _num("walls", "Walls", 0.25, 0.0, 0.6, "How much of a random level is wall.", step=0.05),
                _bool("diagonal", "Diagonal steps", False, "Allow moving diagonally."),
            ),
        ),
        ActionSpec(
            id="simulate",
            name="Simulate",
            description="Drops and throws things under gravity and records where they go.",
            output="json",
            params=(
                _int("bodies", "Things", 10, 1, 200, "How many things to drop or throw."),
                _num(
                    "gravity",
                    "Gravity",
                    9.81,
                    0.0,
                    50.0,
                    "Pull downwards in m/s²; Earth is 9.81, the Moon 1.62.",
                ),
                _num("seconds", "Seconds", 5.0, 0.5, 30.0, "How long to simulate."),
                _num("bounciness", "Bounciness", 0.5, 0.0, 1.0, "0 thuds, 1 bounces forever.", step=0.05),
                _bool("preview", "GIF preview", True, "Also make a moving picture of it."),
            ),
        ),
        ActionSpec(
            id="collide",
            name="Collisions",
            description="Reports which boxes overlap each other.",
            output="json",
            needs_intent=False,
            params=(_asset("boxes", "Boxes", _JSON, "A JSON list of boxes (x, y, width, height)."),),
        ),
    ),
)

_LIVE_GAME_LIMB = LimbSpec(
    id="live_game",
    name="Live Game",
    category="spatial",
    icon="🕹️",
    explanation="Play your game right here and watch new art pop in as you make it.",
    colour="#00707a",
    keywords=_kw("play, playing, playtest, playable, live, stage, try, inject, hot swap, swap, state, score"),
    examples=(
        "let me play a platformer",
        "a playable level with my dragon as the player",
        "swap in my new coin",
        "playtest my shooter",
    ),
    actions=(
        ActionSpec(
            id="stage",
            name="Play",
            description="A playable scene in the browser that uses your newest art.",
            output="json",
            params=(
                _choice(
                    "template",
                    "Kind of game",
                    ("platformer", "top_down", "shooter", "sandbox"),
                    "platformer",
                    "The type of game to play.",
                ),
                _asset(
                    "player",
                    "Player picture",
                    _IMAGE,
                    "Optional: a sprite to play as.",
                    required=False,
                ),
                _int("width", "Width", 960, 320, 1920, "Width of the play area, in pixels."),
                _int("height", "Height", 540, 240, 1080, "Height of the play area, in pixels."),
            ),
        ),
        ActionSpec(
            id="inject_asset",
            name="Swap in",
            description="Puts a picture, sound or model into the running game straight away.",
            output="json",
            needs_intent=False,
            params=(
                _asset(
                    "asset", "Thing", ("image/", "audio/", "model/"), "The picture, sound or model to use."
                ),
                _string(
                    "slot",
                    "Where it goes",
                    "Which part of the game it replaces, e.g. player or coin.",
                    default="player",
                    max_length=40,
                ),
            ),
        ),
        ActionSpec(
            id="state",
            name="Game state",
            description="Shows what is happening in the running game right now.",
            output="json",
            needs_intent=False,
        ),
    ),
)

# ---------------------------------------------------------------------------
# Technical
# ---------------------------------------------------------------------------

_CODE_LIMB = LimbSpec(
    id="code",
    name="Code",
    category="technical",
    icon="💻",
    explanation="Write, explain and check the computer code that makes your game run.",
    colour="#1565c0",
    keywords=_kw(
        "code, coding, program, programming, script, python, pygame, javascript, js, gdscript, "
        "function, class, snippet, algorithm, bug, debug, compile, explain, pytest, unit test"
    ),
    examples=(
        "write python code for a snake game",
        "a javascript script that makes a ball bounce",
        "gdscript code for a player that jumps",
        "explain this code to me",
    ),
    actions=(
        ActionSpec(
            id="generate",
            name="Write code",
            description="Game code in Python (pygame), GDScript or JavaScript that really runs.",
            output="code",
            ai_tiers=("cloudflare", "gemini", "ollama"),
            deadline_s=45.0,
            params=(
                _choice(
                    "language",
                    "Language",
                    ("python", "gdscript", "javascript"),
                    "python",
                    "The coding language.",
                ),
                _choice(
                    "kind",
                    "What to write",
                    ("auto", "game", "player_controller", "enemy_ai", "inventory", "save_system", "ui"),
                    "auto",
                    "Auto reads it from your words.",
                ),
                _bool("comments", "Comments", True, "Explain each part in plain words."),
            ),
        ),
        ActionSpec(
            id="explain",
            name="Explain code",
            description="Explains what a piece of code does, step by step.",
            output="text",
            needs_intent=False,
            params=(
                _asset("source", "Code", _CODE, "The code file to explain."),
                _choice(
                    "audience", "Explain for", ("kid", "beginner", "expert"), "beginner", "Who will read it."
                ),
            ),
        ),
        ActionSpec(
            id="audit",
            name="Check code",
            description="Looks for code that is too tangled or could do something dangerous.",
            output="json",
            needs_intent=False,
            params=(
                _asset("source", "Code", _CODE, "The code file to check."),
                _int(
                    "max_complexity",
                    "Tangle limit",
                    10,
                    1,
                    50,
                    "Warn about functions more tangled than this.",
                ),
            ),
        ),
        ActionSpec(
            id="test",
            name="Write tests",
            description="Writes a starting set of pytest tests for your code.",
            output="code",
            needs_intent=False,
            params=(
                _asset("source", "Code", _CODE, "The Python code to test."),
                _choice("depth", "How thorough", ("basic", "thorough"), "basic", "Thorough adds edge cases."),
            ),
        ),
    ),
)

_FILE_LIMB = LimbSpec(
    id="file",
    name="File",
    category="technical",
    icon="📁",
    explanation="Bring in your own files, see them all, and zip them up.",
    colour="#0d47a1",
    keywords=_kw("file, files, upload, import, attach, folder, zip, bundle, download, list, browse"),
    examples=(
        "upload my drawing",
        "list all my files",
        "zip up my files to download",
    ),
    actions=(
        ActionSpec(
            id="upload",
            name="Upload",
            description="Brings a file from your computer into the studio, after a safety check.",
            output="data",
            needs_intent=False,
            params=(
                _string("label", "Name", "Optional: a name to remember it by.", max_length=120),
                _string(
                    "tags",
                    "Tags",
                    "Optional: words to find it by later, separated by commas.",
                    max_length=200,
                ),
            ),
        ),
        ActionSpec(
            id="list",
            name="My files",
            description="Lists everything you have made or uploaded.",
            output="json",
            needs_intent=False,
            params=(
                _choice(
                    "kind",
                    "Kind",
                    ("all", "image", "model", "audio", "text", "code", "json", "archive", "data"),
                    "all",
                    "Only show one kind of file.",
                ),
                _int("limit", "How many", 50, 1, 200, "Most files to show at once."),
                _bool("newest_first", "Newest first", True, "Show the newest files at the top."),
            ),
        ),
        ActionSpec(
            id="bundle",
            name="Zip up",
            description="Puts the files you pick into one zip file.",
            output="archive",
            needs_intent=False,
            params=(
                _string(
                    "assets",
                    "Files",
                    "The ids of the files to zip, separated by commas (the picker fills this in).",
                    required=True,
                    max_length=4000,
                ),
                _string("name", "Zip name", "The name of the zip file.", default="bundle", max_length=80),
            ),
        ),
    ),
)

_DATA_LIMB = LimbSpec(
    id="data",
    name="Data",
    category="technical",
    icon="🔎",
    explanation="Find your things by what they mean, not just by their name.",
    colour="#0277bd",
    keywords=_kw(
        "data, search, find, look for, similar, semantic, meaning, embed, embedding, vector, lookup"
    ),
    examples=(
        "search for all my fire pictures",
        "search for anything that looks like a cat",
        "find things similar to my dragon",
    ),
    actions=(
        ActionSpec(
            id="embed",
            name="Embed",
            description="Turns words or a file into a list of numbers that captures its meaning.",
            output="data",
            ai_tiers=("cloudflare", "gemini", "ollama"),
            needs_intent=False,
            params=(
                _asset(
                    "source",
                    "File",
                    _ANY_ASSET,
                    "Optional: a file to embed instead of your words.",
                    required=False,
                ),
                _choice(
                    "dimensions",
                    "Size",
                    ("256", "384", "768"),
                    "768",
                    "How many numbers; bigger is more exact.",
                ),
            ),
        ),
        ActionSpec(
            id="search",
            name="Search",
            description="Finds your files that mean something close to your words.",
            output="json",
            params=(
                _choice(
                    "kind",
                    "Kind",
                    ("all", "image", "model", "audio", "text", "code"),
                    "all",
                    "Only search one kind of file.",
                ),
                _int("limit", "How many", 10, 1, 50, "Most results to show."),
                _num(
                    "min_score", "Closeness", 0.2, 0.0, 1.0, "Hide results less close than this.", step=0.05
                ),
            ),
        ),
    ),
)

_PIPELINE_LIMB = LimbSpec(
    id="pipeline",
    name="Pipeline",
    category="technical",
    icon="📦",
    explanation="Pack your things into a box that game engines like Godot can open.",
    colour="#01579b",
    keywords=_kw("export, pack, godot, unity, engine, package, release, publish, ship, compress, shrink"),
    examples=(
        "export my pack for godot",
        "package everything for unity",
        "compress my project to ship it",
    ),
    actions=(
        ActionSpec(
            id="export_pack",
            name="Export pack",
            description="A zip for Godot, Unity or any engine, with a list of contents, origins and licence.",
            output="archive",
            needs_intent=False,
            params=(
                _choice(
                    "engine",
                    "Engine",
                    ("godot", "unity", "generic"),
                    "godot",
                    "The game engine that will open it.",
                ),
                _string(
                    "assets",
                    "Files",
                    "Optional: ids of the files to include, separated by commas. Empty means all.",
                    max_length=4000,
                ),
                _choice(
                    "licence",
                    "Licence",
                    ("CC-BY-4.0", "CC0-1.0", "all-rights-reserved"),
                    "CC-BY-4.0",
                    "What others may do with your work.",
                ),
                _bool(
                    "provenance", "Include origins", True, "Add the signed record of how each file was made."
                ),
            ),
        ),
        ActionSpec(
            id="optimize",
            name="Optimise",
            description="Shrinks pictures and models so the game loads faster.",
            output="archive",
            needs_intent=False,
            params=(
                _string(
                    "assets",
                    "Files",
                    "Optional: ids of the files to shrink, separated by commas. Empty means all.",
                    max_length=4000,
                ),
                _int(
                    "max_texture",
                    "Largest picture",
                    2048,
                    64,
                    4096,
                    "Bigger pictures are scaled down to this size.",
                ),
                _int("png_level", "PNG squeeze", 9, 0, 9, "9 is smallest and slowest."),
            ),
        ),
    ),
)

_VERSION_CONTROL_LIMB = LimbSpec(
    id="version_control",
    name="Version Control",
    category="technical",
    icon="🕰️",
    explanation="Go back in time, compare changes, or start a new copy of your work.",
    colour="#1967c0",
    keywords=_kw(
        "undo, revert, go back, rollback, earlier, older, previous, diff, difference, compare, "
        "changed, changes, fork, branch, copy, version control, version history"
    ),
    examples=(
        "undo my last change",
        "compare my two dragons",
        "go back to the older version",
        "fork my castle into a new copy",
    ),
    actions=(
        ActionSpec(
            id="history",
            name="History",
            description="Shows every version of a file and where it came from.",
            output="json",
            needs_intent=False,
            params=(
                _asset("asset", "File", _ANY_ASSET, "The file whose history to show."),
                _int("limit", "How many", 20, 1, 100, "Most versions to show."),
            ),
        ),
        ActionSpec(
            id="diff",
            name="Compare",
            description="Shows what changed between two versions: pixels, text lines or model sizes.",
            output="json",
            needs_intent=False,
            params=(
                _asset("before", "Before", _ANY_ASSET, "The older version."),
                _asset("after", "After", _ANY_ASSET, "The newer version."),
            ),
        ),
        ActionSpec(
            id="revert",
            name="Go back",
            description="Makes an older version the newest one again (nothing is deleted).",
            output="data",
            needs_intent=False,
            params=(
                _asset("asset", "File", _ANY_ASSET, "The file to roll back."),
                _int(
                    "version",
                    "Version",
                    None,
                    1,
                    100000,
                    "Which version number to go back to.",
                    required=True,
                ),
            ),
        ),
        ActionSpec(
            id="fork",
            name="Fork",
            description="Starts a new copy of a file that you can change without touching the original.",
            output="data",
            needs_intent=False,
            params=(
                _asset("asset", "File", _ANY_ASSET, "The file to copy."),
                _string("name", "New name", "Optional: a name for the copy.", max_length=80),
            ),
        ),
    ),
)

_ID_TYPES = ("item", "npc", "object", "sprite", "sound", "model")

_ID_AUDITOR_LIMB = LimbSpec(
    id="id_auditor",
    name="ID Auditor",
    category="technical",
    icon="🔢",
    explanation="Check that every item and monster has its own number, with no twins or gaps.",
    colour="#283593",
    keywords=_kw(
        "id, ids, identifier, identifiers, duplicate, duplicates, clash, twin, twins, gap, gaps, "
        "reserve, numbering"
    ),
    examples=(
        "check my item ids for duplicates",
        "are there gaps in the npc ids",
        "reserve ten new ids for swords",
    ),
    actions=(
        ActionSpec(
            id="audit",
            name="Audit ids",
            description="Finds ids used twice and numbers skipped, for each kind of thing.",
            output="json",
            built=True,
            # The answer depends on what is stored now, not only on the request.
            cacheable=False,
            needs_intent=False,
            params=(
                _choice(
                    "scope", "Where", ("project", "relic"), "project", "Your project or an old game cache."
                ),
                _string(
                    "cache",
                    "Cache",
                    "Optional: which relic cache to check. Empty checks them all.",
                    max_length=64,
                ),
                _choice("type", "Kind", ("all", *_ID_TYPES), "all", "Only check one kind of id."),
            ),
        ),
        ActionSpec(
            id="reserve",
            name="Reserve ids",
            description="Hands out new ids that clash with nothing, in your project or any cache.",
            output="json",
            built=True,
            cacheable=False,
            needs_intent=False,
            params=(
                _choice("type", "Kind", _ID_TYPES, "item", "What the ids are for."),
                _int("count", "How many", 1, 1, 1000, "How many ids to reserve."),
                _bool("fill_gaps", "Fill gaps", False, "Use skipped numbers when a whole run fits in one."),
            ),
        ),
    ),
)

_PROVIDERS = ("cloudflare", "gemini", "ollama")

_NETWORK_LIMB = LimbSpec(
    id="network",
    name="Network",
    category="technical",
    icon="📡",
    explanation="See which helper computers in the cloud are awake and answering.",
    colour="#005b96",
    keywords=_kw(
        "network, provider, providers, cloud, online, internet, connection, ping, breaker, breakers, "
        "cloudflare, gemini, ollama, awake, health check"
    ),
    examples=(
        "is the cloud awake",
        "ping every provider",
        "check the internet connection",
    ),
    actions=(
        ActionSpec(
            id="health",
            name="Health check",
            description="Pings every helper service and shows which ones answer.",
            output="json",
            needs_intent=False,
            params=(_num("timeout", "Wait", 2.0, 0.5, 10.0, "Seconds to wait for each answer.", step=0.5),),
        ),
        ActionSpec(
            id="probe",
            name="Probe",
            description="Tries one helper service and its model with a tiny request.",
            output="json",
            needs_intent=False,
            params=(
                _choice("provider", "Service", _PROVIDERS, "cloudflare", "Which service to try."),
                _string("model", "Model", "Optional: a model id. Empty uses the default.", max_length=120),
                _num("timeout", "Wait", 5.0, 0.5, 30.0, "Seconds to wait for an answer.", step=0.5),
            ),
        ),
        ActionSpec(
            id="breakers",
            name="Circuit breakers",
            description="Shows which services are paused after failing, and when they will be tried again.",
            output="json",
            needs_intent=False,
        ),
    ),
)

_SYSTEM_LIMB = LimbSpec(
    id="system",
    name="System",
    category="technical",
    icon="⚙️",
    explanation="See how busy the studio is and how much of your magic you have used.",
    colour="#2a4d9c",
    keywords=_kw(
        "system, status, queue, queues, worker, workers, storage, disk, busy, quota, usage, ledger, "
        "economy, economy mode, muscle, discovery, precision, budget"
    ),
    examples=(
        "how busy is the studio",
        "how much of my quota is left",
        "switch to precision economy mode",
    ),
    actions=(
        ActionSpec(
            id="status",
            name="Status",
            description="Shows the job queues, workers and storage.",
            output="json",
            needs_intent=False,
        ),
        ActionSpec(
            id="ledger",
            name="My usage",
            description="Shows how much of your allowance you have used.",
            output="json",
            needs_intent=False,
            params=(
                _choice("period", "Period", ("today", "week", "month"), "today", "Which time span to count."),
            ),
        ),
        ActionSpec(
            id="economy_mode",
            name="Economy mode",
            description="Chooses between cheap reuse, trying new ideas, or the best quality.",
            output="json",
            needs_intent=False,
            params=(
                _choice(
                    "mode",
                    "Mode",
                    ("muscle", "discovery", "precision"),
                    None,
                    "Muscle reuses earlier results, discovery tries new ideas, precision uses the best "
                    "models. Leave empty to see the current mode.",
                ),
            ),
        ),
    ),
)

_SECURITY_LIMB = LimbSpec(
    id="security",
    name="Security",
    category="technical",
    icon="🛡️",
    explanation="Check files are safe, sign your work, and pull the emergency brake.",
    colour="#1a3f7a",
    keywords=_kw(
        "security, secure, safe, safety, scan, virus, malware, bomb, sign, signature, signed, "
        "lockdown, lock, kill switch, emergency stop"
    ),
    examples=(
        "scan my upload to see if it is safe",
        "sign my castle picture",
        "scan for viruses and zip bombs",
    ),
    actions=(
        ActionSpec(
            id="scan",
            name="Safety scan",
            description="Checks a file's real type, size, hidden zip bombs and sneaky scripts.",
            output="json",
            needs_intent=False,
            params=(
                _asset("asset", "File", _ANY_ASSET, "The file to check."),
                _int(
                    "max_ratio",
                    "Unzip limit",
                    100,
                    10,
                    1000,
                    "Warn when a file grows more than this many times.",
                ),
            ),
        ),
        ActionSpec(
            id="sign",
            name="Sign",
            description="Adds a signature that proves the file came from this studio unchanged.",
            output="data",
            needs_intent=False,
            params=(_asset("asset", "File", _ANY_ASSET, "The file to sign."),),
        ),
        ActionSpec(
            id="lockdown",
            name="Lockdown",
            description="Staff only: switches a user, team, limb or service off straight away.",
            output="json",
            needs_intent=False,
            params=(
                _choice(
                    "target",
                    "Switch off",
                    ("user", "session", "team", "limb", "provider", "site"),
                    "user",
                    "What kind of thing to switch off.",
                ),
                _string(
                    "target_id",
                    "Which one",
                    "The id or name of the thing to switch off.",
                    required=True,
                    max_length=120,
                ),
                _bool("engaged", "Locked", True, "Untick to switch it back on."),
                _string("reason", "Reason", "Why, for the record.", max_length=200),
            ),
        ),
    ),
)

# ---------------------------------------------------------------------------
# Metaphysical
# ---------------------------------------------------------------------------

_GHOST_LIMB = LimbSpec(
    id="ghost",
    name="Ghost",
    category="metaphysical",
    icon="👻",
    explanation="The helper that always gives you something, even when the internet is asleep.",
    colour="#5e35b1",
    keywords=_kw(
        "ghost, fallback, fell back, fall back, offline, stabilize, stabilise, introspect, why, "
        "without internet, no internet, emergency"
    ),
    examples=(
        "make a picture even if the internet is offline",
        "why did my request fall back",
        "stabilize my dragon picture",
    ),
    actions=(
        ActionSpec(
            id="stabilize",
            name="Stabilise",
            description="Answers any request in half a second using only the studio's own magic.",
            output="data",
            needs_intent=False,
            deadline_s=1.0,
            built=True,
            params=(
                _string(
                    "target",
                    "Limb and action",
                    "Which limb action to answer, as limb.action.",
                    default="image.generate",
                    max_length=60,
                ),
                _int("budget_ms", "Time limit", 500, 50, 500, "Milliseconds allowed."),
            ),
        ),
        ActionSpec(
            id="introspect",
            name="Why?",
            description="Explains why a request used the backup: every try and which services were paused.",
            output="json",
            needs_intent=False,
            built=True,
            cacheable=False,
            params=(
                _string(
                    "generation", "Request", "The id of the request to explain.", required=True, max_length=64
                ),
            ),
        ),
    ),
)

_ORCHESTRATOR_LIMB = LimbSpec(
    id="orchestrator",
    name="Orchestrator",
    category="metaphysical",
    icon="🎼",
    explanation="Chain many helpers together, like a recipe, to make a whole set at once.",
    colour="#6a1b9a",
    keywords=_kw(
        "orchestrate, orchestrator, pipeline, chain, recipe, macro, workflow, dag, volcanic boss, "
        "whole set, starter kit, everything"
    ),
    examples=(
        "the volcanic boss pipeline",
        "a whole set for an ice level: story, enemy, sprite and sounds",
        "chain my favourite recipe",
    ),
    actions=(
        ActionSpec(
            id="run_pipeline",
            name="Run a pipeline",
            description="Runs several limb actions in order, each feeding the next, and shows every stage.",
            output="archive",
            deadline_s=180.0,
            params=(
                _choice(
                    "recipe",
                    "Recipe",
                    ("volcanic_boss", "custom"),
                    "volcanic_boss",
                    "Volcanic boss makes a story, a boss, its sprite, a 3D model, a sound and a pack.",
                ),
                _text(
                    "dag",
                    "Pipeline (JSON)",
                    "For a custom recipe: the steps as JSON. Leave empty to use the chosen recipe.",
                ),
                _bool(
                    "stop_on_error",
                    "Stop on error",
                    False,
                    "Stop at the first failed step instead of carrying on.",
                ),
            ),
        ),
    ),
)

_TEXT_FILE = ("text/", "application/json")

_REALITY_LIMB = LimbSpec(
    id="reality",
    name="Reality",
    category="metaphysical",
    icon="🪞",
    explanation="Save a safe point, check nothing changed, and translate or sum up words.",
    colour="#4527a0",
    keywords=_kw(
        "reality, checkpoint, save point, snapshot, backup, verify, restore, translate, translation, "
        "language, french, spanish, german, summarize, summarise, summary, merkle"
    ),
    examples=(
        "save a checkpoint of my project",
        "translate my quest into spanish",
        "summarize my world story in one line",
        "restore yesterday's snapshot",
    ),
    actions=(
        ActionSpec(
            id="checkpoint",
            name="Checkpoint",
            description="Saves a fingerprint of your whole project (a Merkle root) to check later.",
            output="json",
            needs_intent=False,
            params=(
                _string(
                    "project",
                    "Project",
                    "Optional: which project. Empty means the one you are in.",
                    max_length=64,
                ),
                _string("note", "Note", "Optional: a note to remember this checkpoint by.", max_length=200),
            ),
        ),
        ActionSpec(
            id="verify",
            name="Verify",
            description="Checks that nothing in a checkpoint has changed.",
            output="json",
            needs_intent=False,
            params=(
                _string(
                    "checkpoint", "Checkpoint", "Which checkpoint to check.", required=True, max_length=64
                ),
            ),
        ),
        ActionSpec(
            id="restore",
            name="Restore",
            description="Brings your project back to how it was at a checkpoint.",
            output="json",
            needs_intent=False,
            params=(
                _string(
                    "checkpoint",
                    "Checkpoint",
                    "Which checkpoint to go back to.",
                    required=True,
                    max_length=64,
                ),
            ),
        ),
        ActionSpec(
            id="translate",
            name="Translate",
            description="Translates your words or a text file into another language.",
            output="text",
            ai_tiers=("cloudflare", "gemini", "ollama"),
            needs_intent=False,
            params=(
                _asset(
                    "source",
                    "Text file",
                    _TEXT_FILE,
                    "Optional: a text file to translate instead of your words.",
                    required=False,
                ),
                _choice(
                    "language",
                    "Into",
                    ("es", "fr", "de", "it", "pt", "nl", "ja", "zh", "pseudo"),
                    "es",
                    "The language to translate into. Pseudo makes test text that looks foreign.",
                ),
            ),
        ),
        ActionSpec(
            id="summarize",
            name="Summarise",
            description="Makes a long text short while keeping the important parts.",
            output="text",
            ai_tiers=("cloudflare", "gemini", "ollama"),
            needs_intent=False,
            params=(
                _asset(
                    "source",
                    "Text file",
                    _TEXT_FILE,
                    "Optional: a text file to summarise instead of your words.",
                    required=False,
                ),
                _choice(
                    "length", "Length", ("one_line", "short", "long"), "short", "How long the summary is."
                ),
            ),
        ),
    ),
)

_RELIC_KINDS = ("all", "sprite", "model", "map", "sound", "item", "npc", "object")

_RELIC_LIMB = LimbSpec(
    id="relic",
    name="Relic",
    category="metaphysical",
    icon="🏺",
    explanation="Dig up treasures from old RuneScape games and reuse them safely.",
    colour="#7b1fa2",
    keywords=_kw(
        "relic, relics, runescape, rsc, rs3, cache, jag, jcache, excavate, dig, museum, ancient, "
        "old, classic, era, eras, catalog, catalogue, artifact, artefact"
    ),
    examples=(
        "dig up the old runescape sprites",
        "show the classic item catalog",
        "find the iron mace relic",
        "match the unicorn across eras",
    ),
    actions=(
        ActionSpec(
            id="excavate",
            name="Excavate",
            description="Registers an old game cache so its treasures can be browsed (it is never changed).",
            output="json",
            needs_intent=False,
            params=(
                _string(
                    "source",
                    "Cache location",
                    "The folder or file of the old game cache on the server.",
                    required=True,
                    max_length=500,
                ),
                _choice("era", "Era", ("auto", "classic", "rs3"), "auto", "Which game the cache is from."),
                _string("name", "Name", "Optional: a name for this cache.", max_length=80),
            ),
        ),
        ActionSpec(
            id="catalog",
            name="Catalogue",
            description="Lists what is inside a cache: sprites, models, maps, sounds, items and more.",
            output="json",
            needs_intent=False,
            params=(
                _string("cache", "Cache", "Which cache to look in.", required=True, max_length=64),
                _choice("type", "Kind", _RELIC_KINDS, "all", "Only list one kind of thing."),
                _int("page", "Page", 1, 1, 10000, "Which page of the list."),
                _int("per_page", "Per page", 50, 10, 200, "How many per page."),
            ),
        ),
        ActionSpec(
            id="preview",
            name="Preview",
            description="Shows one relic as a picture, 3D model, map or sound.",
            output="data",
            needs_intent=False,
            params=(
                _string("cache", "Cache", "Which cache it is in.", required=True, max_length=64),
                _string("entry", "Entry", "Which entry to show.", required=True, max_length=120),
            ),
        ),
        ActionSpec(
            id="fork",
            name="Fork",
            description="Copies a relic into your studio as a new file that remembers where it came from.",
            output="data",
            needs_intent=False,
            params=(
                _string("cache", "Cache", "Which cache it is in.", required=True, max_length=64),
                _string("entry", "Entry", "Which entry to copy.", required=True, max_length=120),
                _string("name", "New name", "Optional: a name for your copy.", max_length=80),
            ),
        ),
        ActionSpec(
            id="match",
            name="Match across eras",
            description="Finds things with the same name in caches from different eras.",
            output="json",
            params=(
                _num("min_similarity", "Closeness", 0.8, 0.0, 1.0, "How alike the names must be.", step=0.05),
                _int("limit", "How many", 20, 1, 200, "Most matches to show."),
            ),
        ),
    ),
)

REGISTRY = Registry(
    limbs=(
        _IMAGE_LIMB,
        _VIDEO_LIMB,
        _AUDIO_LIMB,
        _MATERIAL_LIMB,
        _ANIMATION_LIMB,
        _DIVINE_LIMB,
        _QUANTUM_LIMB,
        _ENTITY_LIMB,
        _MESH_LIMB,
        _SPATIAL_LIMB,
        _WORLD_LIMB,
        _LANDSCAPE_LIMB,
        _PHYSICS_LIMB,
        _LIVE_GAME_LIMB,
        _CODE_LIMB,
        _FILE_LIMB,
        _DATA_LIMB,
        _PIPELINE_LIMB,
        _VERSION_CONTROL_LIMB,
        _ID_AUDITOR_LIMB,
        _NETWORK_LIMB,
        _SYSTEM_LIMB,
        _SECURITY_LIMB,
        _GHOST_LIMB,
        _ORCHESTRATOR_LIMB,
        _REALITY_LIMB,
        _RELIC_LIMB,
    ),
)

# ---------------------------------------------------------------------------
# Keyword routing
# ---------------------------------------------------------------------------

# Words that say which action of an already chosen limb is meant. They do not
# pick the limb (LimbSpec.keywords do that), so a word may appear here for
# several limbs. An action missing here is reached as the default or by id.
_ACTION_KEYWORDS: Mapping[str, tuple[str, ...]] = {
    "image.generate": _kw(
        "picture, draw, drawing, paint, painting, illustration, scene, poster, portrait, "
        "concept art, sketch, wallpaper, photo"
    ),
    "image.sprite": _kw("sprite, pixel, pixel art, 8 bit, retro, icon"),
    "image.tile": _kw("tile, tileable, seamless, pattern, texture, repeat, repeating"),
    "image.palette": _kw("palette, colour, color, colours, swatch, colour scheme"),
    "image.remove_background": _kw("remove background, transparent, cut out, no background"),
    "image.upscale": _kw("upscale, enlarge, bigger, sharper, larger, scale up"),
    "image.variation": _kw("variation, remix, similar"),
    "video.animate": _kw(
        "animate, animated, gif, loop, looping, flicker, flickering, spin, spinning, bob, bobbing, "
        "pulse, pulsing"
    ),
    "video.sprite_sheet": _kw("sprite sheet, spritesheet, atlas, sheet"),
    "video.extract_frames": _kw("extract frames, extract, split, separate"),
    "audio.sfx": _kw(
        "sfx, sound effect, effect, boom, beep, bang, zap, pew, blip, whoosh, ding, explosion, "
        "laser, coin, jump, hit, hurt, power up, pickup"
    ),
    "audio.music": _kw("music, song, tune, melody, soundtrack, jingle, beat, drum, theme"),
    "audio.speech": _kw("voice, speak, say, saying, speech, narrator, read aloud, talk"),
    "audio.analyze": _kw("analyze, analyse, waveform, loudness, loud, measure, how long"),
    "material.pbr": _kw("pbr, material, surface, normal map, roughness, albedo"),
    "material.shader": _kw("shader, glsl, glow, glowing, hologram, effect"),
    "animation.keyframes": _kw("keyframe, keyframes, idle, attack, wave, waving, dance, jump, rig, pose"),
    "animation.walk_cycle": _kw("walk cycle, walk, walking, stride, run cycle"),
    "divine.world_bible": _kw(
        "world bible, lore, history, legend, myth, faction, kingdom, story, tale, plot"
    ),
    "divine.quest": _kw("quest, mission, objective, adventure, reward"),
    "divine.dialogue": _kw("dialogue, dialog, conversation, chat, yarn, talk"),
    "divine.names": _kw("name, names, naming, nickname, called"),
    "quantum.variants": _kw(
        "variants, versions, alternatives, options, different, lots, many, several, siblings, contact sheet"
    ),
    "quantum.entangle": _kw("mix, blend, hybrid, combine, cross, entangle, mashup"),
    "entity.archetype": _kw(
        "character, monster, enemy, npc, hero, boss, creature, villain, stats, inventory, archetype"
    ),
    "entity.behavior_tree": _kw(
        "behavior, behaviour, behavior tree, behaviour tree, brain, ai, patrol, patrols"
    ),
    "entity.balance": _kw("balance, rebalance, fair, overpowered, curve"),
    "mesh.image_to_3d": _kw("picture, drawing, photo, image, sprite, extrude, relief"),
    "mesh.voxelize": _kw("voxel, voxels, voxelize, vox, magicavoxel, blocky, cube, cubes"),
    "mesh.diagnostics": _kw("diagnostics, check, watertight, count, bounds, triangles, polygons"),
    "mesh.optimize": _kw("optimize, optimise, decimate, simplify, lighter, smaller"),
    "world.generate": _kw("map, world map, island, continent, biome, river, ocean"),
    "world.place_objects": _kw("place, scatter, spread, spawn, poisson, sprinkle"),
    "landscape.terrain": _kw("terrain, mountain, hill, valley, canyon, cliff"),
    "landscape.erode": _kw("erode, erosion, eroded, rain, weather"),
    "landscape.export_rsc": _kw("export rsc, rsc, sector, runescape"),
    "physics.path": _kw("path, pathfinding, route, maze, reach, reachable, astar, navigate, way"),
    "physics.simulate": _kw(
        "gravity, fall, falling, bounce, bouncing, throw, projectile, trajectory, simulate, simulation"
    ),
    "physics.collide": _kw("collide, collision, overlap, hitbox, hitboxes, bump"),
    "live_game.stage": _kw("play, playing, playtest, playable, stage"),
    "live_game.inject_asset": _kw("inject, swap, hot swap, replace, put"),
    "live_game.state": _kw("state, score, happening"),
    "code.generate": _kw("write, generate, create, build"),
    "code.explain": _kw("explain, understand, teach, mean"),
    "code.audit": _kw("audit, check, safe, dangerous, complexity, review, lint, bug"),
    "code.test": _kw("test, tests, pytest, unit test, testing"),
    "file.upload": _kw("upload, import, attach, bring"),
    "file.list": _kw("list, browse, show, see, all"),
    "file.bundle": _kw("zip, bundle, download"),
    "data.embed": _kw("embed, embedding, vector"),
    "data.search": _kw("search, find, look for, similar, lookup"),
    "pipeline.export_pack": _kw("export, pack, godot, unity, engine, package"),
    "pipeline.optimize": _kw("compress, shrink, optimize, optimise, smaller"),
    "version_control.history": _kw("history, version history, versions, timeline"),
    "version_control.diff": _kw("diff, difference, compare, changed, changes"),
    "version_control.revert": _kw("undo, revert, go back, rollback, restore"),
    "version_control.fork": _kw("fork, branch, copy"),
    "id_auditor.audit": _kw("audit, check, duplicate, duplicates, clash, twin, twins, gap, gaps"),
    "id_auditor.reserve": _kw("reserve, new, claim"),
    "network.health": _kw("health check, every, all, awake, online, internet, connection"),
    "network.probe": _kw("probe, cloudflare, gemini, ollama, one"),
    "network.breakers": _kw("breaker, breakers, paused, tripped"),
    "system.status": _kw("status, queue, queues, worker, workers, storage, disk, busy"),
    "system.ledger": _kw("ledger, quota, usage, used, left, budget"),
    "system.economy_mode": _kw("economy, economy mode, mode, muscle, discovery, precision"),
    "security.scan": _kw("scan, safe, safety, virus, malware, bomb"),
    "security.sign": _kw("sign, signature, signed"),
    "security.lockdown": _kw("lockdown, lock, kill switch, emergency stop"),
    "ghost.stabilize": _kw("stabilize, stabilise, offline, without internet, no internet, emergency"),
    "ghost.introspect": _kw("introspect, why, fell back, fall back, fallback"),
    "reality.checkpoint": _kw("checkpoint, save point, snapshot, backup, save"),
    "reality.verify": _kw("verify, unchanged, merkle"),
    "reality.restore": _kw("restore, go back"),
    "reality.translate": _kw("translate, translation, language, french, spanish, german"),
    "reality.summarize": _kw("summarize, summarise, summary, shorter, short"),
    "relic.excavate": _kw("excavate, dig, register, cache"),
    "relic.catalog": _kw("catalog, catalogue, list, browse"),
    "relic.preview": _kw("preview, show, look"),
    "relic.fork": _kw("fork, copy, reuse"),
    "relic.match": _kw("match, across, era, eras"),
}

# Words that name a limb so plainly that they outweigh a generic word such as
# "picture" ("make my picture 3D" is a mesh request).
_STRONG: Mapping[str, float] = {
    "3d": 3.0,
    "sound": 2.0,
    "music": 2.0,
    "sprite": 2.0,
    "code": 2.0,
    "quest": 2.0,
    "material": 2.0,
    "animation": 2.0,
    "relic": 2.0,
    "terrain": 2.0,
    "physics": 2.0,
    "entity": 2.0,
    "shader": 2.0,
    "world": 1.5,
    # Verbs that name what the limb does, so "sign my castle picture" signs.
    "upload": 2.0,
    "compare": 2.0,
    "undo": 2.0,
    "revert": 2.0,
    "search": 2.0,
    "sign": 2.0,
    "scan": 2.0,
    "translate": 2.0,
    "summarize": 2.0,
    "summarise": 2.0,
    "stabilize": 2.0,
    "stabilise": 2.0,
    "offline": 2.0,
    "excavate": 2.0,
    "playtest": 2.0,
}

_STOPWORDS = frozenset(
    _kw(
        "a, an, the, and, or, of, for, to, in, on, at, by, with, about, from, into, onto, my, me, i, our, "
        "your, some, this, that, these, those, it, its, is, are, be, please, can, could, would, you, make, "
        "made, do, does"
    )
)

_TOKEN = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _tokens(text: str) -> list[str]:
    """Lowercase letter/digit runs of ``text`` without filler words."""
    return [w for w in _words(text) if w not in _STOPWORDS]


@lru_cache(maxsize=4096)
def _forms(token: str) -> frozenset[str]:
    """The token plus the singulars it might be ("cities" -> city, "elves" -> elf)."""
    forms = {token}
    if len(token) >= 4 and token.endswith("s") and not token.endswith("ss"):
        forms.add(token[:-1])
        if len(token) >= 5 and token.endswith(("ses", "xes", "zes", "ches", "shes")):
            forms.add(token[:-2])
        if len(token) >= 5 and token.endswith("ies"):
            forms.add(token[:-3] + "y")
        if len(token) >= 5 and token.endswith("ves"):
            forms.add(token[:-3] + "f")
    return frozenset(forms)


# Only the start of a long text is read, so a pasted essay cannot make routing slow.
_MAX_TOKENS = 64

# One keyword ready for matching: (candidate name, forms of each word, weight).
_Entry = tuple[str, tuple[frozenset[str], ...], float]


def _weight(words: Sequence[str]) -> float:
    if len(words) > 1:
        # A phrase beats the single words it is made of.
        return 1.5 * len(words)
    return _STRONG.get(words[0], 1.0)


def _index(candidates: Iterable[tuple[str, Iterable[str]]]) -> tuple[_Entry, ...]:
    """Keywords of each candidate, longest first, then in candidate order."""
    entries: list[tuple[int, int, _Entry]] = []
    for order, (name, keywords) in enumerate(candidates):
        for keyword in keywords:
            words = _tokens(keyword)
            if words:
                entry = (name, tuple(_forms(w) for w in words), _weight(words))
                entries.append((-len(words), order, entry))
    entries.sort(key=lambda e: (e[0], e[1]))
    return tuple(entry for _, _, entry in entries)


def _score(text: str, index: Sequence[_Entry]) -> dict[str, tuple[float, int]]:
    """Score each candidate of ``index`` against ``text``.

    Longer keywords are matched first and use up their words, so "world
    bible" counts for the story limb and not also as "world". Returns
    name -> (score, keywords matched) for the candidates that matched.
    """
    token_forms = [_forms(t) for t in _tokens(text)[:_MAX_TOKENS]]
    present = frozenset().union(*token_forms)
    used = [False] * len(token_forms)
    scores: dict[str, tuple[float, int]] = {}
    for name, word_forms, weight in index:
        if not all(forms & present for forms in word_forms):
            continue
        n = len(word_forms)
        for start in range(len(token_forms) - n + 1):
            span = range(start, start + n)
            if any(used[i] for i in span):
                continue
            if all(word_forms[j] & token_forms[start + j] for j in range(n)):
                for i in span:
                    used[i] = True
                score, count = scores.get(name, (0.0, 0))
                scores[name] = (score + weight, count + 1)
    return scores


def _best(scores: Mapping[str, tuple[float, int]], order: Sequence[str]) -> str | None:
    """Highest score, then most keywords matched, then earliest in ``order``."""
    ranked = sorted(
        (name for name in order if name in scores),
        key=lambda name: (-scores[name][0], -scores[name][1], order.index(name)),
    )
    return ranked[0] if ranked else None


_LIMB_INDEX = _index((limb.id, limb.keywords) for limb in REGISTRY.limbs)
_LIMB_ORDER = tuple(limb.id for limb in REGISTRY.limbs)
_ACTION_INDEX = {
    limb.id: _index((a.id, _ACTION_KEYWORDS.get(f"{limb.id}.{a.id}", ())) for a in limb.actions)
    for limb in REGISTRY.limbs
}


def get_limb(limb_id: str) -> LimbSpec | None:
    return REGISTRY.get(limb_id)


def route_action(limb: LimbSpec, text: str) -> ActionSpec:
    """The action of ``limb`` that ``text`` asks for; the limb's default if none stands out."""
    scores = _score(text, _ACTION_INDEX.get(limb.id, ()))
    # Built actions win ties, so a request is not sent to an unbuilt action by chance.
    order = [a.id for a in limb.actions if a.built] + [a.id for a in limb.actions if not a.built]
    best = _best(scores, order)
    action = limb.action(best) if best is not None else None
    return action if action is not None else limb.default_action


def route_intent(text: str) -> tuple[LimbSpec, ActionSpec]:
    """Pick the limb and action free text asks for; unmatched text draws a picture."""
    text = text or ""
    best = _best(_score(text, _LIMB_INDEX), _LIMB_ORDER)
    limb = REGISTRY.get(best or "image") or REGISTRY.limbs[0]
    return limb, route_action(limb, text)


def surprise_intent(limb_id: str, seed: int) -> str:
    """An example intent for the limb; the same seed always gives the same one.

    Raises ``KeyError`` for an unknown limb id.
    """
    limb = REGISTRY.get(limb_id)
    if limb is None:
        raise KeyError(f"Unknown limb '{limb_id}'.")
    examples = limb.examples or limb.default_action.examples or (limb.explanation,)
    return examples[seed % len(examples)]
