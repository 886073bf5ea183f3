"""Procedural image tools: tile, palette, remove_background, upscale, variation."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import pytest
from PIL import Image

from limbs.formats.png import validate_png
from limbs.generators import image, image_tools
from limbs.parts.image._seams import check_tileable, validate_tile
from limbs.spec import GeneratorInputError, GenRequest, GenResult, Tension

DEFAULTS: dict[str, dict[str, Any]] = {
    "tile": {"size": 96, "blend": 0.15},
    "palette": {"colours": 8, "method": "median_cut"},
    "remove_background": {"tolerance": 30, "feather": 1},
    "upscale": {"scale": 2, "method": "auto"},
    "variation": {"amount": 0.3, "count": 4},
}


def run(
    action: str,
    picture: bytes | None = None,
    intent: str = "",
    seed: int = 1,
    tension: Tension = "medium",
    **params: Any,
) -> GenResult:
    req = GenRequest(
        intent=intent,
        params={**DEFAULTS[action], **params},
        seed=seed,
        tension=tension,
        inputs={"image": picture} if picture is not None else {},
    )
    result: GenResult = getattr(image_tools, action)(req)
    return result


def encode(arr: np.ndarray, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format=fmt)
    return buf.getvalue()


def decode(data: bytes, mode: str = "RGBA") -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert(mode)).astype(np.int64)


def colours_of(arr: np.ndarray) -> set[tuple[int, ...]]:
    return {tuple(int(v) for v in px) for px in arr.reshape(-1, arr.shape[-1])}


def photo(w: int = 120, h: int = 90, seed: int = 0) -> bytes:
    """A smooth, many-coloured picture that does not tile."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    rgb = np.stack([x / w * 200 + 30, y / h * 180 + 40, 160 + 60 * np.sin(x / 9) * np.cos(y / 13)], -1)
    rgb += rng.normal(0, 2.5, rgb.shape)
    return encode(np.clip(rgb, 0, 255).astype(np.uint8))


def three_colours() -> bytes:
    """Exactly 50% red, 30% green and 20% blue."""
    arr = np.zeros((40, 50, 3), np.uint8)
    arr[:, :25] = (220, 30, 40)
    arr[:, 25:40] = (30, 180, 60)
    arr[:, 40:] = (20, 40, 210)
    return encode(arr)


def subject_on_background(bg: tuple[int, int, int] = (235, 240, 250), noise: float = 2.0) -> bytes:
    rng = np.random.default_rng(3)
    arr = np.empty((80, 100, 3), np.float32)
    arr[:] = bg
    arr += rng.normal(0, noise, arr.shape)
    y, x = np.mgrid[0:80, 0:100]
    disc = (x - 50) ** 2 + (y - 40) ** 2 < 25**2
    arr[disc] = (200, 40, 50)
    arr[(np.abs(x - 50) < 4) & (np.abs(y - 40) < 4)] = (250, 250, 250)  # a light eye inside the subject
    return encode(np.clip(arr, 0, 255).astype(np.uint8))


@pytest.fixture(scope="module")
def sprite_png() -> bytes:
    req = GenRequest(intent="a green robot", params={"size": 32, "kind": "auto", "outline": True}, seed=5)
    return image.sprite(req).outputs[0].data


# tile ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("intent", "pattern"),
    [
        ("red bricks", "bricks"),
        ("a cobblestone path", "stones"),
        ("green grass", "grass"),
        ("autumn leaves", "leaves"),
        ("deep blue water", "water"),
        ("wooden planks", "wood"),
        ("pink polka dots", "polka"),
        ("a chess board", "checker"),
        ("glowing lava", "ground"),
        ("desert sand", "ground"),
        ("white marble", "ground"),
    ],
)
def test_a_tile_painted_from_words_wraps_without_seams(intent: str, pattern: str) -> None:
    result = run("tile", intent=intent, size=96)
    out = result.outputs[0]
    assert out.mime == "image/png"
    assert result.meta["pattern"] == pattern
    report = validate_tile(out.data)
    assert (report["width"], report["height"]) == (96, 96)


def test_a_tile_made_from_a_photo_wraps_while_the_photo_itself_does_not() -> None:
    source = photo()
    assert check_tileable(source)["tileable"] is False
    for blend in (0.0, 0.15, 0.5):
        result = run("tile", source, size=80, blend=blend)
        assert validate_tile(result.outputs[0].data)["width"] == 80
        assert result.meta["method"] == ("mirror" if blend == 0 else "offset_blend")


def test_a_plain_crop_of_the_photo_at_tile_size_fails_the_seam_check() -> None:
    crop = decode(photo())[:80, :80, :3].astype(np.uint8)
    assert check_tileable(encode(crop))["tileable"] is False


def test_a_tile_keeps_the_middle_of_the_picture_and_changes_only_the_edges() -> None:
    source = photo(96, 96)
    out = decode(run("tile", source, size=96, blend=0.15).outputs[0].data, "RGB")
    original = decode(source, "RGB")
    middle = np.abs(out[30:66, 30:66] - original[30:66, 30:66]).mean()
    edges = np.abs(out[:6] - original[:6]).mean()
    assert middle < 2 < edges


def test_a_wider_blend_changes_more_of_the_picture() -> None:
    source = photo(96, 96)
    original = decode(source, "RGB")
    changed = [
        float(np.abs(decode(run("tile", source, size=96, blend=b).outputs[0].data, "RGB") - original).mean())
        for b in (0.05, 0.25, 0.5)
    ]
    assert changed == sorted(changed)
    assert changed[0] < changed[-1]


def test_a_tile_is_exactly_the_requested_size() -> None:
    for size in (32, 57, 200):
        assert validate_png(run("tile", intent="bricks", size=size).outputs[0].data)["width"] == size


def test_colour_words_recolour_the_pattern() -> None:
    red = decode(run("tile", intent="red bricks").outputs[0].data, "RGB").mean(axis=(0, 1))
    blue = decode(run("tile", intent="blue bricks").outputs[0].data, "RGB").mean(axis=(0, 1))
    assert red[0] > red[2] and blue[2] > blue[0]


def test_a_tile_keeps_transparency_from_its_picture() -> None:
    arr = np.zeros((64, 64, 4), np.uint8)
    arr[16:48, 16:48] = (255, 200, 0, 255)
    out = decode(run("tile", encode(arr), size=64).outputs[0].data)
    assert out[..., 3].min() == 0


def test_a_tile_is_the_same_bytes_for_the_same_request_and_changes_with_the_seed() -> None:
    a = run("tile", intent="grass", seed=4).outputs[0].data
    assert a == run("tile", intent="grass", seed=4).outputs[0].data
    assert a != run("tile", intent="grass", seed=5).outputs[0].data


def test_a_tile_without_words_or_picture_still_makes_a_seamless_pattern() -> None:
    result = run("tile", intent="", seed=9)
    assert validate_tile(result.outputs[0].data)
    assert result.meta["source"] == "words"


# palette -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["median_cut", "kmeans"])
def test_the_palette_of_a_three_colour_picture_is_those_colours_with_their_shares(method: str) -> None:
    result = run("palette", three_colours(), method=method, colours=8)
    doc = json.loads(result.outputs[0].data)
    assert [c["hex"] for c in doc["colours"]] == ["#dc1e28", "#1eb43c", "#1428d2"]
    assert [c["share"] for c in doc["colours"]] == [0.5, 0.3, 0.2]
    assert doc["colours"][0]["rgb"] == [220, 30, 40]
    assert doc["requested"] == 8 and doc["found"] == 3


@pytest.mark.parametrize("method", ["median_cut", "kmeans"])
def test_the_palette_has_at_most_the_requested_colours_sorted_by_share(method: str) -> None:
    for k in (2, 5, 12):
        doc = json.loads(run("palette", photo(), method=method, colours=k).outputs[0].data)
        shares = [c["share"] for c in doc["colours"]]
        assert 2 <= len(shares) <= k
        assert shares == sorted(shares, reverse=True)
        assert sum(shares) == pytest.approx(1.0, abs=0.01)


def test_kmeans_fits_a_photo_at_least_as_closely_as_median_cut() -> None:
    source = photo()
    pixels = decode(source, "RGB").reshape(-1, 3)

    def error(method: str) -> float:
        doc = json.loads(run("palette", source, method=method, colours=6).outputs[0].data)
        pal = np.array([c["rgb"] for c in doc["colours"]])
        return float(np.sqrt(((pixels[:, None] - pal[None]) ** 2).sum(-1).min(1)).mean())

    assert error("kmeans") <= error("median_cut") * 1.05


def test_the_palette_comes_with_a_swatch_preview() -> None:
    result = run("palette", three_colours())
    preview = result.outputs[1]
    assert preview.role == "preview" and preview.mime == "image/png"
    swatch = decode(preview.data, "RGB")
    assert tuple(swatch[10, 10]) == (220, 30, 40)
    assert tuple(swatch[10, 64 + 10]) == (30, 180, 60)


def test_see_through_pixels_do_not_count_toward_the_palette() -> None:
    arr = np.zeros((20, 20, 4), np.uint8)
    arr[:, :5] = (10, 200, 10, 255)
    arr[:, 5:] = (255, 0, 0, 0)
    doc = json.loads(run("palette", encode(arr)).outputs[0].data)
    assert [c["hex"] for c in doc["colours"]] == ["#0ac80a"]


def test_a_faint_picture_still_has_a_palette() -> None:
    arr = np.zeros((10, 10, 4), np.uint8)
    arr[...] = (200, 100, 50, 60)
    doc = json.loads(run("palette", encode(arr)).outputs[0].data)
    assert [c["rgb"] for c in doc["colours"]] == [[200, 100, 50]]


def test_a_fully_transparent_picture_has_no_palette() -> None:
    with pytest.raises(GeneratorInputError) as err:
        run("palette", encode(np.zeros((8, 8, 4), np.uint8)))
    assert err.value.field == "image"


def test_kmeans_palette_is_deterministic() -> None:
    a = run("palette", photo(), method="kmeans", seed=2)
    assert a.outputs[0].data == run("palette", photo(), method="kmeans", seed=2).outputs[0].data
    assert a.outputs[1].data == run("palette", photo(), method="kmeans", seed=2).outputs[1].data


# remove_background ---------------------------------------------------------------------


def test_removing_the_background_makes_corners_clear_and_keeps_the_subject() -> None:
    result = run("remove_background", subject_on_background())
    report = validate_png(result.outputs[0].data, require_alpha=True)
    assert (report["width"], report["height"]) == (100, 80)
    alpha = decode(result.outputs[0].data)[..., 3]
    assert alpha[0, 0] == alpha[-1, -1] == alpha[0, -1] == alpha[-1, 0] == 0
    assert alpha[40, 50] == 255 and alpha[40, 35] == 255  # the light eye is enclosed, so it stays
    assert result.meta["background"] and 0.6 < result.meta["removed"] < 0.85


def test_a_lower_tolerance_removes_less_of_a_noisy_background() -> None:
    source = subject_on_background(noise=6.0)
    removed = [run("remove_background", source, tolerance=t).meta["removed"] for t in (0, 10, 40)]
    assert removed[0] < removed[1] <= removed[2]


def test_feather_softens_the_edge_inward_only() -> None:
    hard = decode(run("remove_background", subject_on_background(), feather=0).outputs[0].data)[..., 3]
    soft = decode(run("remove_background", subject_on_background(), feather=4).outputs[0].data)[..., 3]
    assert set(np.unique(hard)) <= {0, 255}
    partial = (soft > 0) & (soft < 255)
    assert partial.sum() > 100
    assert not (partial & (hard == 0)).any()  # nothing of the background comes back


def test_a_subject_the_colour_of_the_background_is_kept_when_enclosed() -> None:
    arr = np.full((60, 60, 3), 255, np.uint8)
    arr[10:50, 10:50] = (0, 0, 0)
    arr[20:40, 20:40] = (255, 255, 255)  # a white hole inside the black frame
    alpha = decode(run("remove_background", encode(arr), feather=0).outputs[0].data)[..., 3]
    assert alpha[30, 30] == 255 and alpha[5, 5] == 0


def test_remove_background_is_deterministic() -> None:
    src = subject_on_background()
    assert run("remove_background", src).outputs[0].data == run("remove_background", src).outputs[0].data


# upscale -------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_upscaled_pixel_art_is_exactly_bigger_and_keeps_only_its_colours(
    sprite_png: bytes, scale: int
) -> None:
    result = run("upscale", sprite_png, scale=scale)
    report = validate_png(result.outputs[0].data, require_alpha=True)
    assert (report["width"], report["height"]) == (32 * scale, 32 * scale)
    assert result.meta["pixel_art"] is True
    assert result.meta["method"] == {2: "scale2x", 3: "scale3x", 4: "scale4x"}[scale]
    assert colours_of(decode(result.outputs[0].data)) <= colours_of(decode(sprite_png))


def test_scale2x_rounds_a_staircase_corner() -> None:
    ids = np.array([[1, 1], [1, 0]], dtype=np.uint32)
    out = image_tools.scale2x(ids)
    # The lone 0 pixel is bordered by 1s above and left, so its top-left quarter becomes 1.
    assert out[2, 2] == 1 and out[3, 3] == 0
    assert (np.repeat(np.repeat(ids, 2, 0), 2, 1) != out).sum() == 1


def test_scale3x_keeps_flat_areas_flat_and_follows_a_diagonal() -> None:
    flat = np.full((3, 3), 7, dtype=np.uint32)
    assert (image_tools.scale3x(flat) == 7).all()
    diag = np.eye(4, dtype=np.uint32)
    out = image_tools.scale3x(diag)
    assert out.shape == (12, 12)
    assert set(np.unique(out)) == {0, 1}


def test_a_photo_is_upscaled_smoothly() -> None:
    source = photo(60, 40)
    result = run("upscale", source, scale=3)
    assert result.meta["method"] == "lanczos" and result.meta["pixel_art"] is False
    out = decode(result.outputs[0].data, "RGB")
    assert out.shape == (120, 180, 3)
    # Nearest-neighbour would repeat every pixel in 3x3 blocks; a smooth result does not.
    blocks = out[0::3, 0::3] == out[1::3, 1::3]
    assert blocks.all(axis=-1).mean() < 0.5
    assert len(colours_of(out)) > len(colours_of(decode(source, "RGB")))


def test_the_method_param_overrides_detection(sprite_png: bytes) -> None:
    assert run("upscale", sprite_png, method="smooth").meta["method"] == "lanczos"
    assert run("upscale", photo(40, 30), method="pixel").meta["method"] == "scale2x"


def test_low_tension_pixel_upscale_is_plain_nearest(sprite_png: bytes) -> None:
    result = run("upscale", sprite_png, tension="low", scale=2)
    expected = np.repeat(np.repeat(decode(sprite_png), 2, 0), 2, 1)
    assert result.meta["method"] == "nearest"
    assert np.array_equal(decode(result.outputs[0].data), expected)


def test_upscale_refuses_results_over_64_megapixels() -> None:
    big = Image.new("L", (4200, 4200))
    buf = io.BytesIO()
    big.save(buf, format="PNG")
    with pytest.raises(GeneratorInputError) as err:
        run("upscale", buf.getvalue(), scale=2)
    assert err.value.field == "image"


def test_upscale_is_deterministic(sprite_png: bytes) -> None:
    assert run("upscale", sprite_png).outputs[0].data == run("upscale", sprite_png).outputs[0].data


# variation -----------------------------------------------------------------------------


def test_variations_are_count_pictures_of_the_same_size_plus_a_contact_sheet() -> None:
    result = run("variation", photo(), count=5)
    mains = [o for o in result.outputs if o.role == "main"]
    assert len(mains) == 5
    for o in mains:
        assert validate_png(o.data)["width"] == 120
    sheet = [o for o in result.outputs if o.role == "preview"]
    assert len(sheet) == 1 and validate_png(sheet[0].data)["width"] > 160
    assert len({o.data for o in mains}) == 5


def test_more_amount_makes_variations_further_from_the_original() -> None:
    source = photo()
    original = decode(source, "RGB")

    def distance(amount: float) -> float:
        outs = run("variation", source, amount=amount, count=3).outputs[:3]
        return float(np.mean([np.abs(decode(o.data, "RGB") - original).mean() for o in outs]))

    near, mid, far = distance(0.0), distance(0.3), distance(1.0)
    assert near < 4 and near < mid < far


def test_variations_of_pixel_art_stay_crisp_and_keep_their_colour_count(sprite_png: bytes) -> None:
    result = run("variation", sprite_png, amount=0.6, count=4)
    before = len(colours_of(decode(sprite_png)))
    for o in result.outputs[:4]:
        assert len(colours_of(decode(o.data))) <= before + 1
        assert validate_png(o.data, require_alpha=True)["has_alpha"]


def test_variations_are_deterministic() -> None:
    a = run("variation", photo(), seed=3)
    b = run("variation", photo(), seed=3)
    assert [o.data for o in a.outputs] == [o.data for o in b.outputs]


# inputs --------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["tile", "palette", "remove_background", "upscale", "variation"])
def test_a_file_that_is_not_a_picture_is_refused_naming_the_image_param(action: str) -> None:
    with pytest.raises(GeneratorInputError) as err:
        run(action, b"this is not a picture at all")
    assert err.value.field == "image"


@pytest.mark.parametrize("action", ["palette", "remove_background", "upscale", "variation"])
def test_a_truncated_picture_is_refused(action: str) -> None:
    data = photo()
    with pytest.raises(GeneratorInputError) as err:
        run(action, data[: len(data) // 2])
    assert err.value.field == "image"


@pytest.mark.parametrize("action", ["palette", "remove_background", "upscale", "variation"])
def test_a_missing_picture_is_refused(action: str) -> None:
    with pytest.raises(GeneratorInputError):
        run(action, None)


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    # A valid PNG header claiming 20000 x 20000 pixels (400 megapixels) and nothing else.
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    data = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    with pytest.raises(GeneratorInputError) as err:
        run("palette", data)
    assert err.value.field == "image"
