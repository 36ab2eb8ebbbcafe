// Runs inside the Gradio iframe (loaded by interviews/live/mount.py): when the browser refuses the
// microphone, switch to typed answers and say so; while the microphone streams, record the whole answer too
// and send it with Submit; while the webcam switch is on, start the camera stream without any click, and tell
// the server when the camera is refused or stops.
(function () {
  var REASONS = { NotAllowedError: 'permission denied', SecurityError: 'permission denied',
                  NotFoundError: 'no microphone found', NotReadableError: 'it is in use by another app' };
  function typedMode(reason) {
    var box = document.getElementById('live-mic-status');
    if (box) {
      box.textContent = 'Microphone unavailable (' + reason + '). Type your answer below instead.';
      box.dataset.active = '1';
    }
    var mic = document.getElementById('live-mic');
    if (mic) { mic.style.display = 'none'; }
    var text = document.querySelector('#live-answer-text textarea');
    if (text) { text.focus(); }
    document.documentElement.dataset.answerMode = 'typed';
    reportMicrophone();
  }
  window.interbotTypedMode = typedMode;
  // The hidden Gradio textboxes that carry the page's news to the server: a value written and announced as
  // input, as if typed, fires the box's change event. Returns false when the page has no such box.
  function tellServer(selector, value) {
    var box = document.querySelector(selector + ' textarea, ' + selector + ' input');
    if (!box) { return false; }
    box.value = value;
    box.dispatchEvent(new Event('input', { bubbles: true }));
    return true;
  }
  // Pressing Record holds Submit ("Waiting for your recording…") before the browser is asked for the
  // microphone; refused, no recording follows to give it back. The hidden #live-mic-problem box tells the
  // server (interviews.live.callbacks.on_microphone_unavailable), again while Submit is still held.
  var micReports = 0;
  function reportMicrophone() {
    if (micReports >= 5 || !tellServer('#live-mic-problem', 'microphone_unavailable:' + (micReports + 1))) { return; }
    micReports += 1;
    setTimeout(function () {
      var submit = document.getElementById('live-submit');
      if (submit && submit.disabled && /waiting for your recording/i.test(submit.textContent)) { reportMicrophone(); }
    }, 3000);
  }
  var md = navigator.mediaDevices;
  if (!md || !md.getUserMedia) {
    document.addEventListener('DOMContentLoaded', function () { setTimeout(function () { typedMode('not supported by this browser'); }, 1500); });
    return;
  }
  var CAMERA_REASONS = { NotAllowedError: 'not allowed', SecurityError: 'not allowed', NotFoundError: 'no camera found',
                         NotReadableError: 'in use by another app', OverconstrainedError: 'no suitable camera' };
  var reports = 0;
  function reportCamera(reason, words) {
    // The hidden #live-camera-problem textbox carries it to the server (interviews.live.callbacks.on_camera_problem).
    var status = document.getElementById('live-camera-status');
    if (status && words) { status.innerHTML = '<div class="ib-camera-status" role="status"></div>'; status.firstChild.textContent = words; }
    if (tellServer('#live-camera-problem', reason + ':' + (reports + 1))) { reports += 1; }
  }
  window.interbotReportCamera = reportCamera;
  // --- The whole answer, recorded beside Gradio's streaming recorder --------------------------------------
  // On a busy server Gradio's streaming recorder drops what it records while its stream event opens and the
  // chunks queued at the stop. So, from the first sample to the stop, the page records the same microphone
  // stream itself (MediaRecorder), uploads it through Gradio's upload route (the server grants it to this
  // Django session like any upload) and writes {"path", "seconds"} into the hidden #live-mic-whole box, which
  // Submit sends: the server transcribes it when the stream came up short (interviews.services.dictation).
  // A Submit pressed before that is held until the upload is done, at most WHOLE_WAIT_MS: then the streamed
  // answer stands. Without MediaRecorder, nothing changes.
  var WHOLE_WAIT_MS = 30000;
  var whole = null; // the current answer's recording: {recorder, chunks, startedAt, done, waiting}
  var WHOLE_BOX = '#live-mic-whole.ib-record-whole';
  function wholeBox() {
    return document.querySelector(WHOLE_BOX + ' textarea, ' + WHOLE_BOX + ' input');
  }
  function setWhole(value) { tellServer(WHOLE_BOX, value); }
  function wholeDone(take) {
    if (take.done) { return; }
    take.done = true;
    var waiting = take.waiting;
    take.waiting = [];
    // A moment for Gradio to take in the new value before a held Submit goes.
    setTimeout(function () { waiting.forEach(function (go) { go(); }); }, 200);
  }
  function uploadWhole(take) {
    var seconds = take.startedAt ? (performance.now() - take.startedAt) / 1000 : 0;
    var type = take.recorder.mimeType || 'audio/webm';
    var blob = new Blob(take.chunks, { type: type });
    if (whole !== take || !blob.size || seconds < 0.3) { wholeDone(take); return; }
    var name = 'answer.' + (/ogg/.test(type) ? 'ogg' : /mp4|aac/.test(type) ? 'm4a' : 'webm');
    var form = new FormData();
    form.append('files', blob, name);
    // The Gradio app's own upload route, relative to the app's page (GRADIO_PATH/).
    var url = location.pathname.replace(/\/?$/, '/') + 'gradio_api/upload';
    fetch(url, { method: 'POST', body: form, credentials: 'same-origin' }).then(function (response) {
      if (!response.ok) { throw new Error('upload refused: ' + response.status); }
      return response.json();
    }).then(function (paths) {
      if (whole === take && paths && typeof paths[0] === 'string') {
        setWhole(JSON.stringify({ path: paths[0], seconds: Math.round(seconds * 100) / 100 }));
      }
    }).catch(function (error) {
      console.warn('The whole recording was not uploaded; the streamed answer stands.', error);
    }).then(function () { wholeDone(take); });
  }
  function recordWhole(stream) {
    if (!wholeBox() || typeof MediaRecorder === 'undefined') { return; }
    setWhole('');
    var take = { recorder: null, chunks: [], startedAt: 0, done: false, waiting: [] };
    try {
      take.recorder = new MediaRecorder(stream);
      take.recorder.addEventListener('start', function () { take.startedAt = performance.now(); });
      take.recorder.addEventListener('dataavailable', function (event) {
        if (event.data && event.data.size) { take.chunks.push(event.data); }
      });
      take.recorder.addEventListener('stop', function () { uploadWhole(take); });
      take.recorder.addEventListener('error', function () { wholeDone(take); });
      take.recorder.start(1000);
    } catch (error) {
      return; // this browser cannot record the stream: the streamed answer is all there is
    }
    whole = take;
    function stopRecorder() {
      if (take.recorder.state !== 'inactive') { take.recorder.stop(); }
    }
    stream.getAudioTracks().forEach(function (track) {
      // Gradio stops the tracks when the candidate stops: the recording ends with them, its last data first.
      var stopTrack = track.stop.bind(track);
      track.stop = function () { stopRecorder(); stopTrack(); };
      track.addEventListener('ended', stopRecorder);
    });
    stream.addEventListener('inactive', stopRecorder);
  }
  var replaying = false;
  function holdSubmit(event) {
    var take = whole;
    if (replaying || !take || take.done || !event.target || !event.target.closest) { return; }
    var button = event.target.closest('#live-submit');
    var box = event.target.closest('#live-answer-text textarea, #live-answer-text input');
    var enter = event.type === 'keydown' && event.key === 'Enter' && !event.shiftKey && box && !box.value.trim();
    if (event.type === 'click' ? !button || button.disabled : !enter) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    var submit = document.getElementById('live-submit');
    if (!submit || submit.dataset.waiting) { return; }
    submit.dataset.waiting = '1';
    function go() {
      if (!submit.dataset.waiting) { return; }
      delete submit.dataset.waiting;
      replaying = true;
      try { submit.click(); } finally { replaying = false; }
    }
    take.waiting.push(go);
    setTimeout(go, WHOLE_WAIT_MS);
  }
  document.addEventListener('click', holdSubmit, true);
  document.addEventListener('keydown', holdSubmit, true);

  var original = md.getUserMedia.bind(md);
  md.getUserMedia = function (constraints) {
    return original(constraints).then(function (stream) {
      if (constraints && constraints.audio && !constraints.video) { recordWhole(stream); }
      if (constraints && constraints.video) {
        stream.getVideoTracks().forEach(function (track) {
          // Fired when the camera goes away (unplugged, taken by the system), not when the page stops it.
          track.addEventListener('ended', function () {
            reportCamera('camera_lost', 'Your camera stopped, so expressions are paused. The interview goes on.');
          });
        });
      }
      return stream;
    }, function (error) {
      if (constraints && constraints.audio && !constraints.video) { typedMode(REASONS[error.name] || 'it could not be started'); }
      if (constraints && constraints.video) {
        reportCamera('camera_denied', 'No camera (' + (CAMERA_REASONS[error.name] || 'it could not be started') +
                     '): the interview goes on without expressions.');
      }
      throw error;
    });
  };
  // While the webcam switch is on (the camera is shown), open it and start streaming: no click needed.
  var lastAccess = 0;
  setInterval(function () {
    var camera = document.getElementById('live-webcam');
    if (!camera || camera.offsetParent === null) { return; }
    var buttons = Array.prototype.slice.call(camera.querySelectorAll('button'));
    var access = buttons.filter(function (b) { return /access webcam/i.test(b.textContent); })[0];
    if (access) {
      if (Date.now() - lastAccess > 15000) { lastAccess = Date.now(); access.click(); }
      return;
    }
    var record = camera.querySelector('button.capture-button');
    if (record && /record/i.test(record.textContent)) { record.click(); }
  }, 1000);
  if (navigator.permissions && navigator.permissions.query) {
    navigator.permissions.query({ name: 'microphone' }).then(function (status) {
      if (status.state === 'denied') { setTimeout(function () { typedMode('permission denied'); }, 1500); }
    }).catch(function () {});
  }
})();
