"""Gradio's matplotlib probe around every event is answered at once when matplotlib is not installed."""

import importlib.util
import sys
import types

import pytest
from gradio.utils import MatplotlibBackendMananger

from interviews.live.mount import _answer_gradios_matplotlib_probe_at_once

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("matplotlib") is not None, reason="matplotlib is installed here"
)


@pytest.fixture
def no_matplotlib_entry():
    sys.modules.pop("matplotlib", None)
    yield
    sys.modules.pop("matplotlib", None)


def test_without_matplotlib_the_import_fails_at_once_and_gradios_events_still_run(no_matplotlib_entry):
    assert _answer_gradios_matplotlib_probe_at_once()

    with pytest.raises(ImportError):
        import matplotlib  # noqa: F401
    with MatplotlibBackendMananger():  # what Gradio wraps around each event
        pass


def test_a_loaded_matplotlib_is_left_alone(no_matplotlib_entry):
    loaded = types.ModuleType("matplotlib")
    sys.modules["matplotlib"] = loaded

    assert not _answer_gradios_matplotlib_probe_at_once()
    assert sys.modules["matplotlib"] is loaded
