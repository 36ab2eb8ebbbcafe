"""Fixtures of the security tests: the live-interview users, interview and session cookies."""

from tests.interviews.conftest import (  # noqa: F401  (fixtures shared with the live tests)
    interview,
    memory_channel_layer,
    owner,
    owner_cookie,
    stranger,
    stranger_cookie,
)
