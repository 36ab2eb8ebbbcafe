"""The Gradio app inside the ASGI application: dispatch, Django-session auth, and the real callbacks."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from interviews.live.events import group_name
from interviews.live.mount import GRADIO_PATH
from interviews.models import InterviewSession, Turn
from tests.eval_data import DATA
from tests.interviews.live.gradio_client import GradioPage, http

SPOKEN_ANSWER = (
    DATA / "speech" / "sense_and_sensibility_01_austen_64kb-0880.wav"
)  # "he was not an ill disposed young man"
FACE_VIDEO = DATA / "faces" / "single_face.mp4"

# Gradio's queue workers live on the event loop that served its first request: one loop per module.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:.*:pandas.errors.Pandas4Warning"),
]


@pytest.fixture(autouse=True)
def in_memory_layer(memory_channel_layer):
    return memory_channel_layer


@pytest.fixture
def current_question(interview) -> str:
    return InterviewSession.objects.get(pk=interview.pk).engine_state["current"]["text"]


@sync_to_async
def turn_count(interview) -> int:
    return Turn.objects.filter(session=interview).count()


@sync_to_async
def status_of(interview) -> str:
    return InterviewSession.objects.get(pk=interview.pk).status


async def test_gradio_refuses_requests_without_a_django_session(interview):
    async with http() as client:
        assert (await client.get(f"{GRADIO_PATH}/?session={interview.pk}")).status_code == 401
        assert (await client.get(f"{GRADIO_PATH}/config")).status_code == 401
        join = await client.post(f"{GRADIO_PATH}/gradio_api/queue/join", json={"fn_index": 0, "data": []})
        assert join.status_code == 401


async def test_gradio_refuses_the_page_of_someone_elses_interview(interview, stranger_cookie):
    async with http(stranger_cookie) as client:
        refused = await client.get(f"{GRADIO_PATH}/?session={interview.pk}")
        missing = await client.get(f"{GRADIO_PATH}/?session={interview.pk + 1000}")
    assert refused.status_code == missing.status_code == 403
    assert refused.text == missing.text  # nothing tells the two apart


async def test_the_dispatcher_sends_gradio_paths_to_gradio_and_the_rest_to_django(interview, owner_cookie):
    async with http(owner_cookie) as client:
        gradio_page = await client.get(f"{GRADIO_PATH}/?session={interview.pk}")
        gradio_config = await client.get(f"{GRADIO_PATH}/config")
        django_page = await client.get(f"/interviews/{interview.pk}/live/")
        lookalike = await client.get("/live/gradio-not-really/")
    assert gradio_page.status_code == 200 and "gradio" in gradio_page.text.lower()
    assert any(
        c.get("props", {}).get("elem_id") == "live-question" for c in gradio_config.json()["components"]
    )
    # Gradio builds its asset and API URLs under the mount path.
    assert gradio_config.json()["root"].endswith(GRADIO_PATH)
    assert django_page.status_code == 200 and 'id="live-frame"' in django_page.text
    assert lookalike.status_code == 404 and "gradio_api" not in lookalike.text


async def test_the_app_shows_and_speaks_the_current_question(interview, owner_cookie, current_question):
    question = current_question
    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        shown = await page.load()
    assert question in shown["live-question"].replace("&#x27;", "'").replace("&quot;", '"')
    assert "Question 1 of" in shown["live-meta"]
    assert shown["live-voice"]["path"].endswith(".wav")  # the embedded voice spoke it
    assert shown["live-submission-id"]


async def test_a_callback_for_someone_elses_interview_reveals_nothing(
    interview, stranger_cookie, current_question
):
    question = current_question
    async with http(stranger_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        shown = await page.load()
        answered = await page.trigger("live-submit", "click", {"live-answer-text": "finish interview"})
    assert "not available" in shown["live-question"]
    assert question not in json.dumps(shown)
    assert "not available" in answered["live-error"]
    assert await status_of(interview) == InterviewSession.Status.IN_PROGRESS
    assert await turn_count(interview) == 0


async def test_an_empty_answer_is_refused_without_grading(interview, owner_cookie):
    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        await page.load()
        answered = await page.trigger("live-submit", "click", {"live-answer-text": "   "})
    assert "Record or type an answer first" in answered["live-error"]
    assert await turn_count(interview) == 0


async def test_finishing_ends_the_interview_links_the_report_and_tells_the_socket(interview, owner_cookie):
    layer = get_channel_layer()
    listener = await layer.new_channel()
    await layer.group_add(group_name(interview.pk), listener)
    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        await page.load()
        finished = await page.trigger("live-finish", "click")
    assert 'href="' in finished["live-report"] and "report" in finished["live-report"].lower()
    assert "over" in finished["live-question"]
    assert await status_of(interview) == InterviewSession.Status.FINISHED
    # Nothing left to answer: the answer controls are gone, the report link stays.
    assert all(
        finished[control]["visible"] is False for control in ("live-submit", "live-finish", "live-mic")
    )
    events = [await layer.receive(listener) for _ in range(3)]
    assert events[0] == {"type": "live.progress", "message": "Finishing…"}
    assert events[1]["type"] == "live.state" and events[1]["state"]["status"] == "finished"
    assert events[2] == {"type": "live.progress", "message": ""}  # the status bar's progress line ends


@pytest.mark.slow
async def test_a_typed_answer_submitted_twice_is_graded_once(interview, owner_cookie):
    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        shown = await page.load()
        draft = shown["live-submission-id"]
        answer = {
            "live-answer-text": "I enjoy building reliable software and this team's work matters to me.",
            "live-submission-id": draft,
        }
        first = await page.trigger("live-submit", "click", answer)
        second = await page.trigger("live-submit", "click", answer)
    assert await turn_count(interview) == 1
    assert first["live-verdict"].count("ib-verdict-") == 1 and "ib-verdict-none" not in first["live-verdict"]
    assert first["live-transcript"].startswith("I enjoy building")
    assert first["live-submission-id"] != draft  # a fresh id for the next answer
    assert second["live-transcript"] == first["live-transcript"]


@pytest.mark.slow
async def test_a_spoken_answer_is_transcribed_and_graded(interview, owner_cookie):
    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        shown = await page.load()
        recording = await page.upload(SPOKEN_ANSWER)
        answered = await page.trigger(
            "live-submit", "click", {"live-mic": recording, "live-submission-id": shown["live-submission-id"]}
        )
    assert "young man" in answered["live-transcript"].lower()  # Whisper tiny hears "ill disposed" loosely
    assert "ib-verdict-none" not in answered["live-verdict"]
    turn = await sync_to_async(Turn.objects.get)(session=interview)
    assert turn.input_mode == Turn.InputMode.SPOKEN


async def test_an_unusable_recording_is_explained_and_nothing_is_recorded(interview, owner_cookie):
    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        await page.load()
        garbage = await page.upload(
            SPOKEN_ANSWER, name="answer.webm", content=b"\x1aE\xdf\xa3 not a real webm" * 40
        )
        answered = await page.trigger("live-submit", "click", {"live-mic": garbage})
    assert answered["live-error"].count('role="alert"') == 1
    assert "Your answer was kept" not in answered["live-error"]  # an input problem, not a failing service
    assert "live-transcript" not in answered  # the page keeps what it showed; nothing was graded
    assert await turn_count(interview) == 0


async def test_a_recording_over_the_upload_limit_is_refused(interview, owner_cookie, settings):
    settings.MAX_UPLOAD_BYTES = 4096
    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        await page.load()
        recording = await page.upload(SPOKEN_ANSWER)
        answered = await page.trigger("live-submit", "click", {"live-mic": recording})
    assert "too large" in answered["live-error"]
    assert await turn_count(interview) == 0


async def test_submit_waits_while_the_microphone_records_and_uploads(interview, owner_cookie):
    # Gradio fires stop_recording only once the recording is uploaded: Submit is disabled until then.
    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        await page.load()
        recording = await page.trigger("live-mic", "start_recording")
        uploaded = await page.trigger("live-mic", "stop_recording")
    assert recording["live-submit"]["interactive"] is False
    assert recording["live-submit"]["value"] == "Waiting for your recording…"
    assert uploaded["live-submit"]["interactive"] is True
    assert uploaded["live-submit"]["value"] == "Submit answer"


async def test_a_microphone_the_browser_refuses_after_record_gives_submit_back(interview, owner_cookie):
    # The streaming recorder fires start_recording before asking for the microphone; refused, no stop follows.
    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        await page.load()
        held = await page.trigger("live-mic", "start_recording")
        back = await page.trigger(
            "live-mic-problem", "change", {"live-mic-problem": "microphone_unavailable:1"}
        )
    assert held["live-submit"]["interactive"] is False
    assert back["live-submit"]["interactive"] is True
    assert back["live-submit"]["value"] == "Submit answer"


async def test_while_the_reply_is_prepared_submit_is_disabled_and_says_so(interview, owner_cookie):
    layer = get_channel_layer()
    listener = await layer.new_channel()
    await layer.group_add(group_name(interview.pk), listener)
    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        await page.load()
        await page.trigger("live-submit", "click", {"live-answer-text": "finish interview"})
    evaluating, *_ = page.yields
    preparing = next(
        step for step in page.yields if "Preparing the interviewer" in step.get("live-status", "")
    )
    for busy in (evaluating, preparing):
        assert busy["live-submit"]["interactive"] is False
        assert busy["live-answer-text"]["interactive"] is False
    assert evaluating["live-submit"]["value"] == "Evaluating your answer…"
    assert preparing["live-submit"]["value"] == "Preparing the reply…"
    assert "ib-idle" in page.yields[-1]["live-status"]
    # The status bar of the page hears the same steps, and the progress line ends empty.
    events = [await layer.receive(listener) for _ in range(4)]
    assert [e["type"] for e in events] == ["live.progress", "live.state", "live.progress", "live.progress"]
    assert events[2]["message"] == "Preparing the interviewer's reply…"
    assert events[3]["message"] == ""


async def test_the_one_webcam_switch_is_remembered_for_the_interview(interview, owner_cookie):
    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        shown = await page.load()
        assert shown["live-consent-video"]["value"] is False
        switched = await page.trigger("live-consent-video", "input", {"live-consent-video": True})
        assert switched["live-consent-video"] is True
        assert await sync_to_async(lambda: InterviewSession.objects.get(pk=interview.pk).consent_video)()
        await page.trigger("live-consent-video", "input", {"live-consent-video": False})
    assert not await sync_to_async(lambda: InterviewSession.objects.get(pk=interview.pk).consent_video)()
