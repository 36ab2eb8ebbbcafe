"""Fixtures shared by every test: an instructor, a candidate and the cohort that joins them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from interviews.ai import breaker
from tests.factories import CohortFactory, CohortMembershipFactory, UserFactory, make_instructor

MEMBER_FOR = timedelta(days=60)


@pytest.fixture(autouse=True)
def closed_circuit_breakers():
    """A provider one test made fail is not skipped in the next: breakers live in the shared cache."""
    breaker.reset_all()
    yield
    breaker.reset_all()


def pytest_collection_modifyitems(config, items):
    """The multi-process tests start a whole topology (minutes): only when asked for by name (-m cluster)."""
    wanted = config.getoption("-m") or ""
    if "cluster" in wanted and "not cluster" not in wanted:
        return
    skip = pytest.mark.skip(reason="multi-process topology: run with -m cluster (.ci/run does)")
    for item in items:
        if "cluster" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def instructor(db):
    return make_instructor(username="teacher")


@pytest.fixture
def candidate(db):
    return UserFactory(username="alice")


@pytest.fixture
def cohort(instructor, candidate):
    cohort = CohortFactory(name="Spring bootcamp", instructor=instructor)
    # Joined before every interview the tests backdate, so all of them are shared with the cohort.
    CohortMembershipFactory(cohort=cohort, user=candidate, joined_at=timezone.now() - MEMBER_FOR)
    return cohort
