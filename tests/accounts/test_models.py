"""Roles: candidate by default, instructor by the Instructors group (created by a migration), staff admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import IntegrityError

from accounts.models import INSTRUCTOR_GROUP, Cohort, CohortMembership, User, new_join_code
from tests.factories import CohortMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_migration_creates_the_instructor_group_with_its_permissions():
    group = Group.objects.get(name=INSTRUCTOR_GROUP)
    granted = {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
    }
    assert granted == {
        "interviews.view_interviewsession",
        "interviews.view_turn",
        "interviews.view_expressionsample",
        "interviews.view_report",
        "accounts.add_cohort",
        "accounts.change_cohort",
        "accounts.view_cohort",
    }


def test_a_new_user_is_a_candidate_and_joining_the_group_makes_an_instructor():
    user = UserFactory()
    assert not user.is_instructor
    assert not user.has_perm("interviews.view_interviewsession")
    user.groups.add(Group.objects.get(name=INSTRUCTOR_GROUP))
    user = User.objects.get(pk=user.pk)  # fresh permission cache
    assert user.is_instructor
    assert user.has_perm("interviews.view_interviewsession")
    assert user.has_perm("accounts.add_cohort")
    assert not user.has_perm("interviews.change_interviewsession")


def test_staff_count_as_instructors():
    assert UserFactory(is_staff=True).is_instructor


def test_name_to_show_prefers_the_display_name_then_the_full_name_then_the_username():
    assert UserFactory(username="u1", display_name="Ada").name_to_show == "Ada"
    assert UserFactory(username="u2", first_name="Grace", last_name="Hopper").name_to_show == "Grace Hopper"
    assert UserFactory(username="u3").name_to_show == "u3"


def test_join_codes_avoid_look_alike_characters():
    codes = {new_join_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == 8 and not set(code) & set("01OIl") for code in codes)


def test_a_user_joins_a_cohort_only_once():
    membership = CohortMembershipFactory()
    with pytest.raises(IntegrityError):
        CohortMembership.objects.create(cohort=membership.cohort, user=membership.user)


def test_create_demo_users_is_idempotent_and_prints_the_credentials(capsys):
    call_command("create_demo_users")
    User.objects.filter(username="demo").update(display_name="Changed")
    coach = User.objects.get(username="coach")
    coach.set_password("forgotten")
    coach.save()
    call_command("create_demo_users")
    out = capsys.readouterr().out
    assert "demo-interview" in out and "demo-coach" in out and "demo-admin" in out

    assert User.objects.filter(username__in=["demo", "coach", "admin"]).count() == 3
    demo, coach, admin = (User.objects.get(username=name) for name in ["demo", "coach", "admin"])
    assert demo.check_password("demo-interview") and not demo.is_instructor
    assert coach.check_password("demo-coach") and coach.is_instructor and not coach.is_staff
    assert admin.check_password("demo-admin") and admin.is_superuser and admin.is_staff
    assert demo.display_name == "Changed"  # a second run resets passwords, not what the user edited
    cohort = Cohort.objects.get(instructor=coach)
    assert list(cohort.members.all()) == [demo]
