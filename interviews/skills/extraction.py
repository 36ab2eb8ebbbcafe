"""Reads the skills and seniority out of a job description (and optionally a CV), offline.

The vocabulary (vocabulary.json) ties each skill to the bank topic that trains it. A skill is found
lexically, when one of its terms appears as a whole word (case-insensitive unless the term starts with
"=", for words such as "REST" or "React" that are also common English), or by meaning, when a sentence of
the text is close enough to the skill's description in the MiniLM embedding space.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from interviews.text import STOPWORDS, words

VOCABULARY_FILE = Path(__file__).resolve().parent / "vocabulary.json"
# A phrase this close (cosine) to a skill's label names that skill. On the dev split of
# tests/data/jobs/job_descriptions.json every phrase above 0.55 that no term had found was a wrong guess
# (the best, 0.65, "network security" for web security), so only near-synonyms pass.
EMBEDDING_MATCH = 0.70
# A skill the candidate types ("react hooks") is the nearest label when this close.
TYPED_SKILL_MATCH = 0.55
MAX_TEXT_CHARS = 20_000  # what is read of a job description or CV; the rest is ignored
# Below this share of English function words, a text of some length is not English (English prose is ~40%).
ENGLISH_STOPWORD_SHARE = 0.15
LANGUAGE_CHECK_MIN_WORDS = 12

SENIORITY_DIFFICULTY = {"junior": "easy", "mid": "medium", "senior": "hard"}
_JUNIOR = re.compile(
    r"\b(intern|internship|graduate|entry[- ]level|junior|apprentice|trainee|bootcamp)\b", re.IGNORECASE
)
_SENIOR = re.compile(r"\b(senior|staff|principal|lead|head of|architect|manager|director)\b", re.IGNORECASE)
# "3+ years", "2-4 years", "5 years": the lower bound is what the job asks for at least.
_YEARS = re.compile(r"\b(\d{1,2})\s*(?:\+|[-–]\s*\d{1,2})?\s*years?\b", re.IGNORECASE)


class JobTextError(ValueError):
    """The text cannot be read for skills; `user_message` says why, in words for the candidate."""

    def __init__(self, user_message: str):
        super().__init__(user_message)
        self.user_message = user_message


@dataclass(frozen=True)
class Skill:
    slug: str
    label: str
    topic: str  # the bank topic whose questions train it
    terms: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class JobProfile:
    """What a job asks for: skills in order of importance (most mentioned first) and seniority."""

    skills: tuple[Skill, ...]
    seniority: str  # junior / mid / senior

    @property
    def difficulty(self) -> str:
        return SENIORITY_DIFFICULTY[self.seniority]

    @property
    def slugs(self) -> list[str]:
        return [skill.slug for skill in self.skills]


@cache
def vocabulary() -> tuple[Skill, ...]:
    data = json.loads(VOCABULARY_FILE.read_text(encoding="utf-8"))
    return tuple(
        Skill(
            slug=raw["slug"],
            label=raw["label"],
            topic=raw["topic"],
            terms=tuple(raw["terms"]),
            description=raw["description"],
        )
        for raw in data["skills"]
    )


def skill_by_slug(slug: str) -> Skill | None:
    return _by_slug().get(slug)


@cache
def _by_slug() -> dict[str, Skill]:
    return {skill.slug: skill for skill in vocabulary()}


def skills_from_labels(text: str) -> tuple[list[Skill], list[str]]:
    """Skills a candidate typed (comma or line separated): by slug, label or term; and the unknown ones."""
    found: list[Skill] = []
    unknown: list[str] = []
    for part in re.split(r"[,;\n]", text or ""):
        name = " ".join(part.split())[:80]
        if not name:
            continue
        lowered = name.lower()
        skill = skill_by_slug(lowered) or next((s for s in vocabulary() if s.label.lower() == lowered), None)
        if skill is None:
            matches = lexical_matches(name) or embedding_matches(f"{name}.", threshold=TYPED_SKILL_MATCH)
            skill = max(matches, key=matches.__getitem__) if matches else None
        if skill is None:
            unknown.append(name)
        elif skill not in found:
            found.append(skill)
    return found, unknown


def _term_pattern(term: str) -> str:
    # Whole words only, with an optional plural; "ci/cd", "node.js" and "c#" keep their punctuation.
    return rf"(?<![\w]){re.escape(term)}(?:s|es)?(?![\w])"


@cache
def _patterns() -> tuple[tuple[Skill, re.Pattern[str] | None, re.Pattern[str] | None], ...]:
    compiled = []
    for skill in vocabulary():
        plain = [t for t in skill.terms if not t.startswith("=")]
        exact = [t[1:] for t in skill.terms if t.startswith("=")]
        compiled.append(
            (
                skill,
                re.compile("|".join(map(_term_pattern, plain)), re.IGNORECASE) if plain else None,
                re.compile("|".join(map(_term_pattern, exact))) if exact else None,
            )
        )
    return tuple(compiled)


def lexical_matches(text: str) -> dict[Skill, int]:
    """Each skill named in `text`, with how many times its terms occur."""
    counts: dict[Skill, int] = {}
    for skill, plain, exact in _patterns():
        n = (len(plain.findall(text)) if plain else 0) + (len(exact.findall(text)) if exact else 0)
        if n:
            counts[skill] = n
    return counts


def sentences(text: str) -> list[str]:
    """Sentences and list items, each long enough to mean something."""
    parts = re.split(r"(?<=[.!?;:])\s+|\n+|\s[-•*]\s", text)
    return [" ".join(p.split()) for p in parts if len(words(p)) >= 3]


def phrases(text: str) -> list[str]:
    """Short phrases (2-8 words) cut at commas, brackets and "and"/"or": what names one skill."""
    found = []
    for sentence in sentences(text):
        for part in re.split(r",|\(|\)|\band\b|\bor\b", sentence):
            part = " ".join(part.split()).strip(" -•*.")
            if 2 <= len(words(part)) <= 8:
                found.append(part)
    return list(dict.fromkeys(found))


def embedding_matches(text: str, *, threshold: float = EMBEDDING_MATCH) -> dict[Skill, float]:
    """Skills whose label is close in meaning to a phrase of `text`: {skill: best cosine}."""
    from interviews.ai import embeddings

    found = phrases(text)[:200]
    if not found:
        return {}
    skills = vocabulary()
    similarity = embeddings.embed(found) @ embeddings.embed([s.label for s in skills]).T
    best = similarity.max(axis=0)
    return {skill: float(score) for skill, score in zip(skills, best, strict=True) if score >= threshold}


def check_job_text(text: str) -> str:
    """The job description, trimmed; raises JobTextError when it is empty or not English."""
    text = (text or "").strip()[:MAX_TEXT_CHARS]
    if not any(ch.isalpha() for ch in text):
        raise JobTextError("Please paste the job description: the box is empty.")
    if not looks_english(text):
        raise JobTextError(
            "This job description does not look like English. InterBot's questions are in English: "
            "please paste an English version, or start a normal interview below."
        )
    return text


def looks_english(text: str) -> bool:
    found = words(text)
    if len(found) < LANGUAGE_CHECK_MIN_WORDS:
        return True  # too short to tell ("Python developer")
    return sum(w in STOPWORDS for w in found) / len(found) >= ENGLISH_STOPWORD_SHARE


def seniority_of(text: str) -> str:
    """junior / mid / senior, from the title words and the years of experience asked for."""
    head = text[:300]  # the title and first lines say it best; "work with senior engineers" later does not
    years = [int(n) for n in _YEARS.findall(text) if int(n) <= 30]
    if _JUNIOR.search(head):
        return "junior"
    if _SENIOR.search(head):
        return "senior"
    if years:
        most = max(years)
        if most >= 5:
            return "senior"
        if most <= 1:
            return "junior"
    elif _JUNIOR.search(text):
        return "junior"
    return "mid"


def extract_profile(job_description: str, cv_text: str = "", *, use_embeddings: bool = True) -> JobProfile:
    """The skills of the job (and those of the CV that the job also names by meaning), most named first.

    Raises JobTextError for an empty or non-English description, or one that names no skill we know.
    """
    job = check_job_text(job_description)
    counts: dict[Skill, float] = dict(lexical_matches(job))
    if use_embeddings:
        for skill, score in embedding_matches(job).items():
            counts.setdefault(skill, score)  # a paraphrase counts less than a word said
    if cv_text.strip():
        # The CV does not add skills the job does not need; it confirms the ones it names (they come first).
        cv_counts = lexical_matches(cv_text[:MAX_TEXT_CHARS])
        for skill in counts:
            counts[skill] += 0.5 * min(cv_counts.get(skill, 0), 2)
    if not counts:
        raise JobTextError(
            "We found no skill we know in this job description. You can add skills yourself, "
            "or start a normal interview below."
        )
    order = {skill: index for index, skill in enumerate(vocabulary())}
    ranked = sorted(counts, key=lambda s: (-counts[s], order[s]))
    return JobProfile(skills=tuple(ranked), seniority=seniority_of(job))
