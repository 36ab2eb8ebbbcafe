"""Interviews tailored to a job: read the job description and CV for skills, start an interview on them,
and practise again the questions a report shows were missed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

from interviews.ai.registry import ServiceError
from interviews.models import InterviewSession, Turn
from interviews.services.reporting import question_results
from interviews.services.sessions import start_interview
from interviews.skills.documents import read_cv
from interviews.skills.extraction import JobProfile, Skill, extract_profile, skills_from_labels

MAX_JOB_SKILLS = 12  # more than an 8-question interview can cover; the most named come first


@dataclass(frozen=True)
class CVUpload:
    name: str
    size: int
    stream: BinaryIO


@dataclass
class JobReading:
    """What the first step found: the job's skills and seniority, and the CV's text to carry to the second."""

    profile: JobProfile
    cv_text: str = ""
    notices: list[str] = field(default_factory=list)


def read_job(*, job_description: str, cv: CVUpload | None = None, cv_text: str = "") -> JobReading:
    """Skills and seniority of the job, confirmed by the CV when there is one.

    Raises interviews.skills.extraction.JobTextError (empty, non-English, no known skill) or
    interviews.skills.documents.CVError (too large, password-protected, scanned, macros, unreadable).
    """
    if cv is not None:
        cv_text = read_cv(name=cv.name, size=cv.size, stream=cv.stream)
    profile = extract_profile(job_description, cv_text)
    profile = JobProfile(skills=profile.skills[:MAX_JOB_SKILLS], seniority=profile.seniority)
    notices = [f"Read {len(cv_text.split())} words of your CV."] if cv_text else []
    return JobReading(profile=profile, cv_text=cv_text, notices=notices)


def chosen_skills(*, slugs: list[str], added: str) -> tuple[list[Skill], list[str]]:
    """The skills the candidate kept (`slugs`) and typed (`added`), and the typed names we do not know."""
    from interviews.skills.extraction import skill_by_slug

    kept = [skill for skill in (skill_by_slug(slug) for slug in slugs) if skill is not None]
    typed, unknown = skills_from_labels(added)
    return list(dict.fromkeys([*kept, *typed])), unknown


def start_job_interview(
    *,
    user,
    candidate_name: str,
    position: str,
    difficulty: str,
    skills: list[Skill],
    seniority: str,
    job_description: str,
    cv_text: str = "",
    keep_documents: bool = False,
    consent_audio: bool = False,
    consent_video: bool = False,
) -> InterviewSession:
    """An interview on the job's skills (the first skill's topic names it in lists and charts). The job
    description and CV are stored only when `keep_documents` (the candidate's consent)."""
    if not skills:
        raise ServiceError("no skills", user_message="Please keep or add at least one skill to practise.")
    return start_interview(
        user=user,
        candidate_name=candidate_name,
        topic=skills[0].topic,
        position=position,
        difficulty=difficulty,
        consent_audio=consent_audio,
        consent_video=consent_video,
        job_skills=[skill.slug for skill in skills[:MAX_JOB_SKILLS]],
        job_seniority=seniority,
        job_document={"job_description": job_description, "cv_text": cv_text} if keep_documents else None,
    )


def missed_question_ids(session: InterviewSession) -> list[int]:
    """The questions of `session` whose final verdict was not correct, in the order they were asked."""
    turns = session.turns.select_related("question").order_by("question_number", "attempt")
    return list(
        dict.fromkeys(
            result.attempts[0].question_id
            for result in question_results(turns)
            if result.verdict != Turn.Verdict.CORRECT
        )
    )


def start_missed_practice(*, user, session: InterviewSession) -> InterviewSession:
    """A new interview asking exactly the questions `session` shows were missed (the caller checked that
    `user` owns `session`). Consents are asked again: they are not carried over."""
    missed = missed_question_ids(session)
    if not missed:
        raise ServiceError(
            "nothing missed", user_message="You answered every question of that interview correctly."
        )
    return start_interview(
        user=user,
        candidate_name=session.candidate_name,
        topic=session.topic,
        position=session.position,
        difficulty=session.difficulty,
        job_skills=list(session.job_skills),
        job_seniority=session.job_seniority,
        question_plan=missed,
    )
