"""Chat LLM clients: the Hugging Face Inference API and any OpenAI-compatible server; `get_llm` picks the configured one."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from django.conf import settings

from interviews.ai.registry import ServiceError, get_backend


class LLMError(ServiceError):
    """The language model provider failed (unreachable, timed out, refused, empty answer)."""

    user_message = "The AI interviewer is unreachable right now."


@runtime_checkable
class ChatModel(Protocol):
    def chat(
        self, messages: list[dict[str, str]], *, max_tokens: int = 512, temperature: float = 0.2
    ) -> str: ...


def get_llm() -> ChatModel | None:
    """The configured chat model, or None when settings.AI_SERVICES["llm"]["BACKEND"] is empty (the default)."""
    if not settings.AI_SERVICES["llm"].get("BACKEND"):
        return None
    return get_backend("llm")


def _answer_text(content: object, provider: str) -> str:
    text = content.strip() if isinstance(content, str) else ""
    if not text:
        raise LLMError(
            f"{provider} returned an empty answer", user_message="The AI interviewer gave no answer."
        )
    return text


class HuggingFaceChat:
    """`huggingface_hub.InferenceClient.chat_completion` (HF router, or a TGI endpoint given as base_url)."""

    option_names = ("model", "token", "timeout", "base_url", "provider")

    def __init__(
        self,
        *,
        model: str = "meta-llama/Meta-Llama-3-8B-Instruct",
        token: str = "",
        timeout: float = 30.0,
        base_url: str = "",
        provider: str = "",
    ):
        from huggingface_hub import InferenceClient

        # InferenceClient refuses model and base_url together: a base_url names the server, the model is implicit.
        target = {"base_url": base_url} if base_url else {"model": model}
        self.model = model
        self.client = InferenceClient(
            **target, token=token or None, timeout=timeout, provider=provider or None
        )

    def chat(self, messages: list[dict[str, str]], *, max_tokens: int = 512, temperature: float = 0.2) -> str:
        try:
            output = self.client.chat_completion(messages, max_tokens=max_tokens, temperature=temperature)
            content = output.choices[0].message.content
        except Exception as error:  # InferenceTimeoutError, HfHubHTTPError, httpx errors, malformed JSON
            raise LLMError(
                f"Hugging Face chat failed: {type(error).__name__}: {error}",
                user_message="The online AI service is unreachable.",
            ) from error
        return _answer_text(content, "Hugging Face")


class OpenAICompatibleChat:
    """Any OpenAI-compatible chat server (Ollama, vLLM, llama.cpp server, OpenAI itself) via the `openai` client."""

    option_names = ("base_url", "model", "api_key", "timeout", "max_retries")

    def __init__(
        self,
        *,
        base_url: str = "",
        model: str = "",
        api_key: str = "",
        timeout: float = 30.0,
        max_retries: int = 0,
    ):
        import openai

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

    def chat(self, messages: list[dict[str, str]], *, max_tokens: int = 512, temperature: float = 0.2) -> str:
        import openai

        try:
            completion = self.client.chat.completions.create(
                model=self.model, messages=messages, max_tokens=max_tokens, temperature=temperature
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
