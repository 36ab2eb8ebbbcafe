// Runs inside the Gradio iframe (loaded by interviews/live/mount.py): when the browser refuses the
// microphone, switch to typed answers and say so.
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
  var original = md.getUserMedia.bind(md);
  md.getUserMedia = function (constraints) {
    return original(constraints).catch(function (error) {
      if (constraints && constraints.audio && !constraints.video) { typedMode(REASONS[error.name] || 'it could not be started'); }
      throw error;
    });
  };
  if (navigator.permissions && navigator.permissions.query) {
    navigator.permissions.query({ name: 'microphone' }).then(function (status) {
      if (status.state === 'denied') { setTimeout(function () { typedMode('permission denied'); }, 1500); }
    }).catch(function () {});
  }
})();
