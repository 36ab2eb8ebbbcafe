"""Account use-cases: the demo accounts that `make run` creates for a first look."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import INSTRUCTOR_GROUP, Cohort, CohortMembership, User


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str  # candidate / instructor / admin


DEMO_ACCOUNTS = [
    DemoAccount("demo", "demo-interview", "candidate"),
    DemoAccount("coach", "demo-coach", "instructor"),
    DemoAccount("admin", "demo-admin", "admin"),
]


@transaction.atomic
def ensure_demo_users() -> list[DemoAccount]:
    """Create or reset the demo accounts; running it again leaves one account of each, same passwords."""
    instructors, _ = Group.objects.get_or_create(name=INSTRUCTOR_GROUP)
    for account in DEMO_ACCOUNTS:
        user, _ = User.objects.get_or_create(
            username=account.username, defaults={"email": f"{account.username}@interbot.localhost"}
        )
        user.set_password(account.password)
        user.is_active = True
        user.is_staff = user.is_superuser = account.role == "admin"
        if not user.display_name:
            user.display_name = {"demo": "Demo Candidate", "coach": "Coach", "admin": "Admin"}[
                account.username
            ]
        user.save()
        if account.role == "instructor":
            user.groups.add(instructors)
    # A cohort linking the two, so the instructor pages have someone to show.
    coach, demo = User.objects.get(username="coach"), User.objects.get(username="demo")
    cohort, _ = Cohort.objects.get_or_create(name="Demo cohort", instructor=coach)
    CohortMembership.objects.get_or_create(cohort=cohort, user=demo)
    return DEMO_ACCOUNTS
