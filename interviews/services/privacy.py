"""A candidate's "delete my data": every interview with its recordings, transcripts, expression samples,
reports and job documents (job description, CV), and optionally the account itself."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction

from interviews.models import ExpressionSample, InterviewSession, JobDocument, Turn

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeletedData:
    interviews: int
    answers: int
    recordings: int
    expression_samples: int
    job_documents: int
    account: bool


def delete_my_data(*, user, delete_account: bool = False) -> DeletedData:
    """Delete everything `user` practised; the recording files go once the rows are gone for good."""
    sessions = InterviewSession.objects.filter(owner=user)
    turns = Turn.objects.filter(session__owner=user)
    audio_names = [name for name in turns.exclude(audio="").values_list("audio", flat=True) if name]
    counts = DeletedData(
        interviews=sessions.count(),
        answers=turns.count(),
        recordings=len(audio_names),
        expression_samples=ExpressionSample.objects.filter(session__owner=user).count(),
        job_documents=JobDocument.objects.filter(owner=user).count(),
        account=delete_account,
    )
    storage = Turn._meta.get_field("audio").storage
    with transaction.atomic():
        JobDocument.objects.filter(owner=user).delete()
        sessions.delete()  # turns, expression samples, reports and job documents cascade
        if delete_account:
            user.delete()
        # Files are removed only if the rows really went (a rollback must not leave rows without files).
        transaction.on_commit(lambda: _remove_files(storage, audio_names))
    return counts


def _remove_files(storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("Could not delete the recording %s", name)
