"""The Cloudflare Workers AI client and image adapter against the fake, healthy and faulty."""

from __future__ import annotations

import base64

import pytest

from limbs.fakes import content
from limbs.formats.png import validate_png
from limbs.providers.cloudflare import IMAGE_MODEL, CloudflareClient, CloudflareProvider
from limbs.providers.errors import ProviderError
from limbs.spec import GenRequest
from tests.providers.conftest import STALL_DEADLINE_S, FaultCase, fault_ids

TEXT_MODEL = "@cf/meta/llama-3.1-8b-instruct"
PROMPT = "a red dragon sleeping on gold"

# fault, options, expected kind, expected retry_after
RUN_FAULTS: list[FaultCase] = [
    ("500", {}, "http_5xx", None),
    ("429", {"retry_after": 3}, "rate_limited", 3.0),
    ("cf_4006", {}, "quota_exhausted", None),
    ("refused", {}, "refused", None),
    ("stall", {}, "stalled", None),
    ("cut", {}, "malformed", None),
    ("malformed", {}, "malformed", None),
]
STREAM_FAULTS: list[FaultCase] = [
    *RUN_FAULTS,
    ("cut", {"clean": True}, "malformed", None),
    ("invalid_payload", {}, "invalid_payload", None),
]


def test_a_healthy_run_returns_the_result_object(cf_client, cf_fake):
    result = cf_client.run(TEXT_MODEL, {"prompt": PROMPT}, 2.0)
    assert result["response"] == content.text(PROMPT)
    sent = cf_fake.requests[-1]
    assert sent.path == f"/client/v4/accounts/fake-account/ai/run/{TEXT_MODEL}"
    assert sent.headers["authorization"] == "Bearer fake-token"
    assert sent.json() == {"prompt": PROMPT}


def test_a_healthy_stream_yields_every_token_in_order(cf_client, cf_fake):
    tokens = list(cf_client.stream(TEXT_MODEL, {"prompt": PROMPT}, 2.0))
    assert tokens == content.tokens(PROMPT)
    assert cf_fake.requests[-1].json() == {"prompt": PROMPT, "stream": True}


def test_a_healthy_image_run_carries_a_decodable_jpeg(cf_client):
    result = cf_client.run(IMAGE_MODEL, {"prompt": PROMPT, "steps": 4}, 2.0)
    assert base64.b64decode(result["image"]).startswith(b"\xff\xd8\xff")


async def test_the_async_twins_answer_like_the_sync_ones(cf_client, apool):
    result = await cf_client.arun(TEXT_MODEL, {"prompt": PROMPT}, 2.0)
    tokens = [t async for t in cf_client.astream(TEXT_MODEL, {"prompt": PROMPT}, 2.0)]
    assert result["response"] == "".join(tokens) == content.text(PROMPT)


@pytest.mark.parametrize(("fault", "opts", "kind", "retry_after"), RUN_FAULTS, ids=fault_ids(RUN_FAULTS))
def test_a_faulty_run_raises_the_matching_kind(cf_client, cf_fake, fault, opts, kind, retry_after):
    cf_fake.set_fault(fault, **opts)
    with pytest.raises(ProviderError) as caught:
        cf_client.run(TEXT_MODEL, {"prompt": PROMPT}, STALL_DEADLINE_S)
    assert (caught.value.provider, caught.value.model, caught.value.kind) == ("cloudflare", TEXT_MODEL, kind)
    assert caught.value.retry_after == retry_after


@pytest.mark.parametrize(("fault", "opts", "kind", "retry_after"), RUN_FAULTS, ids=fault_ids(RUN_FAULTS))
async def test_a_faulty_async_run_raises_the_matching_kind(
    cf_client, cf_fake, apool, fault, opts, kind, retry_after
):
    cf_fake.set_fault(fault, **opts)
    with pytest.raises(ProviderError) as caught:
        await cf_client.arun(TEXT_MODEL, {"prompt": PROMPT}, STALL_DEADLINE_S)
    assert caught.value.kind == kind
    assert caught.value.retry_after == retry_after


@pytest.mark.parametrize(
    ("fault", "opts", "kind", "retry_after"), STREAM_FAULTS, ids=fault_ids(STREAM_FAULTS)
)
def test_a_faulty_stream_raises_the_matching_kind(cf_client, cf_fake, fault, opts, kind, retry_after):
    cf_fake.set_fault(fault, **opts)
    received: list[str] = []
    with pytest.raises(ProviderError) as caught:
        for token in cf_client.stream(TEXT_MODEL, {"prompt": PROMPT}, STALL_DEADLINE_S):
            received.append(token)
    assert caught.value.kind == kind
    assert caught.value.retry_after == retry_after
    assert caught.value.bytes_sent_to_client == bool(received)
    assert received == content.tokens(PROMPT)[: len(received)]


@pytest.mark.parametrize(
    ("fault", "opts", "kind", "retry_after"), STREAM_FAULTS, ids=fault_ids(STREAM_FAULTS)
)
async def test_a_faulty_async_stream_raises_the_matching_kind(
    cf_client, cf_fake, apool, fault, opts, kind, retry_after
):
    cf_fake.set_fault(fault, **opts)
    received: list[str] = []
    with pytest.raises(ProviderError) as caught:
        async for token in cf_client.astream(TEXT_MODEL, {"prompt": PROMPT}, STALL_DEADLINE_S):
            received.append(token)
    assert caught.value.kind == kind
    assert caught.value.bytes_sent_to_client == bool(received)


def test_a_stream_cut_after_two_tokens_says_tokens_already_reached_the_client(cf_client, cf_fake):
    cf_fake.set_fault("cut", tokens=2)
    received: list[str] = []
    with pytest.raises(ProviderError) as caught:
        received.extend(cf_client.stream(TEXT_MODEL, {"prompt": PROMPT}, 2.0))
    assert caught.value.bytes_sent_to_client is True
    assert caught.value.kind == "malformed"


def test_a_stream_failing_before_any_token_says_nothing_reached_the_client(cf_client, cf_fake):
    cf_fake.set_fault("500")
    with pytest.raises(ProviderError) as caught:
        list(cf_client.stream(TEXT_MODEL, {"prompt": PROMPT}, 2.0))
    assert caught.value.bytes_sent_to_client is False
    assert caught.value.status == 500


def test_a_wrong_token_is_an_auth_error(cf_fake):
    cf_fake.credential = "fake-token"
    client = CloudflareClient("fake-account", "wrong-token", cf_fake.url)
    with pytest.raises(ProviderError) as caught:
        client.run(TEXT_MODEL, {"prompt": PROMPT}, 2.0)
    assert (caught.value.kind, caught.value.status) == ("auth", 401)


# --- the image.generate adapter -------------------------------------------------------


def _request(**params: object) -> GenRequest:
    return GenRequest(
        intent=PROMPT,
        params={"width": 96, "height": 64, "style": "pixel", **params},
        seed=2**40 + 5,
        tension="high",
    )


def test_the_adapter_returns_a_png_of_exactly_the_requested_size(cf_settings):
    result = CloudflareProvider().run("image", "generate", _request(), 2.0)
    assert result.model == IMAGE_MODEL
    (output,) = result.outputs
    assert validate_png(output.data, width=96, height=64)
    assert (output.mime, output.role, output.name) == ("image/png", "main", "red-dragon-gold.png")
    assert dict(output.meta) == {"width": 96, "height": 64, "source": "cloudflare"}


def test_the_adapter_asks_flux_with_the_style_steps_and_seed(cf_settings):
    CloudflareProvider().run("image", "generate", _request(), 2.0)
    sent = cf_settings.requests[-1]
    assert sent.path.endswith("/ai/run/@cf/black-forest-labs/flux-1-schnell")
    assert sent.json() == {
        "prompt": f"{PROMPT}, pixel art, 16-bit game sprite style",
        "steps": 8,
        "seed": 5,
    }


def test_the_adapter_uses_the_model_it_is_given(cf_settings):
    result = CloudflareProvider().run(
        "image", "generate", _request(), 2.0, model="@cf/lykon/dreamshaper-8-lcm"
    )
    assert result.model == "@cf/lykon/dreamshaper-8-lcm"
    assert cf_settings.requests[-1].path.endswith("/@cf/lykon/dreamshaper-8-lcm")


def test_the_adapter_turns_a_non_image_into_invalid_payload(cf_settings):
    cf_settings.set_fault("invalid_payload")
    with pytest.raises(ProviderError) as caught:
        CloudflareProvider().run("image", "generate", _request(), 2.0)
    assert caught.value.kind == "invalid_payload"


def test_the_adapter_detects_a_stall_within_its_deadline(cf_settings):
    cf_settings.set_fault("stall")
    with pytest.raises(ProviderError) as caught:
        CloudflareProvider().run("image", "generate", _request(), STALL_DEADLINE_S)
    assert caught.value.kind == "stalled"


def test_it_offers_only_image_generate():
    provider = CloudflareProvider()
    assert provider.supports("image", "generate")
    assert not provider.supports("image", "sprite")
    assert provider.default_model("image", "generate") == IMAGE_MODEL
    assert provider.default_model("mesh", "text_to_3d") is None


def test_it_is_configured_from_settings(cf_settings):
    assert CloudflareProvider().configured()


@pytest.mark.parametrize("missing", ["POG_CLOUDFLARE_ACCOUNT_ID", "POG_CLOUDFLARE_API_TOKEN"])
def test_without_an_account_or_token_it_is_not_configured_and_calls_nobody(cf_settings, settings, missing):
    setattr(settings, missing, "")
    assert CloudflareProvider().configured() is False
    assert cf_settings.request_count == 0


def test_settings_the_lead_has_not_added_yet_mean_not_configured(settings):
    del settings.POG_CLOUDFLARE_ACCOUNT_ID
    del settings.POG_CLOUDFLARE_API_TOKEN
    assert CloudflareProvider().configured() is False
