"""One command for every speech-lab table: technical answers (report part) before vs after, LibriVox read
speech, streaming vs whole-file, and the "finish interview" matcher.

    SPEECH_LAB_CACHE=/path .venv/bin/python -m benchmarks.speech_lab.bench [--fresh] [--after SETUP] [--only answers,librivox,stream,finish] [--repeat 2]

`--fresh` decodes everything again (timing figures from this run); without it transcripts come from the
cache and the CPU column is what was measured when they were first decoded. Before and after are
decoded clip by clip, alternately, so both see the same machine load.
"""

from __future__ import annotations

import csv
import os
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.speech_lab import decoding, evalset, finish, streaming

BEFORE = "today"
AFTER = os.environ.get("SPEECH_LAB_AFTER", "tiny-prompt-nots")
LIBRIVOX = Path(os.environ.get("EVAL_DIR", evalset.ROOT.parent / "shared" / "eval")) / "speech"


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def answers_table(after: str, *, fresh: bool) -> list[dict]:
    items = [i for i in evalset.load() if i.part == "report"]
    setups = [decoding.SETUPS[BEFORE], decoding.SETUPS[after]]
    load_start = _load()
    rows_by = {s.name: [] for s in setups}
    for condition in evalset.CONDITIONS:
        for item in items:
            for setup in setups:  # alternate: the same load for both
                rows_by[setup.name] += decoding.decode_items(setup, [item], [condition], fresh=fresh)
    table = []
    for setup in setups:
        rows = rows_by[setup.name]
        summary = decoding.summarise(rows)
        cpu = sum(r["cpu"] for r in rows) / sum(r["audio"] for r in rows)
        table.append(
            {
                "set-up": f"{'before' if setup.name == BEFORE else 'after'}: {setup.name}",
                **{f"WER % {c}": summary[c] for c in evalset.CONDITIONS},
                "CPU s/audio s": round(cpu, 3),
            }
        )
    for voice, *_ in evalset.VOICES:  # clean and 10 dB white per voice
        for setup in setups:
            rows = [
                r
                for r in rows_by[setup.name]
                if r["voice"] == voice and r["condition"] in ("clean", "white10")
            ]
            summary = decoding.summarise(rows)
            table.append(
                {
                    "set-up": f"  {voice} ({setup.name})",
                    "WER % clean": summary["clean"],
                    "WER % white10": summary["white10"],
                }
            )
    seconds = sum(r["audio"] for r in rows_by[BEFORE] if r["condition"] == "clean")
    table.append(
        {
            "set-up": f"{len(items)} report-part answers, {seconds:.0f} s clean; load avg {load_start} -> {_load()}"
        }
    )
    return table


def _librivox_items() -> list[tuple[str, str]]:
    with open(LIBRIVOX / "transcripts.tsv", newline="") as handle:
        return [(row[0], row[1]) for row in csv.reader(handle, delimiter="\t") if row]


def librivox_table(after: str) -> list[dict]:
    """The five read-speech clips, clean and with white noise; `after` with no context and with an unrelated
    interview question as context (the live page always sends one)."""
    items = evalset.load()
    unrelated = decoding.context_text(items[0].topic, items[0].question, items[0].key_points)
    variants = [(BEFORE, ""), (after, ""), (after, unrelated)]
    table = []
    for name, context in variants:
        setup = decoding.SETUPS[name]
        row = {"set-up": f"{name}{' + unrelated question' if context else ''}"}
        cpu = audio = 0.0
        # Our SNR counts the speech frames only; "whole clip" is the usual definition (pauses included).
        for snr, speech_only in ((None, True), (10, True), (5, True), (0, True), (10, False)):
            errors = words = 0
            for index, (file, reference) in enumerate(_librivox_items()):
                clean = evalset.read_wav(LIBRIVOX / file)
                samples = clean
                if snr is not None:
                    noise = np.random.default_rng(100 + index).standard_normal(clean.size).astype(np.float32)
                    samples = evalset.add_noise(clean, noise, snr, speech_only=speech_only)
                started = time.process_time()
                text = decoding.transcribe(setup, samples, context)
                cpu += time.process_time() - started
                audio += samples.size / evalset.SR
                e, w = decoding.word_errors(reference, text)
                errors, words = errors + e, words + w
            column = "clean" if snr is None else f"white {snr} dB" + ("" if speech_only else " (whole clip)")
            row[column] = f"{errors}/{words} = {100 * errors / words:.1f} %"
        row["CPU s/audio s"] = round(cpu / audio, 3)
        table.append(row)
    table.append({"set-up": f"load avg {_load()}"})
    return table


def stream_table(repeat: int = 2) -> list[dict]:
    """The product's streaming transcriber fed in real time vs the product's whole-file decode after the
    stop, on the report part's long answers, `repeat` times (the load average is in each run's last row)."""
    rows: list[dict] = []
    for _ in range(repeat):
        rows += streaming.table("report", ("clean", "white10"))
    return rows


def finish_table(after: str) -> list[dict]:
    commands = evalset.load(evalset.COMMANDS)
    table = []
    for name in (BEFORE, after):
        rows = decoding.decode_items(decoding.SETUPS[name], commands, evalset.CONDITIONS)
        for part in ("tune", "report"):
            for condition in evalset.CONDITIONS:
                chosen = [
                    r
                    for r in rows
                    if r["condition"] == condition and r["id"] in {c.id for c in commands if c.part == part}
                ]
                intents = [finish.finish_intent(r["text"]) for r in chosen]
                table.append(
                    {
                        "set-up": name,
                        "part": part,
                        "condition": condition,
                        "finish": intents.count("finish"),
                        "confirm": intents.count("confirm"),
                        "missed": intents.count(None),
                        "of": len(chosen),
                        "heard (missed)": "; ".join(
                            sorted({r["text"] for r, i in zip(chosen, intents, strict=True) if i is None})
                        )[:90],
                    }
                )
    table.append(false_finishes())
    return table


def false_finishes() -> dict:
    """Text-level check: every model answer of the bank, each of its sentences, key points and hints."""
    import json
    import re

    texts = []
    for path in sorted(evalset.BANK.glob("*.json")):
        for q in json.loads(path.read_text(encoding="utf-8"))["questions"]:
            texts += [
                q["reference_answer"],
                *re.split(r"(?<=[.!?])\s+", q["reference_answer"]),
                *q["key_points"],
                q.get("hint", ""),
                q["text"],
            ]
    texts = [t for t in texts if t.strip()]
    transcripts = []
    for path in (evalset.CACHE / "transcripts").glob("*.jsonl"):
        transcripts += [
            json.loads(line)["text"] for line in path.read_text().splitlines() if '"id": "a' in line
        ]
    bad = [t for t in texts + transcripts if finish.finish_intent(t)]
    return {
        "set-up": "false finishes",
        "part": f"{len(texts)} bank texts + {len(transcripts)} answer transcripts",
        "finish": sum(finish.finish_intent(t) == "finish" for t in bad),
        "confirm": sum(finish.finish_intent(t) == "confirm" for t in bad),
        "heard (missed)": "; ".join(bad)[:90],
    }


def run(argv: list[str] | None = None) -> list[dict]:
    from benchmarks.run import print_table

    argv = argv or []
    after = argv[argv.index("--after") + 1] if "--after" in argv else AFTER
    only = (argv[argv.index("--only") + 1] if "--only" in argv else "answers,librivox,stream,finish").split(
        ","
    )
    fresh = "--fresh" in argv
    decoding.model("tiny.en"), decoding.model(decoding.SETUPS[after].model)
    if "answers" in only:
        print_table(
            f"Technical answers, report part: before {BEFORE} vs after {after}",
            answers_table(after, fresh=fresh),
        )
    if "librivox" in only:
        print_table("LibriVox read speech (5 clips, 71 words)", librivox_table(after))
    if "stream" in only:
        print_table(
            "Streaming (the product's StreamingTranscription, real-time feed) vs whole file after the stop",
            stream_table(int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 2),
        )
    if "finish" in only:
        print_table("'finish interview' in every voice and noise; matcher intents", finish_table(after))
    return []


if __name__ == "__main__":
    sys.path.insert(0, str(evalset.ROOT))
    run(sys.argv[1:])
