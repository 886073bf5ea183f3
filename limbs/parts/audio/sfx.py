"""Audio · Sound effect: A retro game sound such as a coin, laser, jump or explosion."""

from __future__ import annotations

from limbs.generators.audio import sfx as make
from limbs.params import choice, kw, number
from limbs.spec import ActionSpec

# The classic sfxr parameter set (names as in jsfxr), for fine control over sfx.
SFXR_PARAMS = (
    choice(
        "wave_type",
        "Wave",
        ("auto", "square", "sawtooth", "sine", "noise"),
        "auto",
        "The basic buzz of the sound. Auto uses the preset's wave.",
    ),
    number("p_env_attack", "Attack", None, 0.0, 1.0, "How slowly the sound fades in. Empty uses the preset."),
    number("p_env_sustain", "Sustain", None, 0.0, 1.0, "How long the sound stays loud."),
    number("p_env_punch", "Punch", None, 0.0, 1.0, "An extra kick at the start."),
    number("p_env_decay", "Decay", None, 0.0, 1.0, "How slowly the sound fades out."),
    number("p_base_freq", "Pitch", None, 0.0, 1.0, "How high the sound starts."),
    number("p_freq_limit", "Lowest pitch", None, 0.0, 1.0, "The sound stops if the pitch falls below this."),
    number("p_freq_ramp", "Slide", None, -1.0, 1.0, "Pitch slides up (positive) or down (negative)."),
    number("p_freq_dramp", "Delta slide", None, -1.0, 1.0, "Makes the slide speed up or slow down."),
    number("p_vib_strength", "Vibrato depth", None, 0.0, 1.0, "How much the pitch wobbles."),
    number("p_vib_speed", "Vibrato speed", None, 0.0, 1.0, "How fast the pitch wobbles."),
    number("p_arp_mod", "Change amount", None, -1.0, 1.0, "A sudden jump in pitch partway through."),
    number("p_arp_speed", "Change speed", None, 0.0, 1.0, "When the sudden jump happens."),
    number("p_duty", "Square duty", None, 0.0, 1.0, "Shape of the square wave (thin or fat buzz)."),
    number("p_duty_ramp", "Duty sweep", None, -1.0, 1.0, "Changes the square shape over time."),
    number("p_repeat_speed", "Repeat speed", None, 0.0, 1.0, "Replays the pitch slide again and again."),
    number("p_pha_offset", "Phaser offset", None, -1.0, 1.0, "A swooshy echo effect."),
    number("p_pha_ramp", "Phaser sweep", None, -1.0, 1.0, "Moves the swoosh over time."),
    number("p_lpf_freq", "Low-pass cutoff", None, 0.0, 1.0, "Lower values make it softer and muffled."),
    number("p_lpf_ramp", "Low-pass sweep", None, -1.0, 1.0, "Opens or closes the muffling over time."),
    number("p_lpf_resonance", "Low-pass resonance", None, 0.0, 1.0, "Adds a ringing edge to the muffling."),
    number("p_hpf_freq", "High-pass cutoff", None, 0.0, 1.0, "Higher values make it thinner and tinny."),
    number("p_hpf_ramp", "High-pass sweep", None, -1.0, 1.0, "Changes the thinness over time."),
)

ACTION = ActionSpec(
    id="sfx",
    name="Sound effect",
    description="A retro game sound such as a coin, laser, jump or explosion.",
    output="audio",
    needs_intent=True,
    params=(
        choice(
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
        number("sound_vol", "Volume", 0.5, 0.05, 1.0, "How loud the sound is.", step=0.05),
        *SFXR_PARAMS,
    ),
    keywords=kw(
        "sfx, sound effect, effect, boom, beep, bang, zap, pew, blip, whoosh, ding, explosion, "
        "laser, coin, jump, hit, hurt, power up, pickup"
    ),
    make=make,
)
