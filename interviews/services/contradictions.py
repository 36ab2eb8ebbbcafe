"""Cues that an answer uses the reference's words but says the opposite ("a tuple is mutable" against "a tuple
is immutable"), swaps the roles of the terms a question contrasts, or gives a wrong quantity.

Sentence embeddings barely notice negation or swapped roles, so the embedding grader consults these cues on
topic questions: any one of them makes the answer incorrect. They are lexical and deliberately narrow (each
fires on well under 1 % of answers human graders called correct); wrong facts stated in other words need an
entailment model, which no package ships for offline use (see benchmarks/README.md, grading).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from interviews.text import STOPWORDS, stem

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
NEGATORS = frozenset(
    "not no never none nothing neither nor cannot cant can't don't doesn't isn't aren't wasn't weren't won't "
    "wouldn't shouldn't couldn't hasn't haven't hadn't didn't without lacks lack".split()
)
# Opposites that matter in technical answers; prefixed opposites (mutable/immutable) are found by rule.
_OPPOSITE_PAIRS = """first/last before/after increase/decrease increases/decreases larger/smaller bigger/smaller
more/less more/fewer higher/lower faster/slower min/max minimum/maximum top/bottom lifo/fifo ascending/descending
true/false always/never static/dynamic private/public synchronous/asynchronous sync/async input/output add/remove
insert/delete best/worst shallow/deep strong/weak horizontal/vertical stateless/stateful mutable/immutable
ordered/unordered sorted/unsorted stable/unstable inclusive/exclusive overfitting/underfitting overfit/underfit
bias/variance high/low constant/linear linear/quadratic logarithmic/linear inner/outer left/right encrypt/decrypt
lazy/eager optimistic/pessimistic compile/runtime client/server push/pull positive/negative allowed/forbidden
allows/forbids allow/prevent allows/prevents same/different shared/separate copy/reference start/end
beginning/end head/tail front/back parent/child parent/children success/failure succeed/fail accept/reject
open/closed correlated/uncorrelated independent/dependent supervised/unsupervised primary/secondary frequent/rare
rows/columns row/column numerator/denominator null/alternative reject/retain underestimate/overestimate
precision/recall one/many single/multiple odd/even up/down upper/lower above/below often/rarely
frequently/rarely often/seldom same/opposite forward/backward forwards/backwards minimise/maximise minimize/maximize
minimising/maximising minimizing/maximizing minimises/maximises minimizes/maximizes hard/easy hardest/easiest
harder/easier better/worse best/worst all/none early/late earlier/later cheap/expensive cheaper/dearer
large/small larger/smaller largest/smallest many/few most/least slow/fast slowest/fastest
strong/weak stronger/weaker grows/shrinks increases/reduces raises/lowers gain/loss""".split()
OPPOSITES: dict[str, frozenset[str]] = {}
for _pair in _OPPOSITE_PAIRS:
    _a, _b = _pair.split("/")
    OPPOSITES[_a] = OPPOSITES.get(_a, frozenset()) | {_b}
    OPPOSITES[_b] = OPPOSITES.get(_b, frozenset()) | {_a}
_PREFIXES = ("un", "im", "in", "ir", "il", "non", "dis")

_CLAUSE = re.compile(r"[.;!?]\s+|,\s+(?:while|whereas|but|and)\s+|\s+(?:while|whereas)\s+")
_CONTRAST_QUESTION = re.compile(r"\b(difference|differ|versus|vs|compare|compared|between|rather than)\b")
_UNITS = "millisecond|second|minute|hour|day|week|month|year"
_COMPLEXITY = re.compile(r"o\(\s*([^)]+?)\s*\)|o of ([a-z0-9 ]+?)\b(?:time|memory|space)")


@dataclass(frozen=True)
class Contradictions:
    opposite_words: int  # aligned clauses holding opposite words
    swapped_roles: int  # a contrasted term given the other term's properties
    wrong_quantities: int  # the same number with another unit, or a complexity the reference never gives

    @property
    def found(self) -> bool:
        return bool(self.opposite_words or self.swapped_roles or self.wrong_quantities)


def find_contradictions(answer: str, *, reference: str, question: str) -> Contradictions:
    return Contradictions(
        opposite_words=opposite_words(answer, reference) + negated_statements(answer, reference),
        swapped_roles=swapped_roles(answer, reference, question),
        wrong_quantities=wrong_quantities(answer, reference),
    )


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("n't", " not").replace("cannot", "can not"))


def _content_stems(text: str) -> set[str]:
    return {stem(t) for t in tokens(text) if t not in STOPWORDS}


def is_prefixed_opposite(a: str, b: str) -> bool:
    """'immutable' and 'mutable', 'unordered' and 'ordered', 'non-blocking' and 'blocking'."""
    return any(
        (len(y) >= 4 and x == prefix + y) or x == f"{prefix}-{y}"
        for prefix in _PREFIXES
        for x, y in ((a, b), (b, a))
    )


# A transcript may come without punctuation, and these cues compare clauses. A stretch of more than this many
# words with no punctuation mark at all is cut before each word that opens a clause of the reference ("...what
# happened to one request logs are numeric..." is cut before "logs"), or that word's prefixed opposite
# ("unstructured" where the reference opens with "structured"). Chosen on the contradiction set's tune topics
# as transcribed (benchmarks/README.md, grading); written answers are never cut this way.
UNPUNCTUATED_STRETCH_WORDS = 20
_MIN_RECOVERED_CLAUSE_WORDS = 3


def answer_clauses(answer: str, reference: str) -> list[str]:
    """The answer's clauses (lower-cased), recovered from a transcript that has no punctuation."""
    clauses: list[str] = []
    openers: set[str] | None = None
    for piece in _CLAUSE.split(answer.lower()):
        piece_words = piece.split()
        if len(piece_words) <= UNPUNCTUATED_STRETCH_WORDS or re.search(r"[,;:.!?]", piece):
            clauses.append(piece)
            continue
        openers = _clause_openers(reference) if openers is None else openers
        cut: list[list[str]] = [[]]
        for word in piece_words:
            if len(cut[-1]) >= _MIN_RECOVERED_CLAUSE_WORDS and word in openers:
                cut.append([])
            cut[-1].append(word)
        if len(cut) > 1 and len(cut[-1]) < _MIN_RECOVERED_CLAUSE_WORDS:  # "...we never prove the | null"
            tail = cut.pop()
            cut[-1] += tail
        clauses += [" ".join(words) for words in cut]
    return clauses


def _clause_openers(reference: str) -> set[str]:
    """The first content word of each reference clause, with its prefixed opposites."""
    openers: set[str] = set()
    for clause in _CLAUSE.split(reference.lower()):
        head = next((t for t in tokens(clause) if t not in STOPWORDS), None)
        if head is None:
            continue
        openers |= {head} | {prefix + head for prefix in _PREFIXES}
        openers |= {head[len(p) :] for p in _PREFIXES if head.startswith(p) and len(head) - len(p) >= 4}
    return openers


def opposite_words(answer: str, reference: str) -> int:
    """Answer clauses that share at least two content stems with their best-matching reference clause and
    hold a word whose opposite that clause holds (each missing from the other clause)."""
    reference_clauses = [(set(tokens(c)), _content_stems(c)) for c in _CLAUSE.split(reference.lower())]
    reference_clauses = [c for c in reference_clauses if c[1]]
    clashes = 0
    for clause in answer_clauses(answer, reference):
        answer_words, answer_stems = set(tokens(clause)), _content_stems(clause)
        best = max(reference_clauses, key=lambda c: len(answer_stems & c[1]), default=None)
        if best is None or len(answer_stems & best[1]) < 2:
            continue
        reference_words = best[0]
        for word in answer_words - reference_words:
            if any(o in reference_words and o not in answer_words for o in OPPOSITES.get(word, ())) or any(
                is_prefixed_opposite(word, r) and r not in answer_words
                for r in reference_words - answer_words
            ):
                clashes += 1
                break
    return clashes


# Words that already qualify a reference clause: "it avoids making copies" and "does not copy" agree.
_QUALIFIERS = NEGATORS | frozenset(
    "avoid avoids avoiding prevent prevents instead rather opposed only unless except poor mistake wrong bad".split()
)


def negated_statements(answer: str, reference: str) -> int:
    """Answer clauses that negate what their best-matching reference clause states plainly: "Terraform does not
    keep a state file" against "Terraform keeps a state file". Narrow on purpose, since a right answer often
    says what something is not: the reference clause holds no negator or qualifier, the answer clause is
    mostly the reference clause's words (at least 60 % of its content stems), and the first word after the
    negator is in the reference clause ("not CPU" against "a poor signal" negates nothing it said)."""
    reference_clauses = [
        (set(tokens(c)), _content_stems(c)) for c in _CLAUSE.split(reference.lower()) if _content_stems(c)
    ]
    clashes = 0
    for clause in answer_clauses(answer, reference):
        if not set(tokens(clause)) & NEGATORS:
            continue
        marked = _negation_marked_stems(clause, scope=1)
        plain = {m for m in marked if not m.startswith("not_")}
        negated = {m[4:] for m in marked if m.startswith("not_")}
        stems = plain | negated
        best = max(reference_clauses, key=lambda c: len(stems & c[1]), default=None)
        if best is None or len(stems & best[1]) < max(2, 0.6 * len(stems)):
            continue
        # Where the reference itself qualifies or negates any clause on the same subject, a negated answer
        # may well agree with it ("never tune on the test set" against "using the test set ... optimistic").
        if any(len(stems & c[1]) >= 2 and c[0] & _QUALIFIERS for c in reference_clauses):
            continue
        if negated & best[1]:
            clashes += 1
    return clashes


def swapped_roles(answer: str, reference: str, question: str) -> int:
    """Clauses that open with one contrasted term but match the reference's clause about another:
    'a tuple is mutable' against 'a list is mutable, while a tuple is immutable'. Only questions that
    contrast terms ("difference between X and Y") have roles to swap."""
    if not _CONTRAST_QUESTION.search(question.lower()):
        return 0
    subjects = _content_stems(question) & _content_stems(reference)
    reference_clauses = [{stem(t) for t in tokens(c)} for c in _CLAUSE.split(reference.lower()) if c.strip()]
    # A head noun shared by both terms ("learning" in supervised/unsupervised learning) is not a subject.
    subjects = {
        s for s in subjects if sum(s in c for c in reference_clauses) <= max(1, len(reference_clauses) // 2)
    }
    # Nor is one that stands beside two different terms ("indicators" in leading and lagging indicators).
    subjects = {
        s
        for s in subjects
        if len({o for c in reference_clauses if s in c for o in c & subjects if o != s}) < 2
    }
    if len(subjects) < 2:
        return 0

    def roles(clauses: list[str], *, carry: bool) -> list[tuple[str, set[str], set[str]]]:
        found, previous = [], None
        for clause in clauses:
            stems = [stem(t) for t in tokens(clause) if t not in STOPWORDS]
            named = [s for s in stems if s in subjects]
            # "no connection" is not "connection": a negated word is a property of its own.
            predicate = {s for s in _negation_marked_stems(clause) if s not in subjects}
            if named and named[0] in stems[:3]:  # judged only when the clause opens with its subject
                previous = (named[0], set(named))
                found.append((named[0], set(named), predicate))
            elif carry and previous and not named:
                # "A readiness probe checks ...; if it fails, the pod is removed": "it" keeps the subject.
                found.append((previous[0], previous[1], predicate))
        return found

    reference_roles = roles(_CLAUSE.split(reference.lower()), carry=True)
    swaps = 0
    for subject, named, predicate in roles(answer_clauses(answer, reference), carry=False):
        if len(named) != 1 or len(predicate) < 2:
            continue
        best = max(reference_roles, key=lambda r: len(predicate & r[2]), default=None)
        if best is None or len(predicate & best[2]) < 2 or subject in best[1]:
            continue
        own = [r for r in reference_roles if subject in r[1]]
        if not own or max(len(predicate & r[2]) for r in own) < len(predicate & best[2]):
            swaps += 1
    return swaps


def _negation_marked_stems(clause: str, *, scope: int = 3) -> list[str]:
    """The content stems of a clause, those within `scope` words after a negator written as "not_<stem>"."""
    marked, left_in_scope = [], 0
    for token in tokens(clause):
        if token in NEGATORS:
            left_in_scope = scope
            continue
        if token in STOPWORDS:
            continue
        marked.append(f"not_{stem(token)}" if left_in_scope else stem(token))
        left_in_scope = max(0, left_in_scope - 1)
    return marked


def wrong_quantities(answer: str, reference: str) -> int:
    """The same number with another time unit (43 minutes -> 43 hours), or a complexity the reference never gives."""
    clashes = 0
    reference, answer = reference.lower(), answer.lower()
    for number, unit in re.findall(rf"(\d+(?:\.\d+)?)\s*({_UNITS})s?\b", answer):
        reference_units = set(re.findall(re.escape(number) + rf"\s*({_UNITS})s?\b", reference))
        if reference_units and unit not in reference_units:
            clashes += 1
    reference_orders = {m[0] or m[1] for m in _COMPLEXITY.findall(reference)}
    answer_orders = {m[0] or m[1] for m in _COMPLEXITY.findall(answer)}
    if reference_orders and answer_orders - reference_orders:
        clashes += 1
    return clashes
