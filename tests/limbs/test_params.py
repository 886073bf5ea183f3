"""limbs.params: validate_params on small hand-made specs, and the helpers limb packages
declare their parameters with (no Django)."""

from __future__ import annotations

import math

import pytest

from limbs.params import (
    ParamError,
    asset,
    boolean,
    choice,
    integer,
    kw,
    number,
    string,
    text,
    validate_params,
)
from limbs.spec import ActionSpec, ParamSpec
from tests.helpers.specs import ACTION, NEEDS_PICTURE


def _error(action: ActionSpec, raw: dict[str, object]) -> ParamError:
    with pytest.raises(ParamError) as caught:
        validate_params(action, raw)
    return caught.value


def test_defaults_are_filled_in_when_nothing_is_given() -> None:
    assert validate_params(ACTION, {}) == {"width": 512, "depth": 0.25, "style": "auto", "outline": True}


def test_none_counts_as_no_parameters() -> None:
    assert validate_params(ACTION, None) == validate_params(ACTION, {})


def test_params_without_a_default_are_left_out() -> None:
    clean = validate_params(ACTION, {})
    assert "title" not in clean
    assert "notes" not in clean


def test_given_values_replace_defaults() -> None:
    clean = validate_params(ACTION, {"width": 256, "style": "night", "outline": False})
    assert clean["width"] == 256
    assert clean["style"] == "night"
    assert clean["outline"] is False


def test_an_unknown_parameter_is_rejected_and_named() -> None:
    err = _error(ACTION, {"colour": "red"})
    assert err.field == "colour"
    assert "colour" in err.message
    assert "width" in err.message  # the allowed names are listed


def test_an_integer_below_the_minimum_names_the_field_and_the_bound() -> None:
    err = _error(ACTION, {"width": 10})
    assert err.field == "width"
    assert "Width" in err.message
    assert "64" in err.message


def test_an_integer_above_the_maximum_names_the_field_and_the_bound() -> None:
    err = _error(ACTION, {"width": 5000})
    assert err.field == "width"
    assert "1024" in err.message


def test_the_bounds_themselves_are_allowed() -> None:
    assert validate_params(ACTION, {"width": 64})["width"] == 64
    assert validate_params(ACTION, {"width": 1024})["width"] == 1024


def test_an_integer_given_as_text_is_converted() -> None:
    assert validate_params(ACTION, {"width": " 300 "})["width"] == 300


def test_a_whole_float_is_accepted_as_an_integer() -> None:
    clean = validate_params(ACTION, {"width": 300.0})
    assert clean["width"] == 300
    assert isinstance(clean["width"], int)


def test_a_fraction_is_not_an_integer() -> None:
    assert _error(ACTION, {"width": 300.5}).field == "width"
    assert _error(ACTION, {"width": "300.5"}).field == "width"


def test_words_are_not_a_number() -> None:
    err = _error(ACTION, {"width": "big"})
    assert err.field == "width"
    assert "whole number" in err.message
    assert _error(ACTION, {"depth": "deep"}).field == "depth"


def test_a_list_is_not_a_number() -> None:
    assert _error(ACTION, {"width": [1, 2]}).field == "width"


def test_true_or_false_is_not_a_number() -> None:
    assert _error(ACTION, {"width": True}).field == "width"


def test_a_number_below_its_minimum_names_the_decimal_bound() -> None:
    err = _error(ACTION, {"depth": 0.01})
    assert err.field == "depth"
    assert "0.05" in err.message


def test_a_number_given_as_text_is_converted() -> None:
    assert validate_params(ACTION, {"depth": "0.5"})["depth"] == 0.5


def test_not_a_number_is_rejected() -> None:
    assert _error(ACTION, {"depth": math.nan}).field == "depth"
    assert _error(ACTION, {"depth": "nan"}).field == "depth"


def test_infinity_is_outside_any_maximum() -> None:
    assert _error(ACTION, {"depth": math.inf}).field == "depth"


def test_infinity_is_not_a_whole_number() -> None:
    assert _error(ACTION, {"width": math.inf}).field == "width"
    assert _error(ACTION, {"width": "inf"}).field == "width"


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes", "on", True])
def test_yes_words_become_true(value: object) -> None:
    assert validate_params(ACTION, {"outline": value})["outline"] is True


@pytest.mark.parametrize("value", ["false", "False", "0", "no", "off", False])
def test_no_words_become_false(value: object) -> None:
    assert validate_params(ACTION, {"outline": value})["outline"] is False


def test_an_empty_boolean_falls_back_to_its_default() -> None:
    # An empty string counts as "not given", so the default (True) wins, not False.
    assert validate_params(ACTION, {"outline": ""})["outline"] is True


@pytest.mark.parametrize("value", ["maybe", 2, [True]])
def test_other_values_are_not_booleans(value: object) -> None:
    err = _error(ACTION, {"outline": value})
    assert err.field == "outline"
    assert "true or false" in err.message


def test_a_choice_must_be_one_of_the_listed_values() -> None:
    err = _error(ACTION, {"style": "watercolour"})
    assert err.field == "style"
    assert "auto, pixel, night" in err.message


def test_choices_are_case_sensitive() -> None:
    assert _error(ACTION, {"style": "Pixel"}).field == "style"


def test_a_string_longer_than_its_limit_is_rejected() -> None:
    err = _error(ACTION, {"title": "x" * 11})
    assert err.field == "title"
    assert "10" in err.message
    assert validate_params(ACTION, {"title": "x" * 10})["title"] == "x" * 10


def test_a_number_is_accepted_as_text() -> None:
    assert validate_params(ACTION, {"title": 42})["title"] == "42"


def test_a_list_is_not_text() -> None:
    assert _error(ACTION, {"title": ["a"]}).field == "title"


def test_a_blank_string_counts_as_not_given() -> None:
    assert "title" not in validate_params(ACTION, {"title": "   "})


def test_long_text_keeps_an_empty_value() -> None:
    assert validate_params(ACTION, {"notes": ""})["notes"] == ""


def test_a_missing_required_asset_is_rejected() -> None:
    err = _error(NEEDS_PICTURE, {})
    assert err.field == "image"
    assert "Picture is required" in err.message


def test_a_blank_required_asset_is_rejected() -> None:
    assert _error(NEEDS_PICTURE, {"image": "  "}).field == "image"


def test_an_asset_id_is_kept_without_spaces() -> None:
    assert validate_params(NEEDS_PICTURE, {"image": " a1b2 "}) == {"image": "a1b2"}


def test_an_asset_must_be_given_as_an_id_string() -> None:
    assert _error(NEEDS_PICTURE, {"image": 17}).field == "image"


def test_param_error_is_a_value_error_with_the_message() -> None:
    err = ParamError("width", "Width must be at least 64.")
    assert isinstance(err, ValueError)
    assert str(err) == "Width must be at least 64."


def test_the_helpers_make_the_specs_they_say() -> None:
    assert integer("n", "N", 3, 1, 9, "How many.") == ParamSpec(
        "n", "integer", "N", "How many.", 3, minimum=1, maximum=9
    )
    assert integer("n", "N", None, 1, 9, "How many.", required=True).required
    assert number("x", "X", 0.5, 0.0, 1.0, "How far.", step=0.1).step == 0.1
    assert choice("c", "C", ["a", "b"], "a", "Which.").choices == ("a", "b")
    assert boolean("b", "B", False, "Whether.").default is False
    assert string("s", "S", "What.").max_length == 200
    assert text("t", "T", "What.").type == "text"
    picture = asset("image", "Picture", ("image/",), "Which.")
    assert (picture.type, picture.required, picture.accepts, picture.default) == (
        "asset",
        True,
        ("image/",),
        None,
    )
    assert not asset("image", "Picture", ("image/",), "Which.", required=False).required


def test_keywords_are_written_as_one_comma_separated_string() -> None:
    assert kw("sprite, pixel art,  icon ,,") == ("sprite", "pixel art", "icon")
    assert kw("") == ()
