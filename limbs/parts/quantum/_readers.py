"""Reading the files both quantum actions look inside: GLB models and PCM WAV sounds."""

from __future__ import annotations

import io
import json
import struct
import wave
from typing import Any

import numpy as np
import numpy.typing as npt

from limbs.spec import GeneratorInputError

F64 = npt.NDArray[np.float64]


def glb_parts(data: bytes) -> tuple[dict[str, Any], bytes]:
    if len(data) < 20 or data[:4] != b"glTF":
        raise ValueError("not a GLB")
    json_len = struct.unpack_from("<I", data, 12)[0]
    doc: dict[str, Any] = json.loads(data[20 : 20 + json_len])
    start = 20 + json_len
    binary = b""
    if start + 8 <= len(data):
        bin_len = struct.unpack_from("<I", data, start)[0]
        binary = data[start + 8 : start + 8 + bin_len]
    return doc, binary


_DTYPES = {5120: "i1", 5121: "u1", 5122: "<i2", 5123: "<u2", 5125: "<u4", 5126: "<f4"}
_WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}


def accessor_location(doc: dict[str, Any], index: int) -> tuple[int, int, int, np.dtype[Any], int]:
    """(byte offset in BIN, element stride, count, dtype, width) of a buffer-0 accessor."""
    acc = doc["accessors"][index]
    view = doc["bufferViews"][acc["bufferView"]]
    dtype = np.dtype(_DTYPES[acc["componentType"]])
    width = _WIDTH[acc["type"]]
    stride = view.get("byteStride", dtype.itemsize * width)
    return view.get("byteOffset", 0) + acc.get("byteOffset", 0), stride, acc["count"], dtype, width


def read_accessor(doc: dict[str, Any], binary: bytes, index: int) -> F64:
    offset, stride, count, dtype, width = accessor_location(doc, index)
    if stride == dtype.itemsize * width:
        flat = np.frombuffer(binary, dtype=dtype, count=count * width, offset=offset)
        return flat.astype(np.float64).reshape(count, width)
    rows = [np.frombuffer(binary, dtype=dtype, count=width, offset=offset + i * stride) for i in range(count)]
    return np.array(rows, dtype=np.float64).reshape(count, width)


def read_wav(data: bytes, field: str) -> tuple[F64, int, int]:
    """Samples in -1..1 shaped (frames, channels), the sample rate and the channel count."""
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            channels, width, rate, frames = (
                w.getnchannels(),
                w.getsampwidth(),
                w.getframerate(),
                w.getnframes(),
            )
            raw = w.readframes(frames)
    except (wave.Error, EOFError) as exc:
        raise GeneratorInputError(field, "That sound could not be read; please use a PCM WAV file.") from exc
    if width == 1:
        samples = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    elif width == 2:
        samples = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    elif width == 4:
        samples = np.frombuffer(raw, dtype="<i4").astype(np.float64) / 2147483648.0
    else:
        raise GeneratorInputError(field, "Please use an 8, 16 or 32-bit PCM WAV file.")
    return samples.reshape(-1, channels), rate, channels
