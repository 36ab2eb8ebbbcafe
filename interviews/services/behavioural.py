"""Judging answers to general (behavioural) questions on what was asked: the question's intent and, for a
"tell me about a time..." question, the parts of a STAR story (situation, task, action, result).

An answer is incorrect when it is too short, evasive (clichés or denial with nothing concrete behind them) or
off-intent (no sign of what the question is about: no reason given to a "why" question, no disagreement in a
conflict story, no mistake in a failure story). Otherwise it is correct when complete (a story with situation,
action and result; an opinion with a reason and concrete detail), else partial, and the feedback names what
is missing. The rubric and the labelled answers it was measured on are in benchmarks/data/grading/.
The three thresholds were fitted on the tune questions of that set; the cue lists are per intent, not per
question, so a new general question only needs an `intent` in the bank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from interviews.domain import Verdict

STAR_PARTS = ("situation", "task", "action", "result")

# What an on-intent answer contains at least once (lower-cased text), per intent.
INTENT_CUES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in {
        "introduction": r"\b(i'm|i am|currently|right now|at the moment|i work|i've worked|studying|finishing)\b",
        "motivation": r"\b(because|why|love|enjoy|attract|excit|motivat|curious|curiosity|fascinat|satisf|"
        r"that's what|that is what|what keeps|realis|realiz|i want|i'd like|feeling|drew me|the part .* like)\w*",
        "strength": r"\b(strength|strong|good at|best at)\w*",
        "weakness": r"\b(weakness|gap|struggle|not (very )?good|haven't|have not|never (written|used|operated|worked)|"
        r"lack|tend to|used to|too (long|much|big)|bottleneck|rush|hard for me|difficult for me)\w*",
        "learning": r"\b(learn|read|documentation|docs|course|tutorial|guide|practi[cs]e|newsletter|blog|follow|"
        r"changelog|release notes|meetup|conference|try|tried|review)\w*",
        "achievement": r"\b(built|designed|wrote|created|implemented|proud|solved|hardest|fixed|found|chose)\b",
        "conflict": r"\b(disagree|conflict|argu|tension|tense|push(ed)? back|concern|didn't agree|did not agree|"
        r"insisted|worried|different (view|opinion)|objected|wanted .* (i|he|she) (thought|wanted))\w*",
        "failure": r"\b(mistake|fail|my fault|broke|bug|wrong|missed|underestimat|should have|owned|outage|down for|"
        r"forgot|without testing)\w*",
        "prioritising": r"\b(priorit|urgent|urgency|impact|rank|deadline|stakeholder|scope|milestone|trade-?off|"
        r"options|first|most important|blocker|behind|delay)\w*",
        "communication": r"\b(explain|non-technical|analogy|jargon|like a|compared|drawing|chart|showed|"
        r"tell me back|understood|understand)\w*",
        "feedback": r"\b(told me|said (that )?(my|i)|feedback|pointed out|criticis|my review|my (code|pull requests|prs))\w*",
        "ambiguity": r"\b(unclear|assum|clarif|question|don't know|didn't know|uncertain|without|risk|reversible|"
        r"estimate|decid|sampl|guess)\w*",
        "leadership": r"\b(led|lead|organis|organiz|propos|convinc|buy-in|set the goal|coordinat|booked|asked .* to|"
        r"kept .* going|chasing|wasn't .* (lead|manager)|nobody owned)\w*",
    }.items()
}
INTENTS = frozenset(INTENT_CUES)

# How the feedback names an intent ("this question asks about ...").
INTENT_LABELS = {
    "introduction": "who you are now and what brings you here",
    "motivation": "your reasons: why this work and this role",
    "strength": "one real strength and the evidence for it",
    "weakness": "a genuine weakness and what you are doing about it",
    "learning": "how you learn, with an example",
    "achievement": "something you achieved and your part in it",
    "conflict": "a real disagreement and how you handled it",
    "failure": "a mistake you made, what you did about it and what you learned",
    "prioritising": "how you decide what comes first under pressure",
    "communication": "how you explain technical work to non-technical people",
    "feedback": "criticism you received and what you changed",
    "ambiguity": "how you act when the requirements or facts are unclear",
    "leadership": "leading people or an initiative",
}

# Signs of the neighbouring intent that answers are most often confused with.
CONFLICTING_CUES: dict[str, re.Pattern[str]] = {
    "weakness": re.compile(
        r"\b(really good at|one thing i'?m (really )?good at|fit the role very well|strong \w+ experience)\b"
    ),
    "failure": re.compile(r"\b(my biggest success|success)\b"),
    "feedback": re.compile(r"\b(i gave feedback|gave feedback to)\b"),
    "conflict": re.compile(r"\b(worked really well together|we all agreed)\b"),
}
EVASIVE = re.compile(
    r"\b(hundred percent|100 ?%|110|team player|people person|passionate|hard-working|hard working|natural(ly)? "
    r"(leader|good)|never (really )?(had|have|been)|don't really (have|see)|do not really|i just|always give|"
    r"hard to (say|pick)|all of them|everything about it|whatever comes|go with the flow|trust my gut|"
    r"well-paid|well paid|salary|job security|in high demand|career of the future|biggest trend|"
    r"see where life|cv says|applying to quite a few|can't think of|perfectionist|care too much|work too hard)\b"
)
# "I was", "I felt": first-person verbs that are not actions.
_STATIVE = frozenset(
    "was had felt thought liked enjoyed wanted needed loved knew realised realized believed hoped seemed used "
    "learned learnt am have think like".split()
)
_IRREGULAR_PAST = frozenset(
    "wrote built made ran took gave told set put brought chose led kept found sent spent met went began drew showed "
    "read did got came split sat shipped rewrote caught spoke stood won left paid held moved weighed picked booked "
    "owned".split()
)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|my|me)\b")
_ACTION = re.compile(r"\bi\s+(?:\w+ly\s+|then\s+|also\s+|first\s+)?(\w+)\b")
_SITUATION = re.compile(
    r"\b(last (year|month|spring|summer|autumn|winter|quarter|week)|at my (last|previous|current|first)|"
    r"in my (last|first|previous|current|internship|thesis)|during|once|at university|in a (team|university)|"
    r"our (team|company|app|service|product|analysts|customer|sales|mobile|marketing|manager)|my (manager|lead|"
    r"tech lead|dad|colleague)|a colleague|the other|weeks? before|months? (before|ago)|years? ago|on a (data|"
    r"university)|when|whenever|there was|there were|it was|we had)\b"
)
_TASK = re.compile(
    r"\b((i|we) (had|needed|was asked|were asked|was supposed) to|my (job|task|role|goal|responsibility) (was|is)|"
    r"i was asked|set the goal|the goal|had to (decide|explain|finish|deliver|find|choose)|was on call|"
    r"deadline|within (an?|\d+|one|two|three|six|the) \w+|before (the|a) \w+ (demo|launch|report|meeting|run))\b"
)
_RESULT = re.compile(
    r"\b(as a result|in the end|eventually|afterwards|after that|since then|ended up|dropped|rose|fell|increased|"
    r"reduced|decreased|cut|saved|doubled|halved|went (from|to|down|up|without)|signed|approved|adopted|"
    r"launched|shipped|landed|delivered|stayed|haven't had|no longer|learned|learnt|lesson|improved|confirmed|matched|copied|"
    r"now (use|takes|writes|requires|uses)|still uses|became|stopped|worked well|went to zero|to zero|"
    r"faster|fewer|result|work well|works well|"
    # A measured change in any tense: recognisers lose the "-ed" before "to" ("failures drop to almost zero").
    r"(drop|drops|rise|rises|fall|falls|grow|grows|grew|increases?|reduces?|decreases?|doubles?|halves?) "
    r"(to|from|by))\b|\d+ ?(%|percent)"
)
_NUMBER = re.compile(r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twenty|forty|half|quarter)\b")
_NAMED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z+#]+")  # capitalised words that do not open a sentence
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[a-z0-9']+")

# Fitted on the tune questions of benchmarks/data/grading/behavioural.jsonl (3-class macro-F1).
MIN_WORDS = 10
COMPLETE_WORDS = 40  # a complete answer needs some room
MIN_SPECIFICS = 1  # numbers, first-person actions, named things
# Speech recognisers do not always punctuate ("...failures dropped to almost zero and my manager now asks me..."):
# a stretch longer than a written sentence (99 % of the tune answers' sentences are under 38 words) is cut into
# pieces of this many words, so that "the opening" and "after it" mean in a transcript what they mean in typed
# text. Chosen on the tune questions as transcribed (benchmarks.bench_grading: punctuation and capitals removed).
UNPUNCTUATED_STRETCH_WORDS = 40
SPOKEN_SENTENCE_WORDS = 14

_MISSING_PART_ADVICE = {
    "situation": "set the scene (where you were and what was going on)",
    "task": "say what you had to achieve",
    "action": "say what you did yourself",
    "result": "finish with the outcome and what you learned",
}
_PART_LABELS = {
    "situation": "the situation",
    "task": "the task",
    "action": "what you did",
    "result": "the result",
}


@dataclass(frozen=True)
class StarParts:
    situation: bool
    task: bool
    action: bool
    result: bool

    def present(self) -> tuple[str, ...]:
        return tuple(part for part in STAR_PARTS if getattr(self, part))

    def missing(self) -> tuple[str, ...]:
        return tuple(part for part in STAR_PARTS if not getattr(self, part))


@dataclass(frozen=True)
class BehaviouralJudgement:
    verdict: Verdict
    score: float  # the share of human graders' "correct" expected at this verdict (see SCORES)
    reason: str  # why, for the record: "too short", "evasive", "off intent: conflict", "missing: result"...
    feedback: str  # said to the candidate when the answer is not correct
    star: StarParts | None = None  # story questions only
    covered: tuple[str, ...] = ()  # STAR parts told, named for the praise


# No labelled data large enough to calibrate within a verdict yet: one score per verdict.
SCORES: dict[str, float] = {"correct": 0.85, "partial": 0.5, "incorrect": 0.1}


def first_person_actions(text: str) -> int:
    """How many "I <past-tense verb>" actions a text tells (I proposed, I wrote), not states (I was, I felt)."""
    verbs = _ACTION.findall(text.lower())
    return sum(
        1 for verb in verbs if verb not in _STATIVE and (verb.endswith("ed") or verb in _IRREGULAR_PAST)
    )


def story_sentences(answer: str) -> list[str]:
    """The answer's sentences; an unpunctuated stretch (a transcript) is cut into sentence-sized pieces."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(answer.strip()):
        tokens = sentence.split()
        if len(tokens) <= UNPUNCTUATED_STRETCH_WORDS:
            pieces += [sentence] if tokens else []
            continue
        step = SPOKEN_SENTENCE_WORDS
        pieces += [" ".join(tokens[start : start + step]) for start in range(0, len(tokens), step)]
    return pieces


def detect_star(answer: str) -> StarParts:
    """Which STAR parts a story states; the result must come after the opening sentence (it ends the story)."""
    sentences = story_sentences(answer)
    lowered = [s.lower() for s in sentences]
    actions = [first_person_actions(s) for s in sentences]
    situation = any(_SITUATION.search(s) for s in lowered[:2]) or (len(sentences) > 2 and actions[0] == 0)
    return StarParts(
        situation=situation,
        task=any(_TASK.search(s) for s in lowered),
        action=sum(actions) > 0,
        result=any(_RESULT.search(s) for s in lowered[1:]),
    )


def specifics(answer: str) -> int:
    """Concrete detail: numbers, first-person actions and (up to three) named things."""
    named = len(_NAMED.findall(answer))
    return len(_NUMBER.findall(answer.lower())) + first_person_actions(answer) + min(named, 3)


def judge(answer: str, *, intent: str, story: bool) -> BehaviouralJudgement:
    """The verdict on one answer to a general question whose `intent` is one of INTENTS."""
    lowered = answer.lower()
    word_count = len(_WORD.findall(lowered))
    star = detect_star(answer) if story else None
    covered = tuple(_PART_LABELS[p] for p in star.present()) if star else ()

    def verdict(name: Verdict, reason: str, feedback: str = "") -> BehaviouralJudgement:
        return BehaviouralJudgement(name, SCORES[name], reason, feedback, star, covered)

    if word_count < MIN_WORDS:
        return verdict(
            "incorrect",
            "too short",
            "Give a fuller answer: a concrete example from your own experience helps.",
        )
    detail = specifics(answer)
    if EVASIVE.search(lowered) and detail < MIN_SPECIFICS + 1:
        return verdict("incorrect", "evasive", "Back your answer with one concrete, real example.")
    on_intent = INTENT_CUES[intent].search(lowered) is not None
    conflicting = intent in CONFLICTING_CUES and CONFLICTING_CUES[intent].search(lowered) is not None
    if not _FIRST_PERSON.search(lowered) or not on_intent or conflicting:
        return verdict(
            "incorrect",
            f"off intent: {intent}",
            f"Answer what was asked: this question is about {INTENT_LABELS[intent]}.",
        )
    if detail < MIN_SPECIFICS:
        return verdict("partial", "no concrete detail", "Add a concrete example with specifics.")
    if star is not None:
        missing = [part for part in ("situation", "action", "result") if part in star.missing()]
        if missing or word_count < COMPLETE_WORDS:
            told = [_PART_LABELS[p] for p in star.present()]
            lead = (
                f"You described {_joined(told)} but not {_joined([_PART_LABELS[p] for p in missing])}: "
                if told and missing
                else "You told part of the story: "
            )
            advice = _joined([_MISSING_PART_ADVICE[p] for p in missing]) or "add more detail"
            return verdict("partial", f"missing: {', '.join(missing) or 'detail'}", f"{lead}{advice}.")
        return verdict("correct", "complete story")
    if word_count < COMPLETE_WORDS:
        return verdict("partial", "thin", "On the right track: add a reason and a concrete example.")
    return verdict("correct", "complete")


def _joined(items: list[str]) -> str:
    return ", ".join(items[:-1]) + (" and " if len(items) > 1 else "") + items[-1] if items else ""
