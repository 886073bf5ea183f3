"""What the picture formats share: how sure a valid picture is a real answer, and signatures."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def picture_confidence(data: bytes) -> float:
    """The share of visible structure in a picture, 0..1.

    Models fail in ways a format check cannot see: a blank or single-colour picture is a
    valid file. The score is the luminance spread, penalised when one colour covers almost
    everything.
    """
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.draft("RGB", (64, 64))
            small = im.convert("RGB").resize((64, 64))
    except Exception:
        return 0.0
    rgb = np.asarray(small, dtype=np.int32).reshape(-1, 3)
    spread = float((rgb @ np.array([0.299, 0.587, 0.114])).std())
    buckets = (rgb[:, 0] >> 3) << 10 | (rgb[:, 1] >> 3) << 5 | (rgb[:, 2] >> 3)
    dominant = float(np.bincount(buckets).max()) / len(buckets)
    score = min(1.0, spread / 48.0) * (1.0 - max(0.0, dominant - 0.8) * 5.0)
    return round(max(0.0, min(1.0, score)), 3)
