"""LLM clients at their HTTP boundary: an OpenAI-compatible fake server on 127.0.0.1, and HF's router via respx."""

from __future__ import annotations

import json
import time

import httpx
import pytest
import respx
from pydantic import BaseModel

from interviews.ai import llm
from interviews.ai.llm import ChatModel, HuggingFaceChat, LLMError, OpenAICompatibleChat

HF_CHAT = "https://router.huggingface.co/v1/chat/completions"
QUESTION = [
    {"role": "system", "content": "You are an interviewer."},
    {"role": "user", "content": "Ask me one question."},
]


def completion(text: str) -> dict:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1764000000,
        "model": "llama3",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21},
    }


def test_no_llm_is_configured_by_default(ai_services):
    ai_services("llm", backend="")

    assert llm.get_llm() is None


def test_the_configured_llm_is_built_from_settings(ai_services, fake_provider):
    ai_services(
        "llm",
        backend="interviews.ai.llm.OpenAICompatibleChat",
        base_url=fake_provider.url + "/v1",
        model="llama3",
    )

    chat_model = llm.get_llm()

    assert isinstance(chat_model, llm.GuardedChat)  # behind the breaker and the turn budget
    assert isinstance(chat_model.backend, OpenAICompatibleChat)
    assert isinstance(chat_model, ChatModel)
    assert chat_model.backend is llm.get_llm().backend  # built once


# --------------------------------------------------------------------------- OpenAI-compatible server


def test_openai_compatible_answer_is_returned_and_the_request_is_well_formed(fake_provider):
    fake_provider.answer_json(completion("  What is a Python generator?  "))
    chat_model = OpenAICompatibleChat(base_url=fake_provider.url + "/v1", model="llama3", timeout=5.0)

    answer = chat_model.chat(QUESTION, max_tokens=64, temperature=0.0)

    assert answer == "What is a Python generator?"
    path, body, headers = fake_provider.requests[0]
    sent = json.loads(body)
    assert path == "/v1/chat/completions"
    assert sent["model"] == "llama3" and sent["messages"] == QUESTION
    assert sent["max_tokens"] == 64 and sent["temperature"] == 0.0
    assert headers["Authorization"] == "Bearer not-needed"


def test_openai_compatible_server_error_is_an_llm_error(fake_provider):
    fake_provider.answer_json({"error": {"message": "model crashed"}}, status=500)
    chat_model = OpenAICompatibleChat(base_url=fake_provider.url + "/v1", model="llama3", timeout=5.0)

    with pytest.raises(LLMError) as caught:
        chat_model.chat(QUESTION)

    assert caught.value.user_message == "The AI service refused the request."
    assert len(fake_provider.requests) == 1  # no silent retries: the caller decides what to do


def test_openai_compatible_server_that_hangs_times_out_as_an_llm_error(fake_provider):
    fake_provider.answer_json(completion("too late"), delay=3.0)
    chat_model = OpenAICompatibleChat(base_url=fake_provider.url + "/v1", model="llama3", timeout=0.5)

    started = time.perf_counter()
    with pytest.raises(LLMError) as caught:
        chat_model.chat(QUESTION)

    assert time.perf_counter() - started < 2.5
    assert "took too long" in caught.value.user_message


def test_openai_compatible_server_that_is_down_is_an_llm_error(fake_provider):
    url = fake_provider.url
    fake_provider.server.shutdown()
    fake_provider.server.server_close()
    chat_model = OpenAICompatibleChat(base_url=url + "/v1", model="llama3", timeout=2.0)

    with pytest.raises(LLMError) as caught:
        chat_model.chat(QUESTION)

    assert caught.value.user_message == "The AI service is unreachable."


def test_an_empty_answer_is_an_llm_error_not_an_empty_question(fake_provider):
    fake_provider.answer_json(completion(""))
    chat_model = OpenAICompatibleChat(base_url=fake_provider.url + "/v1", model="llama3", timeout=5.0)

    with pytest.raises(LLMError):
        chat_model.chat(QUESTION)


# --------------------------------------------------------------------------- Hugging Face router


def test_hugging_face_chat_answer_is_returned():
    with respx.mock() as router:
        route = router.post(HF_CHAT).mock(
            return_value=httpx.Response(200, json=completion("Explain big-O notation."))
        )

        answer = HuggingFaceChat(token="hf_test", timeout=5.0).chat(QUESTION, max_tokens=32)

    assert answer == "Explain big-O notation."
    sent = json.loads(route.calls.last.request.content)
    assert sent["model"] == "meta-llama/Meta-Llama-3-8B-Instruct"
    assert sent["max_tokens"] == 32
    assert route.calls.last.request.headers["authorization"] == "Bearer hf_test"


def test_hugging_face_chat_server_error_is_an_llm_error():
    with respx.mock() as router:
        router.post(HF_CHAT).mock(return_value=httpx.Response(503, json={"error": "Model is loading"}))

        with pytest.raises(LLMError) as caught:
            HuggingFaceChat(token="hf_test").chat(QUESTION)

    assert caught.value.user_message == "The online AI service is unreachable."


def test_hugging_face_chat_timeout_is_an_llm_error():
    with respx.mock() as router:
        router.post(HF_CHAT).mock(side_effect=httpx.ReadTimeout("timed out"))

        with pytest.raises(LLMError):
            HuggingFaceChat(token="hf_test", timeout=0.5).chat(QUESTION)


def test_hugging_face_chat_can_target_a_self_hosted_endpoint(fake_provider):
    fake_provider.answer_json(completion("Describe a hash map."))

    answer = HuggingFaceChat(base_url=fake_provider.url, timeout=5.0).chat(QUESTION)

    assert answer == "Describe a hash map."
    assert fake_provider.requests[0][0].endswith("/chat/completions")


# --------------------------------------------------------------------------- structured output


class Verdict(BaseModel):
    verdict: str
    score: float


def test_hugging_face_chat_asks_tgi_for_json_of_the_schema():
    with respx.mock() as router:
        route = router.post(HF_CHAT).mock(
            return_value=httpx.Response(200, json=completion('{"verdict": "correct", "score": 1}'))
        )

        HuggingFaceChat(token="hf_test", timeout=5.0).chat(QUESTION, schema=Verdict)

    sent = json.loads(route.calls.last.request.content)
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["schema"]["required"] == ["verdict", "score"]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("json_schema", "json_schema"), ("json_object", "json_object"), ("none", None)],
)
def test_the_structured_output_setting_picks_what_the_server_is_asked(fake_provider, mode, expected):
    fake_provider.answer_json(completion('{"verdict": "correct", "score": 1}'))
    chat_model = OpenAICompatibleChat(
        base_url=fake_provider.url + "/v1", model="llama3", timeout=5.0, structured_output=mode
    )

    chat_model.chat(QUESTION, schema=Verdict)
    chat_model.chat(QUESTION)  # no schema: plain text asked for

    with_schema, without = (json.loads(body) for _, body, _ in fake_provider.requests)
    assert (with_schema.get("response_format") or {}).get("type") == expected
    assert "response_format" not in without


def test_an_unknown_structured_output_setting_is_refused():
    with pytest.raises(LLMError):
        OpenAICompatibleChat(base_url="http://127.0.0.1:9/v1", model="m", structured_output="xml")


def test_past_the_turn_budget_the_caller_stops_waiting_and_the_late_reply_is_dropped(fake_provider):
    fake_provider.answer_json(completion("a late question"), delay=2.0)
    guarded = llm.GuardedChat(
        OpenAICompatibleChat(base_url=fake_provider.url + "/v1", model="m", timeout=30.0)
    )

    with llm.turn_budget(0.3), pytest.raises(llm.TurnBudgetSpent):
        guarded.chat(QUESTION)
    time.sleep(2.5)  # whatever was in flight has arrived
    sent = len(fake_provider.requests)
    with llm.turn_budget(0.0), pytest.raises(llm.TurnBudgetSpent):
        guarded.chat(QUESTION)

    assert len(fake_provider.requests) == sent  # nothing left: the server is not asked at all
