"""`manage.py create_demo_users`: demo candidate, instructor and admin for local use (never production)."""

from django.core.management.base import BaseCommand

from accounts.services import ensure_demo_users


class Command(BaseCommand):
    help = "Create (or reset) the demo accounts demo / coach / admin and print their credentials."

    def handle(self, *args, **options):
        self.stdout.write("Demo accounts (local use only):")
        for account in ensure_demo_users():
            self.stdout.write(
                f"  {account.role:<10} username {account.username:<6} password {account.password}"
            )
