"""Chat LLM clients: the Hugging Face Inference API and any OpenAI-compatible server; `get_llm` picks the
configured one, behind a circuit breaker and the turn's time budget (`turn_budget`)."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextvars import ContextVar
from typing import Any, Protocol, runtime_checkable

from django.conf import settings
from pydantic import BaseModel

from interviews.ai.breaker import CircuitBreaker
from interviews.ai.registry import ServiceError, backend_name, get_backend

STRUCTURED_OUTPUT_MODES = ("json_schema", "json_object", "none")


class LLMError(ServiceError):
    """The language model provider failed (unreachable, timed out, refused, empty answer)."""

    user_message = "The AI interviewer is unreachable right now."


class TurnBudgetSpent(LLMError):
    """The turn's time for the LLM (settings.LLM_TURN_BUDGET) ran out before the model answered."""

    user_message = "The AI interviewer took too long to answer."


@runtime_checkable
class ChatModel(Protocol):
    """`schema`: the pydantic model the reply must be JSON of; backends ask the server to constrain decoding
    to its JSON schema (the caller still validates). `timeout`: seconds for this call, below the backend's own."""

    def chat(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int = 512,
        temperature: float = 0.2,
        schema: type[BaseModel] | None = None,
        timeout: float | None = None,
    ) -> str: ...


def get_llm() -> GuardedChat | None:
    """The configured chat model, or None when settings.AI_SERVICES["llm"]["BACKEND"] is empty (the default)."""
    if not settings.AI_SERVICES["llm"].get("BACKEND"):
        return None
    return GuardedChat(get_backend("llm"))


# --- The turn's time budget and the circuit breaker ---------------------------------------------------

_turn_deadline: ContextVar[float | None] = ContextVar("llm_turn_deadline", default=None)
# LLM calls made under a turn budget run here, so the caller can stop waiting at the deadline.
_calls = ThreadPoolExecutor(max_workers=4, thread_name_prefix="llm")


@contextlib.contextmanager
def turn_budget(seconds: float | None = None) -> Iterator[None]:
    """Within this block every LLM call shares `seconds` (default settings.LLM_TURN_BUDGET) of waiting."""
    seconds = settings.LLM_TURN_BUDGET if seconds is None else seconds
    token = _turn_deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _turn_deadline.reset(token)


class GuardedChat:
    """The configured chat model behind the provider's circuit breaker and the current turn's time budget.

    Past the deadline the caller gets TurnBudgetSpent and the model's late reply, if any, is dropped; the
    request itself is given the remaining time as its timeout, so it does not hold the server for long.
    """

    def __init__(self, backend: ChatModel):
        self.backend = backend
        self.breaker = CircuitBreaker("llm", backend_name(backend))

    def chat(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int = 512,
        temperature: float = 0.2,
        schema: type[BaseModel] | None = None,
        timeout: float | None = None,
    ) -> str:
        if self.breaker.is_open:
            raise LLMError(
                "LLM skipped: circuit open", user_message="The AI interviewer is unavailable right now."
            )
        deadline = _turn_deadline.get()
        remaining = math.inf if deadline is None else deadline - time.monotonic()
        if remaining <= 0:
            raise TurnBudgetSpent("no time left for the LLM in this turn")
        call_timeout = min(timeout or math.inf, remaining)

        def call() -> str:
            return self.breaker.call(
                lambda: self.backend.chat(
                    messages,
                    max_tokens=max_tokens,
                    temperature=temperature,
                    schema=schema,
                    timeout=None if math.isinf(call_timeout) else call_timeout,
                )
            )

        if deadline is None:
            return call()
        future = _calls.submit(call)
        try:
            return future.result(timeout=remaining)
        except FutureTimeout as error:
            raise TurnBudgetSpent(f"no reply within the turn's {settings.LLM_TURN_BUDGET}s") from error


def response_format(schema: type[BaseModel] | None, mode: str) -> dict[str, Any] | None:
    """The OpenAI-style `response_format` asking for JSON of `schema` (llama.cpp, vLLM, Ollama, TGI accept it)."""
    if schema is None or mode == "none":
        return None
    if mode == "json_object":
        return {"type": "json_object"}
    return {
        "type": "json_schema",
        "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema()},
    }


def _checked_mode(mode: str) -> str:
    if mode not in STRUCTURED_OUTPUT_MODES:
        raise LLMError(
            f"structured_output must be one of {STRUCTURED_OUTPUT_MODES}, not {mode!r}",
            user_message="The AI interviewer is not configured.",
        )
    return mode


def _answer_text(content: object, provider: str) -> str:
    text = content.strip() if isinstance(content, str) else ""
    if not text:
        raise LLMError(
            f"{provider} returned an empty answer", user_message="The AI interviewer gave no answer."
        )
    return text


class HuggingFaceChat:
    """`huggingface_hub.InferenceClient.chat_completion` (HF router, or a TGI endpoint given as base_url)."""

    option_names = ("model", "token", "timeout", "base_url", "provider", "structured_output")

    def __init__(
        self,
        *,
        model: str = "meta-llama/Meta-Llama-3-8B-Instruct",
        token: str = "",
        timeout: float = 30.0,
        base_url: str = "",
        provider: str = "",
        structured_output: str = "json_schema",
    ):
        from huggingface_hub import InferenceClient

        # InferenceClient refuses model and base_url together: a base_url names the server, the model is implicit.
        target = {"base_url": base_url} if base_url else {"model": model}
        self.model = model
        self.timeout = timeout
        self.structured_output = _checked_mode(structured_output)
        self._client_options = {**target, "token": token or None, "provider": provider or None}
        self.client = InferenceClient(**self._client_options, timeout=timeout)

    def chat(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int = 512,
        temperature: float = 0.2,
        schema: type[BaseModel] | None = None,
        timeout: float | None = None,
    ) -> str:
        from huggingface_hub import InferenceClient

        # The client's timeout is fixed at construction; a shorter one for this call needs a client of its own.
        client = self.client
        if timeout is not None and timeout < self.timeout:
            client = InferenceClient(**self._client_options, timeout=timeout)
        extra = {}
        if (format_ := response_format(schema, self.structured_output)) is not None:
            extra["response_format"] = format_
        try:
            output = client.chat_completion(messages, max_tokens=max_tokens, temperature=temperature, **extra)
            content = output.choices[0].message.content
        except Exception as error:  # InferenceTimeoutError, HfHubHTTPError, httpx errors, malformed JSON
            raise LLMError(
                f"Hugging Face chat failed: {type(error).__name__}: {error}",
                user_message="The online AI service is unreachable.",
            ) from error
        return _answer_text(content, "Hugging Face")


class OpenAICompatibleChat:
    """Any OpenAI-compatible chat server (Ollama, vLLM, llama.cpp server, OpenAI itself) via the `openai` client."""

    option_names = ("base_url", "model", "api_key", "timeout", "max_retries", "structured_output")

    def __init__(
        self,
        *,
        base_url: str = "",
        model: str = "",
        api_key: str = "",
        timeout: float = 30.0,
        max_retries: int = 0,
        structured_output: str = "json_schema",
    ):
        import openai

        self.structured_output = _checked_mode(structured_output)

        if not model:
            raise LLMError(
                "OpenAICompatibleChat needs a model name",
                user_message="The AI interviewer is not configured.",
            )
        self.model = model
        # Local servers accept any key; the client insists on one. Retries are off: the caller falls back instead.
        self.client = openai.OpenAI(
            base_url=base_url or None,
            api_key=api_key or "not-needed",
            timeout=timeout,
            max_retries=max_retries,
        )
        # The first `client.chat` imports all of openai's resources (seconds on a busy machine): done here,
        # when the backend is built, rather than inside a turn's time budget.
        _ = self.client.chat.completions

    def chat(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int = 512,
        temperature: float = 0.2,
        schema: type[BaseModel] | None = None,
        timeout: float | None = None,
    ) -> str:
        import openai

        extra: dict[str, Any] = {}
        if (format_ := response_format(schema, self.structured_output)) is not None:
            extra["response_format"] = format_
        if timeout is not None:
            extra["timeout"] = timeout
        try:
            completion = self.client.chat.completions.create(
                model=self.model, messages=messages, max_tokens=max_tokens, temperature=temperature, **extra
            )
            content = completion.choices[0].message.content
        except openai.APITimeoutError as error:
            raise LLMError(
                f"chat timed out: {error}", user_message="The AI service took too long to answer."
            ) from error
        except openai.APIConnectionError as error:
            raise LLMError(
                f"chat connection failed: {error}", user_message="The AI service is unreachable."
            ) from error
        except openai.APIStatusError as error:
            raise LLMError(
                f"chat HTTP {error.status_code}: {error}", user_message="The AI service refused the request."
            ) from error
        except (openai.OpenAIError, IndexError, AttributeError, ValueError) as error:
            raise LLMError(
                f"chat failed: {error}", user_message="The AI service sent an answer we couldn't read."
            ) from error
        return _answer_text(content, "OpenAI-compatible server")
