"""limbs.formats.vox: MagicaVoxel files round-trip through the studio's writer and reader,
and each rule of the format is held: chunk sizes, SIZE then XYZI, voxels inside their
model, no colour index 0, a 256-colour palette, and a PACK that counts the models."""

from __future__ import annotations

import struct

import pytest

from limbs.formats import OutputInvalid, for_mime, sniff, validate_output
from limbs.formats.vox import FORMAT, VoxFile, VoxModel, read_vox, validate_vox, write_vox

CUBE = VoxModel(
    (2, 2, 2), tuple((x, y, z, 1 + x + 2 * y + 4 * z) for x in range(2) for y in range(2) for z in range(2))
)
TOWER = VoxModel((1, 1, 3), ((0, 0, 0, 9), (0, 0, 2, 200)))
PALETTE = [(255, 0, 0, 255), (0, 255, 0, 255), (0, 0, 255, 128)]


def chunk(cid: bytes, body: bytes = b"", children: bytes = b"") -> bytes:
    return cid + struct.pack("<ii", len(body), len(children)) + body + children


def size(x: int, y: int, z: int) -> bytes:
    return chunk(b"SIZE", struct.pack("<iii", x, y, z))


def xyzi(*voxels: tuple[int, int, int, int]) -> bytes:
    return chunk(b"XYZI", struct.pack("<i", len(voxels)) + b"".join(bytes(v) for v in voxels))


def vox(*children: bytes, version: int = 150) -> bytes:
    return b"VOX " + struct.pack("<i", version) + chunk(b"MAIN", b"", b"".join(children))


ONE = size(2, 2, 2) + xyzi((0, 0, 0, 1), (1, 1, 1, 2))


# Round trips -----------------------------------------------------------------------------


def test_one_model_with_a_palette_round_trips() -> None:
    back = read_vox(write_vox([CUBE], PALETTE))
    assert back.version == 150
    assert back.models == (CUBE,)
    assert back.palette is not None and len(back.palette) == 256
    assert back.palette[:3] == tuple(PALETTE)
    assert set(back.palette[3:]) == {(0, 0, 0, 255)}


def test_several_models_round_trip_with_a_pack_and_the_default_palette() -> None:
    data = write_vox([CUBE, TOWER])
    assert b"PACK" in data
    assert read_vox(data) == VoxFile(150, (CUBE, TOWER), None)
    assert validate_vox(data) == {
        "version": 150,
        "models": 2,
        "voxels": 10,
        "sizes": [[2, 2, 2], [1, 1, 3]],
        "palette": "default",
    }


def test_a_palette_longer_than_256_colours_is_cut() -> None:
    colours = [(i % 256, 0, 0, 255) for i in range(300)]
    palette = read_vox(write_vox([TOWER], colours)).palette
    assert palette is not None and len(palette) == 256


def test_version_200_scene_chunks_are_read_past() -> None:
    scene = chunk(b"nTRN", b"\x00" * 12) + chunk(b"nGRP", b"\x00" * 8, chunk(b"nSHP", b"\x00" * 4))
    assert validate_vox(vox(ONE, scene, version=200))["version"] == 200


def test_vox_is_found_by_its_type_and_first_bytes() -> None:
    data = write_vox([CUBE])
    for mime in FORMAT.mimes:
        assert for_mime(mime) is FORMAT
    assert sniff(data) is FORMAT
    assert validate_output("model/x-vox", data)["voxels"] == 8


# The rules -------------------------------------------------------------------------------


def test_a_file_that_does_not_start_vox_or_has_an_unknown_version_is_refused() -> None:
    with pytest.raises(OutputInvalid, match="no 'VOX ' header"):
        read_vox(b"VOXX" + vox(ONE)[4:])
    with pytest.raises(OutputInvalid, match="no 'VOX ' header"):
        read_vox(b"VOX ")
    with pytest.raises(OutputInvalid, match="version 151"):
        read_vox(vox(ONE, version=151))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # MAIN says its children are longer than the file.
        (vox(ONE)[:-4], "runs past its parent"),
        # MAIN ends before the file does.
        (vox(ONE) + b"\x00" * 12, "MAIN chunk ends at byte"),
        # A child chunk whose content size runs past MAIN.
        (vox(size(2, 2, 2)[:4] + struct.pack("<ii", 400, 0) + size(2, 2, 2)[12:]), "runs past its parent"),
        (vox(chunk(b"SIZE")[:4] + struct.pack("<ii", -12, 0)), "negative size"),
        (vox(ONE, b"RGBA\x00\x04"), "cut short"),
        (b"VOX " + struct.pack("<i", 150) + chunk(b"MAIN", b"\x01", ONE), "no content of its own"),
        (b"VOX " + struct.pack("<i", 150) + chunk(b"PACK", struct.pack("<i", 1)), "start with a MAIN"),
    ],
)
def test_chunk_sizes_must_add_up(data: bytes, message: str) -> None:
    with pytest.raises(OutputInvalid, match=message):
        read_vox(data)


def test_a_size_without_its_xyzi_is_refused() -> None:
    with pytest.raises(OutputInvalid, match="SIZE has no XYZI after it"):
        read_vox(vox(ONE, size(1, 1, 1)))
    with pytest.raises(OutputInvalid, match="followed at once by XYZI, not b'SIZE'"):
        read_vox(vox(size(1, 1, 1), ONE))


def test_nothing_may_come_between_a_size_and_its_xyzi() -> None:
    palette = chunk(b"RGBA", b"\x10" * 1024)
    with pytest.raises(OutputInvalid, match="followed at once by XYZI, not b'RGBA'"):
        read_vox(vox(size(2, 2, 2), palette, xyzi((0, 0, 0, 1))))


def test_an_xyzi_without_a_size_is_refused() -> None:
    with pytest.raises(OutputInvalid, match="XYZI comes without a SIZE"):
        read_vox(vox(xyzi((0, 0, 0, 1))))


@pytest.mark.parametrize(("x", "y", "z"), [(0, 1, 1), (1, 257, 1), (1, 1, -3)])
def test_a_model_size_outside_1_to_256_is_refused(x: int, y: int, z: int) -> None:
    with pytest.raises(OutputInvalid, match=r"outside 1\.\.256"):
        read_vox(vox(size(x, y, z), xyzi()))


@pytest.mark.parametrize("voxel", [(2, 0, 0, 1), (0, 2, 0, 1), (0, 0, 2, 1), (255, 255, 255, 1)])
def test_a_voxel_outside_its_model_is_refused(voxel: tuple[int, int, int, int]) -> None:
    with pytest.raises(OutputInvalid, match=r"lies outside its \(2, 2, 2\) model"):
        read_vox(vox(size(2, 2, 2), xyzi((0, 0, 0, 1), voxel)))


def test_colour_index_0_means_empty_and_is_refused() -> None:
    with pytest.raises(OutputInvalid, match="colour index 0"):
        read_vox(write_vox([VoxModel((1, 1, 1), ((0, 0, 0, 0),))]))


def test_an_xyzi_whose_count_disagrees_with_its_bytes_is_refused() -> None:
    body = struct.pack("<i", 3) + bytes((0, 0, 0, 1))
    with pytest.raises(OutputInvalid, match="says 3 voxels but holds 4 bytes"):
        read_vox(vox(size(1, 1, 1), chunk(b"XYZI", body)))
    with pytest.raises(OutputInvalid, match="XYZI is cut short"):
        read_vox(vox(size(1, 1, 1), chunk(b"XYZI", b"\x00\x00")))


@pytest.mark.parametrize("length", [1020, 1028, 0])
def test_a_palette_must_hold_exactly_256_colours(length: int) -> None:
    with pytest.raises(OutputInvalid, match="256 colours"):
        read_vox(vox(ONE, chunk(b"RGBA", b"\x20" * length)))


def test_a_palette_may_appear_only_once() -> None:
    palette = chunk(b"RGBA", b"\x20" * 1024)
    with pytest.raises(OutputInvalid, match="RGBA must appear once"):
        read_vox(vox(ONE, palette, palette))


@pytest.mark.parametrize(
    ("children", "message"),
    [
        ((chunk(b"PACK", struct.pack("<i", 3)), ONE, ONE), "PACK says 3 models but the file holds 2"),
        ((chunk(b"PACK", struct.pack("<i", 0)), ONE), "PACK says 0 models"),
        ((ONE, chunk(b"PACK", struct.pack("<i", 1))), "PACK must come first"),
        ((chunk(b"PACK", b"\x01\x00"), ONE), "hold one number"),
        ((chunk(b"PACK", struct.pack("<i", 1)), chunk(b"PACK", struct.pack("<i", 1)), ONE), "come first"),
    ],
)
def test_a_pack_must_come_first_and_count_the_models(children: tuple[bytes, ...], message: str) -> None:
    with pytest.raises(OutputInvalid, match=message):
        read_vox(vox(*children))


def test_a_file_without_a_model_is_refused() -> None:
    with pytest.raises(OutputInvalid, match="holds no model"):
        read_vox(vox(chunk(b"RGBA", b"\x20" * 1024)))


def test_chunks_the_format_does_not_define_are_refused() -> None:
    with pytest.raises(OutputInvalid, match="b'ABCD' at byte 68 is not one the format defines"):
        read_vox(vox(ONE, chunk(b"ABCD", b"1234")))


def test_a_model_chunk_with_children_is_refused() -> None:
    with pytest.raises(OutputInvalid, match="b'XYZI' must have no children"):
        read_vox(vox(size(1, 1, 1), chunk(b"XYZI", struct.pack("<i", 0), chunk(b"nTRN"))))
