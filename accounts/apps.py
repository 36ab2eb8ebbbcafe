"""The accounts app: users, roles and cohorts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    # allauth's own app is labelled "Accounts" in the admin too; this keeps the two apart.
    verbose_name = "Users and cohorts"
