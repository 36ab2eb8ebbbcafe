"""Where the public labelled eval data lives: `shared/eval` beside the repository (EVAL_DIR overrides)."""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EVAL = Path(os.environ.get("EVAL_DIR", REPO.parent / "shared" / "eval"))
