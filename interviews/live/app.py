"""The Gradio Blocks app of a live interview, as a page: the layout, then which event runs which callback.

Shows and speaks questions, takes spoken or typed answers; the callbacks are in interviews.live.callbacks,
the HTML in interviews.live.render, the CSS and JS in static/gradio/ (loaded by interviews.live.mount).

Stable element ids (for browser tests and the page's own JS), all inside the Gradio iframe:
    #live-question         current question text          #live-meta        stage, question n of N, attempt
    #live-voice            interviewer audio (autoplay)   #live-status      progress ("Transcribing…") / idle
    #live-mic              microphone recorder            #live-mic-status  "microphone unavailable" notice
    #live-answer-text      typed answer                   #live-submit      submit the answer
    #live-finish           finish the interview           #live-error       input / service error text
    #live-confirm-yes      "Yes, finish" / "No, continue": shown while the interviewer asks "Do you want
    #live-confirm-no       to finish the interview?" (a half-heard command); they answer "yes" / "no"
    #live-transcript       what was heard / typed         #live-verdict     correct / partial / incorrect
    #live-feedback         praise, hint or revealed answer
    #live-notices          fallback notices               #live-expression  latest expression seen (discreet)
    #live-consent-video    the one webcam switch          #live-webcam      streaming webcam (while the switch is on)
    #live-camera-status    camera notice (no face, frozen, stopped, refused)
    #live-camera-problem   hidden: live_app.js writes "camera_denied" / "camera_lost" here for the server
    #live-mic-problem      hidden: live_app.js writes "microphone_unavailable" here when the browser refuses it
    #live-report           link to the report (when finished)
    #live-history          earlier questions and verdicts (inside a closed accordion: open it first)
    #live-submission-id    hidden: id of the current answer draft (a double submit is graded once)
    #live-mic-whole        hidden: live_app.js's own recording of the whole spoken answer, as
                           {"path": <its upload>, "seconds": …}, sent with Submit (streaming microphone only)
"""

from __future__ import annotations

import gradio as gr
from django.conf import settings

from interviews.live.blocks import LiveBlocks
from interviews.live.callbacks import (
    MAX_TYPED_ANSWER_CHARS,
    LiveCallbacks,
    LiveUI,
    frame_interval_seconds,
)
from interviews.live.render import (
    CONFIRM_NO_LABEL,
    CONFIRM_YES_LABEL,
    RECORDING_LABEL,
    SUBMIT_LABEL,
    camera_status_html,
    error_html,
    expression_html,
    history_empty_html,
    meta_placeholder_html,
    muted_question_html,
    notices_html,
    status_html,
    verdict_empty_html,
)
from interviews.services.dictation import STREAM_EVERY_SECONDS


def build_blocks() -> gr.Blocks:
    """The live-interview app; one instance serves every session (the session comes from ?session=<pk>)."""
    streaming = settings.STT_STREAMING
    with LiveBlocks(
        title="InterBot live interview", delete_cache=(900, 1800), fill_width=True, analytics_enabled=False
    ) as demo:
        with gr.Row(equal_height=False, elem_id="live-layout"):
            with gr.Column(scale=3):
                meta = gr.HTML(meta_placeholder_html(), elem_id="live-meta")
                question = gr.HTML(muted_question_html("Loading…"), elem_id="live-question")
                voice = gr.Audio(
                    label="Interviewer",
                    type="filepath",
                    autoplay=True,
                    interactive=False,
                    elem_id="live-voice",
                    buttons=[],
                )
                status = gr.HTML(status_html(), elem_id="live-status")
                error = gr.HTML(error_html(), elem_id="live-error")
                with gr.Group():
                    gr.HTML("", elem_id="live-mic-status")  # filled by live_app.js when the mic fails
                    mic_problem = gr.Textbox(visible="hidden", elem_id="live-mic-problem")
                    # Streaming: the answer is transcribed while it is spoken (interviews.services.dictation).
                    mic = gr.Audio(
                        sources=["microphone"],
                        type="filepath",
                        label="Answer aloud",
                        elem_id="live-mic",
                        buttons=[],
                        streaming=streaming,
                    )
                    answer_text = gr.Textbox(
                        label="…or type your answer",
                        lines=3,
                        max_lines=10,
                        elem_id="live-answer-text",
                        max_length=MAX_TYPED_ANSWER_CHARS,
                        placeholder="Type here if you prefer not to speak. Typing “finish interview” ends it.",
                    )
                    submission_id = gr.Textbox(visible=False, elem_id="live-submission-id")
                    # Gradio's streaming recorder loses the first and last seconds on a busy server: the page
                    # records the whole answer too (live_app.js, only where this box has ib-record-whole).
                    mic_whole = gr.Textbox(
                        visible="hidden",
                        elem_id="live-mic-whole",
                        elem_classes=["ib-record-whole"] if streaming else None,
                        max_length=4096,
                    )
                with gr.Row():
                    submit = gr.Button(SUBMIT_LABEL, variant="primary", elem_id="live-submit", scale=3)
                    finish = gr.Button(
                        "Finish interview", variant="stop", elem_id="live-finish", scale=1, min_width=170
                    )
                with gr.Row():
                    confirm_yes = gr.Button(
                        CONFIRM_YES_LABEL, variant="stop", visible=False, elem_id="live-confirm-yes"
                    )
                    confirm_no = gr.Button(
                        CONFIRM_NO_LABEL, variant="primary", visible=False, elem_id="live-confirm-no"
                    )
                report = gr.HTML("", elem_id="live-report")
            with gr.Column(scale=2):
                transcript = gr.Textbox(
                    label="What we heard", interactive=False, lines=3, elem_id="live-transcript"
                )
                verdict = gr.HTML(verdict_empty_html(), elem_id="live-verdict")
                feedback = gr.HTML('<div class="ib-feedback"></div>', elem_id="live-feedback")
                notices = gr.HTML(notices_html([]), elem_id="live-notices")
                with gr.Group(elem_classes=["ib-webcam"]):
                    consent_video = gr.Checkbox(
                        label="Analyse my facial expressions (webcam, nothing recorded)",
                        value=False,
                        elem_id="live-consent-video",
                    )
                    # Still frames every 1/VISION_FPS s while the switch is on (live_app.js starts the camera);
                    # analysed as they arrive and never stored.
                    webcam = gr.Image(
                        sources=["webcam"],
                        streaming=True,
                        label="Camera",
                        webcam_options=gr.WebcamOptions(mirror=True),
                        buttons=[],
                        visible=False,
                        elem_id="live-webcam",
                    )
                    camera_status = gr.HTML(camera_status_html(""), elem_id="live-camera-status")
                    camera_problem = gr.Textbox(visible="hidden", elem_id="live-camera-problem")
                    expression = gr.HTML(expression_html(""), elem_id="live-expression")
                with gr.Accordion("Your answers so far", open=False):
                    history = gr.HTML(history_empty_html(), elem_id="live-history")

        ui = LiveUI(
            meta=meta,
            question=question,
            voice=voice,
            status=status,
            error=error,
            mic=mic,
            answer_text=answer_text,
            submission_id=submission_id,
            mic_whole=mic_whole,
            submit=submit,
            finish=finish,
            confirm_yes=confirm_yes,
            confirm_no=confirm_no,
            report=report,
            transcript=transcript,
            verdict=verdict,
            feedback=feedback,
            notices=notices,
            consent_video=consent_video,
            webcam=webcam,
            camera_status=camera_status,
            camera_problem=camera_problem,
            expression=expression,
            history=history,
        )
        live = LiveCallbacks(ui)

        # Events in this order: their position is the fn_index API callers (and tests) use.
        demo.load(live.on_load, inputs=None, outputs=ui.every_output, show_progress="hidden")
        submit_event = dict(
            fn=live.on_submit,
            inputs=[answer_text, mic, submission_id, mic_whole],
            outputs=ui.every_output,
            show_progress="hidden",
            trigger_mode="once",
            concurrency_limit=None,
            preprocess=False,  # the callback checks the recording (uploads.checked_upload) before anything opens it
        )
        submit.click(**submit_event)
        answer_text.submit(**submit_event)
        finish.click(
            live.on_finish,
            inputs=None,
            outputs=ui.every_output,
            show_progress="hidden",
            trigger_mode="once",
            concurrency_limit=None,
        )
        # Submit waits while the microphone records and uploads; a recording is never submitted half-way.
        if streaming:
            mic.start_recording(
                live.on_start_speaking,
                inputs=None,
                outputs=[submit, transcript, error],
                show_progress="hidden",
                concurrency_limit=None,
            )
            mic.stop_recording(
                live.on_stop_speaking,
                inputs=None,
                outputs=[submit, transcript, error],
                show_progress="hidden",
                concurrency_limit=None,
            )
        else:
            mic.start_recording(
                lambda: gr.update(interactive=False, value=RECORDING_LABEL),
                inputs=None,
                outputs=submit,
                show_progress="hidden",
                concurrency_limit=None,
            )
            mic.stop_recording(
                lambda: gr.update(interactive=True, value=SUBMIT_LABEL),
                inputs=None,
                outputs=submit,
                show_progress="hidden",
                concurrency_limit=None,
            )
        # The one webcam switch: on, the camera streams while the page is open; off, it stops.
        consent_video.input(
            live.on_consent,
            inputs=consent_video,
            outputs=[consent_video, webcam, camera_status, expression],
            show_progress="hidden",
            concurrency_limit=None,
        )
        webcam.stream(
            live.on_frame,
            inputs=webcam,
            outputs=[
                expression,
                camera_status,
            ],  # never the webcam itself: its busy state would pause the stream
            stream_every=frame_interval_seconds(),
            time_limit=None,
            show_progress="hidden",
            concurrency_limit=None,
            preprocess=False,  # a frame is hostile bytes: interviews.ai.vision.decode_frame checks them
        )
        camera_problem.change(
            live.on_camera_problem,
            inputs=camera_problem,
            outputs=[camera_status],
            show_progress="hidden",
            concurrency_limit=None,
        )
        # Frames seen from now on belong to the answer, not to listening to the question.
        for started in (mic.start_recording, answer_text.focus):
            started(
                live.on_answer_started,
                inputs=None,
                outputs=None,
                show_progress="hidden",
                concurrency_limit=None,
            )
        # The replies to "Do you want to finish the interview?" go through the answer path as "yes" / "no".
        for button, reply in ((confirm_yes, live.on_confirm_yes), (confirm_no, live.on_confirm_no)):
            button.click(
                reply,
                inputs=[submission_id],
                outputs=ui.every_output,
                show_progress="hidden",
                trigger_mode="once",
                concurrency_limit=None,
            )
        if streaming:
            # Last, so the fn_index of every event above stays what it was.
            mic.stream(
                live.on_speech,
                inputs=[mic],
                outputs=[
                    transcript,
                    error,
                    question,
                    status,
                    mic,
                    answer_text,
                    submit,
                    finish,
                    confirm_yes,
                    confirm_no,
                ],
                show_progress="hidden",
                concurrency_limit=None,
                preprocess=False,  # the callback checks each chunk (uploads.checked_upload) before reading it
                stream_every=STREAM_EVERY_SECONDS,
                time_limit=float(settings.AI_SERVICES["stt"].get("OPTIONS", {}).get("max_seconds", 180.0))
                + 30,
            )
            demo.unload(live.on_page_closed)
        # After every event above, so their fn_index stays what it was.
        mic_problem.change(
            live.on_microphone_unavailable,
            inputs=None,
            outputs=[submit],
            show_progress="hidden",
            concurrency_limit=None,
        )
        demo.queue(default_concurrency_limit=None)
        poll_the_queue_gently(demo)
    return demo


# Gradio's queue polls for new events every 1 ms and for progress every 10 ms, for as long as the process
# lives: an idle web process burnt ~3.4 % of a core, which was most of a web process's CPU per turn in
# bench_load. An event now waits at most 20 ms to start; nothing here uses Gradio's progress bars.
QUEUE_POLL_SECONDS = 0.02
PROGRESS_POLL_SECONDS = 0.2


def poll_the_queue_gently(demo: gr.Blocks) -> None:
    queue = demo._queue
    for name, seconds in (
        ("sleep_when_free", QUEUE_POLL_SECONDS),
        ("progress_update_sleep_when_free", PROGRESS_POLL_SECONDS),
    ):
        # Private attributes: a Gradio upgrade that renames them must fail loudly, not spin again silently.
        if not hasattr(queue, name):
            raise RuntimeError(f"gradio.queueing.Queue has no {name!r} any more: see poll_the_queue_gently")
        setattr(queue, name, seconds)
