"""Issue 8 §1: the Gradio API uses and serves only the files of the caller's own Django session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async

from interviews.live.mount import GRADIO_PATH
from interviews.uploads import UNUSABLE_RECORDING
from tests.security.gradio_live import (
    PYTESTMARK,
    GradioPage,
    database_file,
    file_data,
    file_url,
    gradio_upload_folder,
    http,
    start_interview_for,
    stored_media,
    turn_count,
)

pytestmark = PYTESTMARK

VICTIM_RECORDING = b"\x1aE\xdf\xa3 the victim's recorded answer " * 64


@pytest.fixture
def outside_link():
    """A link inside Gradio's upload folder that points at a server file (resolving it must not help)."""
    folder = gradio_upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / f"link-{os.getpid()}.wav"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to("/etc/passwd")
    yield str(link)
    link.unlink()


async def _victims_upload(owner_cookie: str, interview_pk: int, content: bytes, name: str) -> str:
    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview_pk).open()
        return (await page.upload(Path(name), name=name, content=content))["path"]


def _hostile_paths(victim_upload: str, outside_link: str) -> list[str]:
    folder = gradio_upload_folder()
    return [
        victim_upload,  # another candidate's answer, inside the upload cache
        "/etc/passwd",
        "/no/such/file.wav",
        database_file(),
        f"{folder}/../../../etc/passwd",  # `..` out of the cache
        outside_link,  # a symlink in the cache pointing out of it
        str(folder),  # the cache folder itself
        f"{folder}/{'0' * 64}/never-uploaded.wav",
        "http://127.0.0.1:9/answer.wav",
    ]


async def test_a_recording_that_is_not_this_sessions_upload_gets_one_message(
    interview,
    owner_cookie,
    stranger,
    stranger_cookie,
    outside_link,
):
    victim_upload = await _victims_upload(owner_cookie, interview.pk, VICTIM_RECORDING, "answer.webm")
    attackers_interview = await start_interview_for(stranger)
    media_before = stored_media()
    errors = []
    async with http(stranger_cookie) as client:
        page = await GradioPage(client, attackers_interview).open()
        await page.load()
        for path in _hostile_paths(victim_upload, outside_link):
            answered = await page.trigger("live-submit", "click", {"live-mic": file_data(path)})
            errors.append(answered.get("live-error", ""))
            assert "live-transcript" not in answered, path  # nothing was heard or graded
    # One message whatever the path: nothing tells an existing file from a missing one.
    assert all(UNUSABLE_RECORDING in error for error in errors), errors
    assert len(set(errors)) == 1
    assert await turn_count() == 0
    assert stored_media() == media_before
    assert not Path("/etc/passwd.wav").exists()


@pytest.mark.slow
async def test_another_candidates_spoken_answer_is_not_transcribed_into_my_interview(
    interview,
    owner_cookie,
    stranger,
    stranger_cookie,
):
    from interviews.services import sessions

    speech, _ = await sync_to_async(sessions.speak)(text="I would use a dictionary to count the words.")
    victim_upload = await _victims_upload(owner_cookie, interview.pk, speech, "answer.wav")
    attackers_interview = await start_interview_for(stranger)
    async with http(stranger_cookie) as client:
        page = await GradioPage(client, attackers_interview).open()
        shown = await page.load()
        answered = await page.trigger(
            "live-submit",
            "click",
            {"live-mic": file_data(victim_upload), "live-submission-id": shown["live-submission-id"]},
        )
    assert UNUSABLE_RECORDING in answered["live-error"]
    assert await turn_count() == 0


async def test_my_own_upload_is_still_accepted(interview, owner_cookie):
    """The check lets the candidate's own recording through (it then fails as audio, not as a file)."""
    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        await page.load()
        mine = await page.upload(Path("answer.webm"), name="answer.webm", content=VICTIM_RECORDING)
        answered = await page.trigger("live-submit", "click", {"live-mic": mine})
    assert answered["live-error"].count('role="alert"') == 1
    assert UNUSABLE_RECORDING not in answered["live-error"]  # it reached speech recognition


async def test_the_file_route_serves_only_this_sessions_uploads(interview, owner_cookie, stranger_cookie):
    victim_upload = await _victims_upload(owner_cookie, interview.pk, VICTIM_RECORDING, "answer.webm")
    async with http(stranger_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        mine = (await page.upload(Path("mine.webm"), name="mine.webm", content=b"\x1aE\xdf\xa3 mine"))["path"]
        theirs = await client.get(file_url(victim_upload))
        own = await client.get(file_url(mine))
        missing = await client.get(file_url("/no/such/file"))
        system = await client.get(file_url("/etc/passwd"))
        # %2e%2e: the client would normalise a literal "..", the server decodes this one into it.
        outside = await client.get(file_url(f"{gradio_upload_folder()}/%2e%2e/%2e%2e/%2e%2e/etc/passwd"))
    async with http(owner_cookie) as client:
        victim = await client.get(file_url(victim_upload))
    assert victim.status_code == 200 and victim.content == VICTIM_RECORDING
    assert own.status_code == 200
    assert theirs.status_code == 403 and VICTIM_RECORDING not in theirs.content
    assert missing.status_code == system.status_code == outside.status_code == 403
    assert theirs.text == missing.text == system.text  # nothing tells the cases apart
    assert "root:" not in system.text + outside.text


async def test_the_interviewers_voice_is_served_to_its_own_session_only(
    interview,
    owner_cookie,
    stranger_cookie,
):
    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        shown = await page.load()
        voice_url = shown["live-voice"]["url"]
        voice_path = voice_url[voice_url.index(GRADIO_PATH) :]
        played = await client.get(voice_path)
    async with http(stranger_cookie) as client:
        stolen = await client.get(voice_path)
    assert played.status_code == 200 and played.content[:4] == b"RIFF"  # the live page's voice still plays
    assert stolen.status_code == 403
