"""`manage.py load_question_bank`: validate the bank JSON files and upsert them into the database."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from interviews.bank.loader import DATA_DIR, BankError, load_bank


class Command(BaseCommand):
    help = (
        "Load the question bank (interviews/bank/data/*.json) into the Question table, matched by bank key. "
        "Safe to run repeatedly. A reload OVERWRITES the bank-sourced fields (text, kind, topic, positions, "
        "difficulty, reference answer, key points, hint) of bank questions, including edits made in the "
        "admin; bank questions no longer in the files are deactivated, not deleted. Generated questions "
        "are never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir", default=None, help=f"Directory of bank files (default: {DATA_DIR})."
        )

    def handle(self, *args, **options):
        try:
            summary = load_bank(data_dir=options["data_dir"])
        except BankError as error:
            raise CommandError(f"Question bank not loaded: {error}") from error
        self.stdout.write(self.style.SUCCESS(str(summary)))
