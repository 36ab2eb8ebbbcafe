"""Issue 8 §6: the test suite stands on the repository alone, with no ../shared beside it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.eval_data import DATA

BASE_DIR = Path(__file__).resolve().parents[2]
TESTS = BASE_DIR / "tests"
# Ways a test module could reach data outside the repository other than tests.eval_data.require_eval.
OUTSIDE_DATA = re.compile(r"\bEVAL\b|\bEVAL_DIR\b|[\"']shared[\"']|\.\./shared")


def test_the_whole_suite_collects_without_the_evaluation_set(tmp_path):
    empty = tmp_path / "no-eval"
    empty.mkdir()
    env = {**os.environ, "EVAL_DIR": str(empty), "ASAG_DIR": str(empty)}

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", str(TESTS)],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"^\d+ tests collected", result.stdout, re.MULTILINE), result.stdout[-2000:]
    assert "error" not in result.stdout.splitlines()[-1].lower()


def test_no_test_reads_the_evaluation_set_except_through_require_eval():
    offenders = []
    for module in TESTS.rglob("*.py"):
        if module.name == "eval_data.py" or module.is_relative_to(TESTS / "security"):
            continue
        for number, line in enumerate(module.read_text().splitlines(), 1):
            if OUTSIDE_DATA.search(line):
                offenders.append(f"{module.relative_to(BASE_DIR)}:{number}: {line.strip()}")

    assert offenders == [], "use tests.eval_data.DATA (in the repository) or require_eval:\n" + "\n".join(
        offenders
    )


def test_the_media_the_tests_use_are_inside_the_repository_with_their_sources():
    readme = (DATA / "README.md").read_text()
    media = [p for p in DATA.rglob("*") if p.is_file() and p.name != "README.md"]

    assert media, "tests/data holds the clips and photos the tests use"
    for path in media:
        assert path.resolve().is_relative_to(BASE_DIR), path
        assert path.name in readme, (
            f"{path.name} is not listed, with its source and licence, in tests/data/README.md"
        )
    assert sum(p.stat().st_size for p in media) < 3_000_000, (
        "keep tests/data small: larger sets belong to EVAL"
    )
