// Archival Studio display page: connects to the exhibition host over WebSocket, shows each
// job's live preview and cross-fades to its final image. Reconnects by itself when the host
// goes away (a restart, a network hiccup). Protocol: core/adapters/host/PROTOCOL.md.
"use strict";

(function () {
  const PROTOCOL = 1;
  const FRAME_HEADER_BYTES = 28;  // kind u32, job u64, format u32, step u32, sent-at u64
  const KIND_PREVIEW = 1, KIND_FINAL = 2;
  const FORMAT_MIME = { 1: "image/jpeg", 2: "image/png" };
  const RECONNECT_MIN_MS = 500, RECONNECT_MAX_MS = 5000;

  const params = new URLSearchParams(location.search);
  const token = params.get("token") || "";
  const screenName = params.get("name") || "display page";
  const showPrompt = params.get("prompt") !== "0";

  const body = document.body;
  const preview = document.getElementById("preview");
  const finals = [document.getElementById("final-a"), document.getElementById("final-b")];
  const promptLine = document.getElementById("prompt");
  const statusLine = document.getElementById("status");
  const progressBar = document.getElementById("progress-bar");

  // What tests (and a curious technician in DevTools) can read.
  const state = {
    connected: false,
    connections: 0,
    client: null,
    previewsShown: 0,
    finalsShown: 0,
    lastFinalJob: null,
    lastError: null,
  };
  window.archivalDisplay = state;

  let frontFinal = 0;
  let previewUrl = null;
  const finalUrls = [null, null];
  const prompts = new Map();  // job -> prompt
  let reconnectDelay = RECONNECT_MIN_MS;

  function setStatus(text, stateName) {
    statusLine.textContent = text;
    body.dataset.state = stateName;
  }

  async function webSocketUrl() {
    if (params.get("ws")) return params.get("ws");
    const response = await fetch("/api/v1/host", { cache: "no-store" });
    if (!response.ok) throw new Error("host description: HTTP " + response.status);
    const host = await response.json();
    const scheme = host.tls ? "wss" : "ws";
    const hostname = location.hostname.includes(":") ? "[" + location.hostname + "]" : location.hostname;
    return scheme + "://" + hostname + ":" + host.websocket_port + "/";
  }

  function showPreview(blob) {
    const url = URL.createObjectURL(blob);
    preview.onload = () => {
      if (previewUrl) URL.revokeObjectURL(previewUrl);
      previewUrl = url;
      preview.classList.add("visible");
      state.previewsShown++;
    };
    preview.src = url;
  }

  function showFinal(job, blob) {
    const back = 1 - frontFinal;
    const img = finals[back];
    const url = URL.createObjectURL(blob);
    img.onload = () => {
      // Cross-fade: the new final comes up while the old one and the preview go down.
      img.classList.add("visible");
      finals[frontFinal].classList.remove("visible");
      preview.classList.remove("visible");
      if (finalUrls[back]) URL.revokeObjectURL(finalUrls[back]);
      finalUrls[back] = url;
      frontFinal = back;
      state.finalsShown++;
      state.lastFinalJob = job;
      body.dataset.finalJob = String(job);
      const prompt = prompts.get(job);
      if (showPrompt && prompt) {
        promptLine.textContent = prompt;
        promptLine.classList.add("visible");
      }
    };
    img.src = url;
  }

  function onBinary(buffer) {
    if (buffer.byteLength < FRAME_HEADER_BYTES) return;
    const view = new DataView(buffer);
    const kind = view.getUint32(0);
    const job = Number(view.getBigUint64(4));
    const mime = FORMAT_MIME[view.getUint32(12)];
    if (!mime) return;
    const blob = new Blob([buffer.slice(FRAME_HEADER_BYTES)], { type: mime });
    if (kind === KIND_PREVIEW) showPreview(blob);
    else if (kind === KIND_FINAL) showFinal(job, blob);
  }

  function onEvent(event) {
    switch (event.type) {
      case "welcome":
        state.client = event.client;
        setStatus("connected", "connected");
        break;
      case "queued":
      case "started":
        if (event.prompt) prompts.set(event.job, event.prompt);
        if (event.type === "started") {
          body.dataset.running = "true";
          progressBar.style.width = "0";
        }
        break;
      case "progress":
        progressBar.style.width = (100 * event.step / Math.max(1, event.total)) + "%";
        break;
      case "completed":
      case "cancelled":
        body.dataset.running = "false";
        if (event.type === "cancelled") preview.classList.remove("visible");
        break;
      case "error":
        state.lastError = event.code;
        if (event.job !== undefined) body.dataset.running = "false";
        break;
    }
  }

  async function connect() {
    setStatus("connecting…", "connecting");
    let url;
    try {
      url = await webSocketUrl();
    } catch (e) {
      retry("host not reachable");
      return;
    }
    const socket = new WebSocket(token ? url + "?token=" + encodeURIComponent(token) : url);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      state.connected = true;
      state.connections++;
      reconnectDelay = RECONNECT_MIN_MS;
      socket.send(JSON.stringify({
        type: "hello", protocol: PROTOCOL, role: "display", name: screenName,
        subscribe: "all", token: token || undefined,
      }));
    };
    socket.onmessage = (message) => {
      if (typeof message.data === "string") {
        try {
          onEvent(JSON.parse(message.data));
        } catch (e) {
          // A text frame that is not JSON: not from this protocol; ignore it.
        }
      } else {
        onBinary(message.data);
      }
    };
    socket.onclose = (close) => {
      state.connected = false;
      body.dataset.running = "false";
      // A refused token will not get better by retrying fast: say so, retry slowly.
      if (close.code === 1008) {
        reconnectDelay = RECONNECT_MAX_MS;
        retry("refused by the host: " + (close.reason || "policy"));
      } else {
        retry("disconnected");
      }
    };
  }

  function retry(why) {
    setStatus(why + " — retrying", "disconnected");
    setTimeout(connect, reconnectDelay);
    reconnectDelay = Math.min(RECONNECT_MAX_MS, reconnectDelay * 2);
  }

  connect();
})();
