"""No 500 on any input: text no database stores and integers outside 64 bits are a 422
naming the field, in JSON bodies, query strings, paths and page forms, and nothing is stored."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from accounts.models import Membership, Team, User
from limbs.models import Project
from pog_site.inputs import INT64_MAX, INT64_MIN
from tests.helpers.api import counts, post_handle

pytestmark = pytest.mark.django_db

TOO_BIG = 2**63
TOO_SMALL = -(2**63) - 1


def _post_raw(client: Client, url: str, body: str) -> Any:
    return client.post(url, data=body, content_type="application/json")


def _refused(response: Any, field: str, code: str | None = None) -> None:
    """A 422 naming ``field`` (and with ``code``; integers in JSON bodies are refused by
    their schema, with the schema's own message)."""
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["field"] == field, error
    if code is not None:
        assert error["code"] == code, error


@pytest.mark.parametrize("text", ["\\ud800", "a\\udfffb", "a\\u0000b"])
def test_a_lone_surrogate_or_nul_in_the_intent_is_a_422_and_nothing_is_stored(
    alice_api: Client, text: str
) -> None:
    before = counts()
    body = '{"action": "generate", "intent": "' + text + '", "seed": 3, "wait": true}'
    _refused(_post_raw(alice_api, "/api/handle/image", body), "intent", "invalid_text")
    assert counts() == before


def test_a_surrogate_pair_is_ordinary_text(alice_api: Client) -> None:
    # "\ud83d\udc09" is one character (a dragon), not a lone surrogate.
    response = post_handle(alice_api, "image", action="generate", intent="a \U0001f409 dragon")
    assert response.status_code in (200, 202), response.content
    assert response.json()["intent"] == "a \U0001f409 dragon"


def test_a_lone_surrogate_in_a_fork_name_is_a_422(alice_api: Client) -> None:
    url = f"/api/relics/caches/{'a' * 64}/entries/items/1/fork"
    _refused(_post_raw(alice_api, url, '{"name": "\\ud800"}'), "name", "invalid_text")


def test_bad_text_deep_in_params_names_its_path(alice_api: Client) -> None:
    body = '{"action": "generate", "intent": "x", "params": {"style": ["ok", "\\udc00"]}}'
    _refused(_post_raw(alice_api, "/api/handle/image", body), "params.style.1", "invalid_text")


def test_a_bad_key_is_refused_without_repeating_it(alice_api: Client) -> None:
    body = '{"action": "generate", "intent": "x", "params": {"\\ud800": 1}}'
    _refused(_post_raw(alice_api, "/api/handle/image", body), "params.(a key)", "invalid_text")


@pytest.mark.parametrize("body", ['{"intent": NaN}', '{"intent": Infinity}', "[1, 2]", "{"])
def test_what_is_not_a_json_object_is_a_clear_error(alice_api: Client, body: str) -> None:
    response = _post_raw(alice_api, "/api/handle/image", body)
    assert response.status_code in (400, 422), response.content
    assert response.json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("value", [TOO_BIG, TOO_SMALL, 10**40])
@pytest.mark.parametrize("name", ["offset", "limit"])
def test_paging_numbers_beyond_64_bits_are_a_422(alice_api: Client, name: str, value: int) -> None:
    _refused(alice_api.get(f"/api/assets?{name}={value}"), name, "out_of_range")


@pytest.mark.parametrize("name", ["offset", "limit"])
def test_paging_at_the_64_bit_edges_answers(alice_api: Client, name: str) -> None:
    for value in (INT64_MAX, INT64_MIN):
        response = alice_api.get(f"/api/assets?{name}={value}")
        assert response.status_code == 200, response.content


def test_team_and_user_ids_beyond_64_bits_are_a_422(alice: User, alice_api: Client) -> None:
    team = Team.objects.create(name="Crew", slug="crew")
    Membership.objects.create(team=team, user=alice, role=Membership.Role.OWNER)
    _refused(alice_api.get(f"/api/teams/{TOO_BIG}/members"), "team_id", "out_of_range")
    url = f"/api/teams/{team.pk}/members/{TOO_BIG}"
    response = alice_api.put(url, data=json.dumps({"role": "editor"}), content_type="application/json")
    _refused(response, "user_id", "out_of_range")
    _refused(alice_api.delete(f"/api/tokens/{TOO_BIG}"), "token_id", "out_of_range")
    body = json.dumps({"name": "p", "team": TOO_BIG})
    _refused(_post_raw(alice_api, "/api/projects", body), "team")
    assert not Project.objects.exists()


@pytest.mark.parametrize("seed", [TOO_BIG, 10**30])
def test_a_seed_beyond_64_bits_is_a_422(alice_api: Client, seed: int) -> None:
    before = counts()
    response = post_handle(alice_api, "image", action="generate", intent="x", seed=seed)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["field"] == "seed"
    assert counts() == before


def test_a_nul_in_a_query_string_or_path_is_a_422(alice_api: Client) -> None:
    _refused(alice_api.get("/api/relics/match?name=a%00b"), "name", "invalid_text")
    _refused(alice_api.get("/api/relics/caches/ab%00cd"), "path", "invalid_text")


def test_pages_refuse_bad_numbers_and_text_with_a_friendly_422(alice: User) -> None:
    browser = Client()
    browser.force_login(alice)
    for url in (f"/teams/{TOO_BIG}/", "/relics/?q=%00", f"/assets/?kind=x&page={TOO_BIG}"):
        response = browser.get(url)
        assert response.status_code == 422, (url, response.status_code)
        assert b"did not read right" in response.content
        assert b"Traceback" not in response.content


def test_a_page_form_with_a_nul_in_the_intent_stores_nothing(alice: User) -> None:
    browser = Client()
    browser.force_login(alice)
    before = counts()
    form = {"action": "generate", "intent": "a\x00b"}
    # Url-encoded (refused before the view) and multipart (refused by the request path).
    encoded = browser.post("/limbs/image/generate", urlencode(form), "application/x-www-form-urlencoded")
    assert encoded.status_code == 422
    multipart = browser.post("/limbs/image/generate", form)
    assert multipart.status_code == 422
    assert b"NUL" in multipart.content
    assert counts() == before


def test_token_scopes_must_not_be_empty_in_the_schema_too(alice_api: Client) -> None:
    schema = Client().get("/api/openapi.json").json()
    scopes = schema["components"]["schemas"]["TokenIn"]["properties"]["scopes"]
    assert scopes["minItems"] == 1
    assert scopes["items"]["enum"] == ["read", "generate"]


def test_every_integer_the_api_takes_is_bounded_to_64_bits() -> None:
    schema = Client().get("/api/openapi.json").json()
    unbounded: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                name = node["$ref"].rsplit("/", 1)[-1]
                walk(schema["components"]["schemas"][name], f"{where}->{name}")
                return
            if node.get("type") == "integer":
                low, high = node.get("minimum"), node.get("maximum")
                if low is None or high is None or low < INT64_MIN or high > INT64_MAX:
                    unbounded.append(where)
            for key, value in node.items():
                if key != "$ref":
                    walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            for parameter in operation.get("parameters", []):
                walk(parameter["schema"], f"{method} {path} {parameter['name']}")
            for content in operation.get("requestBody", {}).get("content", {}).values():
                walk(content["schema"], f"{method} {path} body")
    assert unbounded == []


def test_a_text_parameter_of_the_api_may_hold_many_digits(alice_api: Client) -> None:
    # Found by schemathesis: a sha256 or an upload id made of 30 digits was refused as a number
    # "outside 64 bits"; in the API only the parameters typed as whole numbers are numbers.
    digits = "9" * 30
    assert alice_api.get(f"/api/relics/uploads/{digits}").status_code == 404
    assert alice_api.get(f"/api/relics/caches/{digits}/entries/tiles/0").status_code == 404
    _refused(alice_api.get(f"/api/assets?offset={TOO_BIG}"), "offset", "out_of_range")


def test_the_match_kind_is_one_of_the_kinds_the_schema_lists(alice_api: Client) -> None:
    # Found by schemathesis: any kind was accepted although the schema lists the kinds.
    _refused(alice_api.get("/api/relics/match?name=x&kind=nonsense"), "kind", "bad_kind")
    assert alice_api.get("/api/relics/match?name=x&kind=items").status_code == 200


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        # Found by schemathesis: ``true`` was taken as the whole number 1.
        ("/api/tokens", {"expires_in_days": True}, "expires_in_days"),
        ("/api/handle/image", {"action": "generate", "intent": "x", "seed": False}, "seed"),
        ("/api/metabolism", {"version": True}, "version"),
    ],
)
def test_true_or_false_is_not_a_number(alice_api: Client, url: str, body: dict[str, Any], field: str) -> None:
    from accounts.models import ApiToken

    before = counts(), ApiToken.objects.count()
    method = alice_api.patch if url == "/api/metabolism" else alice_api.post
    response = method(url, data=json.dumps(body), content_type="application/json")
    _refused(response, field)
    assert "not true or false" in response.json()["error"]["message"]
    assert (counts(), ApiToken.objects.count()) == before


def test_a_number_or_a_word_is_not_true_or_false(alice_api: Client) -> None:
    for value in (1, "yes", "true"):
        response = _post_raw(alice_api, "/api/relics/caches/abc/publish", json.dumps({"public": value}))
        _refused(response, "public")


def test_a_whole_number_written_with_a_point_is_still_a_whole_number(alice_api: Client) -> None:
    # JSON Schema's "integer" admits 148.0; refusing it would be a schema violation.
    response = _post_raw(alice_api, "/api/tokens", json.dumps({"expires_in_days": 148.0}))
    assert response.status_code in (200, 201), response.content


def test_every_metered_operation_says_it_may_answer_429() -> None:
    # Found by schemathesis: reads are metered per address, so a public read such as
    # /api/provenance/key can answer 429; the schema has to say so.
    from django.conf import settings

    schema = Client().get("/api/openapi.json").json()
    silent = [
        f"{method} {path}"
        for path, methods in schema["paths"].items()
        if not any(path.startswith(p) for p in settings.POG_READS_EXEMPT)
        for method, operation in methods.items()
        if "429" not in operation["responses"]
    ]
    assert silent == []
