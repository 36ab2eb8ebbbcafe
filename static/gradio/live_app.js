// Runs inside the Gradio iframe (loaded by interviews/live/mount.py): when the browser refuses the
// microphone, switch to typed answers and say so; while the webcam switch is on, start the camera stream
// without any click, and tell the server when the camera is refused or stops.
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
  }
  window.interbotTypedMode = typedMode;
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
    var box = document.querySelector('#live-camera-problem textarea, #live-camera-problem input');
    if (!box) { return; }
    reports += 1;
    box.value = reason + ':' + reports;
    box.dispatchEvent(new Event('input', { bubbles: true }));
  }
  window.interbotReportCamera = reportCamera;
  var original = md.getUserMedia.bind(md);
  md.getUserMedia = function (constraints) {
    return original(constraints).then(function (stream) {
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
