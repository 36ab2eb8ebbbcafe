"""Admin for users (with their interview preferences) and cohorts (with their members)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Cohort, User
from tests.factories import CohortMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_user_admin_shows_and_saves_the_interview_preferences(admin_client_):
    user = UserFactory(username="ada", display_name="Ada L.", target_role="data-scientist")
    page = admin_client_.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "Ada L." in page and "Data Scientist" in page
    change = admin_client_.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()
    assert "Interview preferences" in change and 'name="default_topic"' in change


def test_user_admin_creates_a_user_with_an_email(admin_client_):
    response = admin_client_.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="newbie").email == "newbie@example.com"


def test_cohort_admin_lists_member_counts_and_edits_members_inline(admin_client_):
    membership = CohortMembershipFactory(cohort__name="Evening class")
    CohortMembershipFactory(cohort=membership.cohort)
    page = admin_client_.get(reverse("admin:accounts_cohort_changelist")).content.decode()
    assert "Evening class" in page and '<td class="field-member_count">2</td>' in page

    cohort = membership.cohort
    change_url = reverse("admin:accounts_cohort_change", args=[cohort.pk])
    change = admin_client_.get(change_url).content.decode()
    assert 'name="memberships-0-user"' in change

    newcomer = UserFactory()
    data = {
        "name": "Evening class (renamed)", "instructor": cohort.instructor.pk, "join_code": cohort.join_code,
        "recommended_topic": "", "recommended_position": "", "recommended_difficulty": "",
        "memberships-TOTAL_FORMS": "3", "memberships-INITIAL_FORMS": "2",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for index, existing in enumerate(cohort.memberships.order_by("pk")):
        data |= {
            f"memberships-{index}-id": existing.pk,
            f"memberships-{index}-cohort": cohort.pk,
            f"memberships-{index}-user": existing.user_id,
        }
    data |= {"memberships-2-cohort": cohort.pk, "memberships-2-user": newcomer.pk}
    response = admin_client_.post(change_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    cohort = Cohort.objects.get(pk=cohort.pk)
    assert cohort.name == "Evening class (renamed)"
    assert cohort.members.count() == 3 and cohort.members.filter(pk=newcomer.pk).exists()
