"""daphne must hand an uploaded recording to the application without Twisted parsing it first."""

from __future__ import annotations

import types
from unittest import mock

import pytest
from daphne import http_protocol
from twisted.internet.testing import StringTransport

import interbot_site.asgi  # noqa: F401 - what daphne imports before it serves
from interbot_site import daphne_requests

BOUNDARY = b"----interbot-boundary"
RECORDING = b"RIFF" + bytes(range(256)) * 64
DAPHNES_OWN_REQUEST = daphne_requests.UnparsedFormRequest.__mro__[1]


def _multipart_body() -> bytes:
    return (
        b"--" + BOUNDARY + b"\r\n"
        b'Content-Disposition: form-data; name="files"; filename="answer.wav"\r\n'
        b"Content-Type: audio/wav\r\n\r\n" + RECORDING + b"\r\n--" + BOUNDARY + b"--\r\n"
    )


def _received_upload(request_class=None) -> http_protocol.WebRequest:
    """The request daphne's HTTP factory built for a multipart POST that arrived over a connection."""
    received = []
    server = types.SimpleNamespace(protocol_connected=received.append)
    protocol = http_protocol.HTTPFactory(server).buildProtocol(("127.0.0.1", 0))
    if request_class is not None:
        protocol.requestFactory = request_class
    protocol.makeConnection(StringTransport())
    body = _multipart_body()
    head = (
        b"POST /live/gradio/gradio_api/upload HTTP/1.1\r\nHost: localhost\r\n"
        b"Content-Type: multipart/form-data; boundary=" + BOUNDARY + b"\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    with mock.patch.object(DAPHNES_OWN_REQUEST, "process"):  # daphne's handling is not under test
        protocol.dataReceived(head + body)
    (request,) = received
    return request


def test_daphnes_requests_leave_an_uploaded_body_unparsed_and_whole():
    request = _received_upload()
    assert isinstance(request, daphne_requests.UnparsedFormRequest)
    assert request.args == {}
    request.content.seek(0)
    assert request.content.read() == _multipart_body()


def test_daphnes_own_request_would_parse_it():
    """The same upload through daphne's original request class: the parse the change removes."""
    assert DAPHNES_OWN_REQUEST.__name__ == "WebRequest"
    request = _received_upload(DAPHNES_OWN_REQUEST)
    assert request.args[b"files"] == [RECORDING]


def test_a_twisted_without_the_switch_is_refused(monkeypatch):
    def old_init(self, channel, queued=None):
        pass

    monkeypatch.setattr(daphne_requests.http.Request, "__init__", old_init)
    with pytest.raises(RuntimeError, match="parsePOSTFormSubmission"):
        daphne_requests.leave_request_bodies_to_the_application()
