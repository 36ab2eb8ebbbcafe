"""The circuit breaker of remote providers, at their HTTP edge: a real local server that fails, or respx."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import httpx
import pytest

from interviews.ai import breaker, vision
from interviews.ai.breaker import CircuitBreaker, http_status_of
from interviews.ai.llm import GuardedChat, LLMError, OpenAICompatibleChat
from interviews.models import ConfigurationProblem
from tests.interviews.ai.conftest import FACES_DIR

QUESTION = [{"role": "user", "content": "Ask me one question."}]
# What llama.cpp's server answers when the prompt does not fit its context.
CONTEXT_EXCEEDED = {
    "error": {
        "code": 400,
        "message": "the request exceeds the available context size, try increasing it",
        "type": "exceed_context_size_error",
    }
}


def completion(text: str) -> dict:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1764000000,
        "model": "local",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
    }


@pytest.fixture
def guarded_llm(fake_provider, settings):
    settings.AI_BREAKER_FAILURES = 2
    settings.AI_BREAKER_COOLDOWN = 60
    return GuardedChat(OpenAICompatibleChat(base_url=fake_provider.url + "/v1", model="local", timeout=5.0))


def failed_calls(llm, times: int) -> list[LLMError]:
    errors = []
    for _ in range(times):
        with pytest.raises(LLMError) as caught:
            llm.chat(QUESTION)
        errors.append(caught.value)
    return errors


@pytest.mark.django_db
def test_a_provider_that_keeps_failing_is_skipped_after_two_failures(guarded_llm, fake_provider):
    fake_provider.answer_json({"error": {"message": "overloaded"}}, status=503)

    errors = failed_calls(guarded_llm, 5)

    assert len(fake_provider.requests) == 2  # the outage cost two requests, not five
    assert "circuit open" in str(errors[-1])
    assert ConfigurationProblem.objects.count() == 0  # an outage is not a configuration error


@pytest.mark.django_db
def test_a_success_between_failures_keeps_the_provider_in_use(guarded_llm, fake_provider):
    fake_provider.answer_json({"error": {"message": "overloaded"}}, status=503)
    failed_calls(guarded_llm, 1)
    fake_provider.answer_json(completion("What is a closure?"))
    assert guarded_llm.chat(QUESTION) == "What is a closure?"
    fake_provider.answer_json({"error": {"message": "overloaded"}}, status=503)

    failed_calls(guarded_llm, 1)

    assert not guarded_llm.breaker.is_open
    assert len(fake_provider.requests) == 3


@pytest.mark.django_db
def test_after_the_cool_down_one_call_probes_the_provider_again(guarded_llm, fake_provider, settings):
    settings.AI_BREAKER_COOLDOWN = 1
    fake_provider.answer_json({"error": {"message": "overloaded"}}, status=503)
    failed_calls(guarded_llm, 3)
    assert len(fake_provider.requests) == 2

    time.sleep(1.2)
    fake_provider.answer_json(completion("Explain a hash map."))

    assert guarded_llm.chat(QUESTION) == "Explain a hash map."
    assert len(fake_provider.requests) == 3


@pytest.mark.django_db
def test_a_failed_probe_after_the_cool_down_skips_the_provider_again_at_once(
    guarded_llm, fake_provider, settings
):
    settings.AI_BREAKER_COOLDOWN = 1
    fake_provider.answer_json({"error": {"message": "overloaded"}}, status=503)
    failed_calls(guarded_llm, 2)
    time.sleep(1.2)

    failed_calls(guarded_llm, 3)

    assert len(fake_provider.requests) == 3  # one probe, then skipped again


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "payload"),
    [
        (400, CONTEXT_EXCEEDED),
        (401, {"error": {"message": "Incorrect API key provided"}}),
        (404, {"error": {"message": "The model `llama9` does not exist"}}),
    ],
)
def test_a_permanent_error_skips_the_provider_and_is_recorded_as_a_configuration_error(
    guarded_llm, fake_provider, status, payload
):
    fake_provider.answer_json(payload, status=status)

    failed_calls(guarded_llm, 3)

    assert len(fake_provider.requests) == 1  # never asked again while it cannot succeed
    problem = ConfigurationProblem.objects.get()
    assert (problem.service, problem.backend, problem.status) == ("llm", "OpenAICompatibleChat", status)
    assert payload["error"]["message"] in problem.detail


@pytest.mark.django_db
def test_a_configuration_error_seen_again_is_counted_on_the_same_row(guarded_llm, fake_provider):
    fake_provider.answer_json(CONTEXT_EXCEEDED, status=400)
    failed_calls(guarded_llm, 1)
    guarded_llm.breaker.reset()  # e.g. another process, or after the cool-down

    failed_calls(guarded_llm, 1)

    problem = ConfigurationProblem.objects.get()
    assert problem.count == 2
    assert problem.last_seen >= problem.first_seen


@pytest.mark.django_db
def test_the_breaker_state_lives_in_the_cache_not_in_the_object(settings):
    settings.AI_BREAKER_FAILURES = 2
    for _ in range(2):
        CircuitBreaker("tts", "GTTSBackend").record_failure(LLMError("connection reset"))

    assert CircuitBreaker("tts", "GTTSBackend").is_open
    assert not CircuitBreaker("tts", "PiperTTS").is_open
    breaker.reset_all()
    assert not CircuitBreaker("tts", "GTTSBackend").is_open


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="the in-memory cache is per process: needs REDIS_URL"
)
def test_a_breaker_opened_in_one_process_is_open_in_another(settings):
    settings.AI_BREAKER_FAILURES = 1
    CircuitBreaker("stt", "GoogleSTT").record_failure(LLMError("connection reset"))
    check = (
        "import django; django.setup(); from interviews.ai.breaker import CircuitBreaker; "
        "print(CircuitBreaker('stt', 'GoogleSTT').is_open)"
    )

    other = subprocess.run(
        [sys.executable, "-c", check],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "interbot_site.test_settings"},
        timeout=60,
        check=True,
    )

    assert other.stdout.strip().splitlines()[-1] == "True"


def test_the_http_status_is_found_behind_the_service_error():
    request = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")
    response = httpx.Response(401, request=request)
    try:
        try:
            response.raise_for_status()
        except httpx.HTTPStatusError as http_error:
            raise LLMError("chat refused") from http_error
    except LLMError as error:
        assert http_status_of(error) == 401
    assert http_status_of(LLMError("connection refused")) is None


# --------------------------------------------------------------------------- STT, TTS, vision: call_with_fallback


@pytest.mark.slow
@pytest.mark.django_db
def test_a_remote_vision_provider_that_is_down_is_skipped_while_the_embedded_one_answers(
    ai_services, settings
):
    import respx

    settings.AI_BREAKER_FAILURES = 2
    ai_services(
        "vision",
        backend="interviews.ai.vision.HFVision",
        fallback="interviews.ai.vision.FERVision",
        token="hf_test",
    )
    with respx.mock(assert_all_called=False) as router:
        route = router.route(host__regex=r".*huggingface\.co").mock(
            side_effect=httpx.ConnectError("connection refused")
        )
        results = [vision.analyse_image(str(FACES_DIR / "happy" / "astronaut.png")) for _ in range(4)]

    assert all(result.fell_back and result.backend == "FERVision" for result in results)
    assert [result.value.label for result in results] == ["happy"] * 4
    assert route.call_count == 2  # two failures, then skipped for the cool-down
    assert "unreachable" in results[0].notices[0] and "unavailable" in results[-1].notices[0]


def test_the_request_asks_for_json_of_the_schema(fake_provider):
    from interviews.services.grading import LLMVerdict

    fake_provider.answer_json(completion('{"verdict": "correct", "score": 1}'))
    llm = OpenAICompatibleChat(base_url=fake_provider.url + "/v1", model="local", timeout=5.0)

    llm.chat(QUESTION, schema=LLMVerdict)

    sent = json.loads(fake_provider.requests[0][1])
    assert sent["response_format"]["type"] == "json_schema"
    schema = sent["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["verdict"]["enum"] == ["correct", "partial", "incorrect"]
    assert set(schema["required"]) >= {"verdict", "score"}
