"""limbs.formats.zip against a real zip bomb: refused at the first chunk past its budgets,
counted in bytes actually inflated (not time)."""

from __future__ import annotations

import pytest

from limbs.formats import OutputInvalid
from limbs.formats.zip import RATIO_GRACE_BYTES, validate_zip
from tests.relics.bombs import MIB, bomb, counting, lying


def test_the_194_kb_bomb_is_refused_before_it_inflates() -> None:
    data = bomb()
    assert len(data) < 400_000  # about 190 KB that would inflate to 190 MB
    with pytest.raises(OutputInvalid, match="bomb"):
        validate_zip(data)


def test_a_bomb_whose_header_lies_about_its_ratio_stops_at_the_ratio_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = lying(bomb(), 150 * MIB)  # the header says 150 MB compressed: a harmless-looking ratio
    with counting(monkeypatch) as inflated, pytest.raises(OutputInvalid, match="bomb"):
        validate_zip(data, max_ratio=50)
    # The archive is ~190 KB, so 50 times that (plus the grace and one chunk) is all it may inflate.
    assert inflated.bytes <= max(RATIO_GRACE_BYTES, 50 * len(data)) + 64 * 1024
    assert inflated.bytes < 190 * MIB // 10


def test_many_small_entries_add_up_against_one_ratio_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(40):
            archive.writestr(f"part{i}.bin", bytes(900 * 1024))  # each under the per-entry grace
    with counting(monkeypatch) as inflated, pytest.raises(OutputInvalid, match="bomb"):
        validate_zip(buf.getvalue(), max_ratio=20)
    assert inflated.bytes < 40 * 900 * 1024 // 2
