"""The error types every AI service shares (each service subclasses ServiceError with its own)."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every service's own error type (TranscriptionError, SpeechError, ...).

    `user_message` is safe to show to a candidate; str(error) may carry technical detail for logs.
    """

    user_message = "The service could not handle this request."

    def __init__(self, message: str = "", *, user_message: str | None = None):
        super().__init__(message or self.user_message)
        if user_message:
            self.user_message = user_message


class InputError(ServiceError):
    """The input itself is unusable (corrupt, silent, too long, no face...): falling back won't help."""
