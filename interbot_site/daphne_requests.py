"""daphne's requests, without Twisted's form parsing.

Twisted parses every POSTed multipart body into `request.args` with the email package, on the event loop,
before daphne hands the raw body to the ASGI application, which parses it again itself. daphne never reads
those args. So each recording a candidate uploads cost the web process that parse twice over: 10 ms for an
11 s WAV, and 0.7 s for an upload at MAX_UPLOAD_BYTES (25 MB), during which every other candidate on the
process (websockets, Gradio's queue) waited. Twisted's own switch, `parsePOSTFormSubmission`, turns it off.
"""

from __future__ import annotations

import inspect

from daphne import http_protocol
from twisted.web import http

PARAMETER = "parsePOSTFormSubmission"


class UnparsedFormRequest(http_protocol.WebRequest):
    """daphne's WebRequest with Twisted's form parsing off: the application reads the body itself."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(PARAMETER, False)
        super().__init__(*args, **kwargs)


def leave_request_bodies_to_the_application() -> None:
    """Make daphne build UnparsedFormRequest for every HTTP request of this process (idempotent)."""
    # A Twisted or daphne upgrade that changes either end must fail loudly, not parse again silently.
    if PARAMETER not in inspect.signature(http.Request.__init__).parameters:
        raise RuntimeError(f"twisted.web.http.Request takes no {PARAMETER!r} any more: see {__name__}")
    if "WebRequest" not in http_protocol.HTTPFactory.buildProtocol.__code__.co_names:
        raise RuntimeError(f"daphne's HTTPFactory no longer builds WebRequest by name: see {__name__}")
    # buildProtocol looks the name up in its module at each connection.
    http_protocol.WebRequest = UnparsedFormRequest
