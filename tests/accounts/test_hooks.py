"""Accounts asks the limbs app through hooks it fills in at start-up, and says so when none is set."""

from __future__ import annotations

import pytest

from accounts import hooks
from accounts.metabolism import MetabolismInvalid, clean_changes
from accounts.models import User


def test_the_limbs_app_hands_over_its_catalogue_at_start_up() -> None:
    catalog = hooks.limb_catalog()
    image = catalog.get("image")
    assert image is not None and image.id == "image"
    assert catalog.get("no-such-limb") is None
    action = image.default_action.id
    assert isinstance(catalog.clean_params("image", action, {}), dict)  # defaults filled in
    with pytest.raises(hooks.ParamsInvalid) as caught:
        catalog.clean_params("image", action, {"nonsense": 1})
    assert caught.value.field == "nonsense"


def test_a_refused_setting_names_the_setting() -> None:
    with pytest.raises(MetabolismInvalid) as caught:
        clean_changes({"macros": [{"name": "m", "limb": "image", "params": {"nonsense": 1}}]})
    assert caught.value.field == "macros.0.params.nonsense"


def test_every_default_model_belongs_to_a_limb_of_the_catalogue() -> None:
    catalog = hooks.limb_catalog()
    models = list(catalog.default_models())
    assert models
    assert all(catalog.get(m.limb.id) is m.limb and m.model for m in models)


@pytest.mark.django_db
def test_the_team_page_asks_the_limbs_app_for_the_teams_work(alice: User) -> None:
    from accounts.teams import create_team

    work = hooks.team_work(create_team(alice, "Moon"))
    assert set(work) == {"projects", "assets"}
    assert not work["projects"] and not work["assets"]


def test_without_a_catalogue_accounts_says_so_instead_of_refusing_every_limb(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hooks, "_catalog", None)
    with pytest.raises(RuntimeError, match="limb catalogue"):
        hooks.limb_catalog()
