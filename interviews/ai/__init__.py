"""Adapters to models and providers (speech, voice, vision, LLM, embeddings), media decoding, backend loading
with fallback, and the inference pool that runs them. InterBot's own rules and use-cases are in interviews.services."""
