// Live interview page: the websocket status bar (stage, progress, verdict, expression, clock) with
// reconnection. State always comes from the server, so a reload or a server restart resumes in place.
(function () {
  "use strict";
  const page = document.getElementById("live-page");
  if (!page) return;

  const $ = (id) => document.getElementById(id);
  const STAGES = { general: "General questions", topic: "Topic questions", finished: "Finished" };
  const VERDICTS = { correct: "Correct", partial: "Partially correct", incorrect: "Not quite" };
  const FINAL_CLOSE_CODES = new Set([4401, 4403]);
  const startedAt = Date.parse(page.dataset.startedAt);
  let endedAt = page.dataset.endedAt ? Date.parse(page.dataset.endedAt) : null;
  let finished = !$("live-finished").hidden;
  let socket = null;
  let attempts = 0;
  let clockTimer = null;
  let dropped = false;

  // A restarted server has a new Gradio app (new app_id) that has forgotten the frame's session:
  // reload the frame then; it loads the interview's state from the database, at the same question.
  const frameSrc = document.getElementById("live-frame").getAttribute("src");
  const appIdUrl = frameSrc.split("?")[0].replace(/\/?$/, "/") + "gradio_api/app_id";
  let gradioAppId = null;
  function fetchAppId() {
    return fetch(appIdUrl, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : null))
      .then((data) => (data ? String(data.app_id) : null)).catch(() => null);
  }
  fetchAppId().then((id) => { gradioAppId = id; });
  function reloadFrameIfServerRestarted() {
    fetchAppId().then((id) => {
      if (id && gradioAppId && id !== gradioAppId) {
        gradioAppId = id;
        document.getElementById("live-frame").src = frameSrc;
      }
    });
  }

  function setConnection(state, text) {
    const el = $("live-connection");
    el.dataset.state = state;
    el.textContent = text;
  }

  function show(el, text, extraState) {
    el.hidden = !text;
    el.textContent = text || "";
    if (extraState !== undefined) el.dataset.state = extraState;
  }

  function render(state) {
    show($("live-stage"), STAGES[state.stage] || state.stage);
    show($("live-progress"), state.question_number ? `Question ${state.question_number} of ${state.total_questions}` : "Starting…");
    const done = state.status === "finished" || state.status === "abandoned";
    show($("live-attempt"), !done && state.question_number ? (state.attempt >= 2 ? "Second attempt" : "First attempt") : "");
    show($("live-verdict-badge"), VERDICTS[state.last_verdict] || "", state.last_verdict || "");
    show($("live-expression-badge"), state.expression ? `Expression: ${state.expression}` : "");
    if (done) {
      finished = true;
      const link = $("live-report-link");
      if (state.report_url) link.href = state.report_url;
      $("live-finished").hidden = false;
      if (!endedAt) endedAt = Date.now();
      tick();
      stopClock();
    }
  }

  function tick() {
    if (Number.isNaN(startedAt)) return;
    const seconds = Math.max(0, Math.floor(((endedAt || Date.now()) - startedAt) / 1000));
    const mm = String(Math.floor(seconds / 60)).padStart(2, "0");
    const ss = String(seconds % 60).padStart(2, "0");
    $("live-clock").textContent = seconds >= 3600 ? `${Math.floor(seconds / 3600)}:${mm.slice(-2)}:${ss}` : `${mm}:${ss}`;
  }
  function startClock() { if (!clockTimer && !finished) { tick(); clockTimer = setInterval(tick, 1000); } }
  function stopClock() { clearInterval(clockTimer); clockTimer = null; }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}${page.dataset.wsPath}`);
    setConnection("connecting", attempts ? "Reconnecting…" : "Connecting…");
    socket.addEventListener("open", () => {
      const reconnected = attempts > 0 || dropped;
      attempts = 0;
      dropped = false;
      setConnection("open", "Live");
      show($("live-activity"), "");  // whatever was running before the drop has ended or will report again
      if (reconnected) reloadFrameIfServerRestarted();
    });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      // A new state means the work the progress line described is over (it reports again if not).
      if (message.type === "state") { show($("live-activity"), ""); render(message.state); }
      if (message.type === "progress") show($("live-activity"), message.message);
    });
    socket.addEventListener("close", (event) => {
      dropped = true;
      if (FINAL_CLOSE_CODES.has(event.code)) {
        setConnection("closed", event.code === 4401 ? "Logged out" : "Not available");
        return;
      }
      // Exponential backoff with jitter, capped at 30 s, so a restarting server is not stampeded.
      const delay = Math.min(30000, 1000 * 2 ** attempts) * (0.75 + Math.random() * 0.5);
      attempts += 1;
      setConnection("retrying", `Reconnecting in ${Math.round(delay / 1000)} s…`);
      setTimeout(connect, delay);
    });
  }

  // A tab coming back from sleep may have missed pushes: ask for a fresh snapshot.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "refresh" }));
    }
  });

  // The Gradio app is same-origin: size the frame to its content so the page scrolls, not the frame.
  // Gradio stretches its body to the frame's height, so measure the layout row (#live-layout) instead.
  const frame = $("live-frame");
  function fitFrame() {
    try {
      const layout = frame.contentDocument && frame.contentDocument.getElementById("live-layout");
      if (!layout) return;
      const height = Math.ceil(layout.getBoundingClientRect().bottom) + 48;
      if (Math.abs(frame.offsetHeight - height) > 8) frame.style.height = `${Math.max(480, height)}px`;
    } catch (error) { /* not same-origin (a proxy misconfiguration): keep the CSS height */ }
  }
  setInterval(fitFrame, 500);

  tick();
  startClock();
  connect();
})();
