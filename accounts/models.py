"""Users, their interview preferences, and instructor cohorts."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from interviews.catalog import DIFFICULTIES, POSITIONS, TOPICS

INSTRUCTOR_GROUP = "Instructors"


class User(AbstractUser):
    """A candidate by default; instructors belong to the Instructors group; staff are admins."""

    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=80, blank=True)
    target_role = models.CharField(max_length=40, choices=POSITIONS, blank=True)
    default_topic = models.CharField(max_length=80, choices=TOPICS, blank=True)
    default_difficulty = models.CharField(max_length=10, choices=DIFFICULTIES, blank=True)
    # Spaced repetition: questions missed a few days ago come back in later interviews.
    review_missed_questions = models.BooleanField("bring back questions I missed", default=True)

    @property
    def name_to_show(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_instructor(self) -> bool:
        return self.is_staff or self.groups.filter(name=INSTRUCTOR_GROUP).exists()


def new_join_code() -> str:
    # 8 characters from an alphabet without look-alikes (0/O, 1/I/l): easy to read out in class.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class Cohort(models.Model):
    """A group of candidates that one instructor follows, joined with a code."""

    name = models.CharField(max_length=120)
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cohorts_taught"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CohortMembership", related_name="cohorts", blank=True
    )
    join_code = models.CharField(max_length=12, unique=True, default=new_join_code)
    recommended_topic = models.CharField(max_length=80, choices=TOPICS, blank=True)
    recommended_position = models.CharField(max_length=40, choices=POSITIONS, blank=True)
    recommended_difficulty = models.CharField(max_length=10, choices=DIFFICULTIES, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CohortMembership(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "user"], name="unique_cohort_member")]

    def __str__(self) -> str:
        return f"{self.user} in {self.cohort}"
