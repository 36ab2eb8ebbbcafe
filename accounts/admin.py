"""Admin for users (with their interview preferences) and instructor cohorts."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count

from accounts.models import Cohort, CohortMembership, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "display_name", "target_role", "is_staff", "date_joined"]
    list_filter = [*DjangoUserAdmin.list_filter, "target_role"]
    search_fields = ["username", "email", "display_name", "first_name", "last_name"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (
            "Interview preferences",
            {"fields": ["display_name", "target_role", "default_topic", "default_difficulty"]},
        ),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "email", "password1", "password2"]}),
    ]


class CohortMembershipInline(admin.TabularInline):
    model = CohortMembership
    extra = 1
    autocomplete_fields = ["user"]
    readonly_fields = ["joined_at"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "instructor", "join_code", "member_count", "created_at"]
    list_filter = ["recommended_topic", "recommended_difficulty"]
    search_fields = ["name", "join_code", "instructor__username", "instructor__email"]
    autocomplete_fields = ["instructor"]
    inlines = [CohortMembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_member_count=Count("memberships"))

    @admin.display(description="members", ordering="_member_count")
    def member_count(self, obj: Cohort) -> int:
        return obj._member_count
