// ipcam talk card: a camera's live view with push-to-talk through its speaker.
//
//   type: custom:ipcam-talk-card
//   entity: camera.front_door
//   mode: hold        # or "toggle": click to start, click again to stop
//   name: Front door  # optional title
//   talk: false       # optional: live view only (cameras without a speaker)
//
// Shipped with the ipcam integration, which loads it in every dashboard. Plain
// web component, no build step. The microphone is captured with echo
// cancellation, turned into 16 kHz 16-bit PCM by an AudioWorklet and streamed
// to Home Assistant as binary websocket messages (as Assist does) through the
// "ipcam/talk/start" subscription. Browsers only give the microphone to pages
// on a secure origin (HTTPS, or http://localhost).

const CARD_VERSION = "0.1.0";
const WORKLET_URL = new URL("./ipcam-talk-worklet.js", import.meta.url).href;
const SAMPLE_RATE = 16000;
const MAX_PENDING_CHUNKS = 50; // 1 s of audio captured before the camera is ready

const STYLE = `
  ha-card { overflow: hidden; }
  .view { position: relative; }
  .view > * { display: block; --ha-card-border-width: 0; --ha-card-border-radius: 0;
    --ha-card-box-shadow: none; }
  .view img.mjpeg { width: 100%; min-height: 120px; background: #000; }
  .bar { display: flex; align-items: center; gap: 12px; padding: 8px 16px; }
  .name { flex: 1; font-weight: 500; overflow: hidden; text-overflow: ellipsis;
    white-space: nowrap; }
  .status { flex: 2; font-size: 0.9em; color: var(--secondary-text-color); }
  .status.error { color: var(--error-color, #db4437); }
  button.talk { display: inline-flex; align-items: center; gap: 6px; border: none;
    border-radius: 20px; padding: 8px 16px; cursor: pointer; font: inherit;
    color: var(--text-primary-color, #fff); background: var(--primary-color, #03a9f4);
    touch-action: none; user-select: none; -webkit-user-select: none; }
  button.talk[aria-pressed="true"] { background: var(--error-color, #db4437); }
  button.talk[disabled] { opacity: 0.5; cursor: not-allowed; }
  button.talk[hidden] { display: none; }
`;

function micUnavailableReason() {
  if (!window.isSecureContext) {
    return (
      "The microphone needs a secure connection: open Home Assistant over HTTPS " +
      "(or as http://localhost on this computer)."
    );
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return "This browser gives no access to a microphone.";
  }
  if (!window.AudioWorkletNode) {
    return "This browser cannot process microphone audio (no AudioWorklet).";
  }
  return null;
}

class IpcamTalkCard extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._talking = false;
    this._session = null;
    this.talkStats = { onsets: [], chunksSent: 0, bytesSent: 0, sessions: 0, events: [] };
  }

  static getStubConfig(hass) {
    const camera = Object.keys(hass.states).find((id) => id.startsWith("camera."));
    return { entity: camera || "camera.front_door" };
  }

  setConfig(config) {
    if (!config || typeof config.entity !== "string" || !config.entity.startsWith("camera.")) {
      throw new Error("ipcam-talk-card: 'entity' must be a camera entity (camera.…)");
    }
    if (config.mode !== undefined && !["hold", "toggle"].includes(config.mode)) {
      throw new Error("ipcam-talk-card: 'mode' is 'hold' or 'toggle'");
    }
    if (config.talk !== undefined && typeof config.talk !== "boolean") {
      throw new Error("ipcam-talk-card: 'talk' is true or false");
    }
    this._config = { mode: "hold", talk: true, ...config };
    this._built = false;
    if (this._hass) this._build();
  }

  getCardSize() {
    return 5;
  }

  set hass(hass) {
    this._hass = hass;
    if (!this._config) return;
    if (!this._built) this._build();
    if (this._view) this._view.hass = hass;
    this._update();
  }

  get hass() {
    return this._hass;
  }

  connectedCallback() {
    if (this._mjpeg && !this._mjpeg.getAttribute("src")) this._startMjpeg();
  }

  disconnectedCallback() {
    this._stop();
    // Free the browser's connection (and the camera's stream) while the card is not shown.
    if (this._mjpeg) {
      clearTimeout(this._mjpegRetry);
      this._mjpeg.removeAttribute("src");
    }
  }

  _build() {
    this._built = true;
    const root = this.shadowRoot;
    root.innerHTML = `
      <style>${STYLE}</style>
      <ha-card>
        <div class="view"></div>
        <div class="bar">
          <div class="name"></div>
          <div class="status" role="status" aria-live="polite"></div>
          <button class="talk" type="button" aria-label="Talk" aria-pressed="false">
            <ha-icon icon="mdi:microphone"></ha-icon><span>Talk</span>
          </button>
        </div>
      </ha-card>`;
    this._button = root.querySelector("button.talk");
    if (!this._config.talk) this._button.hidden = true;
    this._statusEl = root.querySelector(".status");
    this._nameEl = root.querySelector(".name");
    this._bindButton();
    this._createView();
    const reason = this._config.talk && micUnavailableReason();
    if (reason) this._setStatus(reason, true);
  }

  async _createView() {
    // MJPEG cameras: the card's own <img> on the camera's MJPEG stream. Others (HLS, WebRTC):
    // Home Assistant's picture-entity card in live mode.
    try {
      const capabilities = await this._hass.callWS({
        type: "camera/capabilities",
        entity_id: this._config.entity,
      });
      if (!capabilities.frontend_stream_types.length) {
        this._mjpeg = document.createElement("img");
        this._mjpeg.className = "mjpeg";
        this._mjpeg.alt = `Live view of ${this._config.entity}`;
        this._mjpeg.addEventListener("error", () => this._retryMjpeg());
        this.shadowRoot.querySelector(".view").appendChild(this._mjpeg);
        this._startMjpeg();
        return;
      }
      const helpers = await window.loadCardHelpers();
      const view = await helpers.createCardElement({
        type: "picture-entity",
        entity: this._config.entity,
        camera_view: "live",
        show_name: false,
        show_state: false,
      });
      view.hass = this._hass;
      this._view = view;
      this.shadowRoot.querySelector(".view").appendChild(view);
    } catch (err) {
      this._setStatus(`Cannot show the live view: ${err.message || err}`, true);
    }
  }

  _startMjpeg() {
    const state = this._hass && this._hass.states[this._config.entity];
    if (!this._mjpeg || !state || !this.isConnected) return;
    // A URL of its own each time: the browser must open a new stream, never reuse an old one.
    this._mjpegSerial = (this._mjpegSerial || 0) + 1;
    this._mjpeg.src = this._hass.hassUrl(
      `/api/camera_proxy_stream/${this._config.entity}` +
        `?token=${encodeURIComponent(state.attributes.access_token)}&view=${this._mjpegSerial}`
    );
  }

  _retryMjpeg() {
    clearTimeout(this._mjpegRetry);
    this._mjpegRetry = setTimeout(() => this._startMjpeg(), 3000);
  }

  _bindButton() {
    const button = this._button;
    const hold = () => this._config.mode === "hold";
    button.addEventListener("pointerdown", (ev) => {
      if (!hold() || ev.button !== 0) return;
      ev.preventDefault();
      button.setPointerCapture?.(ev.pointerId);
      this._start();
    });
    for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
      button.addEventListener(type, () => {
        if (hold()) this._stop();
      });
    }
    button.addEventListener("click", () => {
      if (hold()) return;
      if (this._talking) this._stop();
      else this._start();
    });
    button.addEventListener("keydown", (ev) => {
      if ((ev.key === " " || ev.key === "Enter") && hold() && !ev.repeat) {
        ev.preventDefault();
        this._start();
      }
    });
    button.addEventListener("keyup", (ev) => {
      if ((ev.key === " " || ev.key === "Enter") && hold()) {
        ev.preventDefault();
        this._stop();
      }
    });
    button.addEventListener("contextmenu", (ev) => ev.preventDefault());
  }

  _update() {
    const state = this._hass.states[this._config.entity];
    const name =
      this._config.name ||
      (state && state.attributes.friendly_name) ||
      this._config.entity;
    this._nameEl.textContent = name;
    const unavailable = !state || state.state === "unavailable";
    const blocked = this._config.talk && micUnavailableReason();
    this._button.disabled = Boolean(unavailable || blocked);
    if (blocked) {
      this._setStatus(blocked, true); // a lasting problem: it stays in view
    } else if (unavailable && !this._talking) {
      this._setStatus(state ? "The camera is unavailable." : "Unknown entity.", true);
    } else if (!this._talking && this._statusEl.dataset.kind === "unavailable") {
      this._setStatus("");
    }
  }

  _setStatus(text, error = false, kind = "") {
    this._statusEl.textContent = text;
    this._statusEl.classList.toggle("error", error);
    this._statusEl.dataset.kind = kind || (error ? "unavailable" : "");
  }

  _setTalking(on) {
    this._talking = on;
    this._button.setAttribute("aria-pressed", on ? "true" : "false");
  }

  async _start() {
    if (this._talking || this._button.disabled) return;
    const blocked = micUnavailableReason();
    if (blocked) {
      this._setStatus(blocked, true);
      return;
    }
    this._setTalking(true);
    this._setStatus("Connecting…");
    const session = {
      handlerId: null,
      pending: [],
      ended: false,
      stream: null,
      context: null,
      node: null,
      unsub: null,
      stopping: false,
    };
    this._session = session;
    this.talkStats.sessions += 1;
    // Ask for the microphone and open the talk channel at the same time.
    const micPromise = navigator.mediaDevices.getUserMedia({
      audio: {
        echoCancellation: true,
        noiseSuppression: true,
        autoGainControl: true,
        channelCount: 1,
      },
    });
    const subPromise = this._hass.connection.subscribeMessage(
      (event) => this._onEvent(session, event),
      { type: "ipcam/talk/start", entity_id: this._config.entity, sample_rate: SAMPLE_RATE }
    );
    try {
      session.unsub = await subPromise;
    } catch (err) {
      micPromise.then((s) => s.getTracks().forEach((t) => t.stop())).catch(() => {});
      this._fail(session, this._describeError(err));
      return;
    }
    let stream;
    try {
      stream = await micPromise;
    } catch (err) {
      const denied = err && (err.name === "NotAllowedError" || err.name === "SecurityError");
      this._fail(
        session,
        denied
          ? "Microphone access was refused: allow it for this site in the browser's settings."
          : `No microphone: ${err.message || err}`
      );
      return;
    }
    session.stream = stream;
    if (session.ended || session.stopping) {
      this._release(session);
      return;
    }
    try {
      const context = new AudioContext();
      session.context = context;
      await context.audioWorklet.addModule(WORKLET_URL);
      const source = context.createMediaStreamSource(stream);
      const node = new AudioWorkletNode(context, "ipcam-talk-processor", {
        numberOfInputs: 1,
        numberOfOutputs: 0,
        channelCount: 1,
        channelCountMode: "explicit",
      });
      session.node = node;
      node.port.onmessage = (ev) => this._onWorklet(session, ev.data);
      source.connect(node);
      if (context.state !== "running") await context.resume();
    } catch (err) {
      this._fail(session, `Cannot process the microphone: ${err.message || err}`);
      return;
    }
    if (session.stopping) this._finish(session);
  }

  _onWorklet(session, data) {
    if (data.pcm) {
      const chunk = new Uint8Array(data.pcm);
      if (session.handlerId === null) {
        session.pending.push(chunk);
        if (session.pending.length > MAX_PENDING_CHUNKS) session.pending.shift();
      } else {
        this._send(session, chunk);
      }
    } else if (data.onset !== undefined) {
      const onsets = this.talkStats.onsets;
      onsets.push(Date.now());
      if (onsets.length > 200) onsets.shift();
    } else if (data.flushed) {
      this._release(session);
    }
  }

  _send(session, chunk) {
    const socket = this._hass.connection.socket;
    if (session.ended || !socket || socket.readyState !== WebSocket.OPEN) return;
    const message = new Uint8Array(chunk.length + 1);
    message[0] = session.handlerId;
    message.set(chunk, 1);
    socket.send(message);
    this.talkStats.chunksSent += 1;
    this.talkStats.bytesSent += chunk.length;
    if (this.talkStats.firstSentAt === undefined) this.talkStats.firstSentAt = Date.now();
  }

  _onEvent(session, event) {
    this.talkStats.events.push({ ...event, at: Date.now() });
    if (event.type === "ready") {
      session.handlerId = event.binary_handler_id;
      for (const chunk of session.pending.splice(0)) this._send(session, chunk);
    } else if (event.type === "started") {
      if (!session.stopping) this._setStatus("Talking…");
    } else if (event.type === "ended") {
      session.ended = true;
      const messages = {
        replaced: "Another talk took over the camera's speaker.",
        stopped: "The talk was stopped.",
        idle: "No audio reached the camera; the talk ended.",
      };
      if (event.reason === "error") {
        this._fail(session, `Talk failed: ${event.message}`);
      } else if (messages[event.reason]) {
        this._fail(session, messages[event.reason]);
      } else {
        this._release(session);
      }
    }
  }

  _describeError(err) {
    const code = err && err.code;
    if (code === "unauthorized") return "You are not allowed to talk through this camera.";
    if (code === "unknown_command") {
      return "Home Assistant does not know the talk command: reload after updating ipcam.";
    }
    return `Cannot talk: ${(err && err.message) || err}`;
  }

  _stop() {
    const session = this._session;
    if (!session || session.stopping) return;
    session.stopping = true;
    this._finish(session);
  }

  _finish(session) {
    // Send what the worklet still holds, then release the microphone and the channel.
    if (session.node && !session.ended) {
      session.node.port.postMessage("flush");
      setTimeout(() => this._release(session), 500); // in case the worklet is gone
    } else if (session.stream || session.ended || session.unsub) {
      this._release(session);
    }
  }

  _release(session) {
    if (session.released) return;
    if (!session.stopping && !session.ended) return;
    session.released = true;
    session.stream?.getTracks().forEach((track) => track.stop());
    session.node?.disconnect();
    session.context?.close().catch(() => {});
    if (session.unsub) {
      session.unsub().catch(() => {});
    }
    if (this._session === session) {
      this._session = null;
      this._setTalking(false);
      if (!this._statusEl.classList.contains("error")) this._setStatus("");
    }
  }

  _fail(session, message) {
    session.ended = true;
    session.stopping = true;
    this._release(session);
    if (this._session === session || !this._session) {
      this._session = null;
      this._setTalking(false);
    }
    this._setStatus(message, true, "talk");
  }
}

if (!customElements.get("ipcam-talk-card")) {
  customElements.define("ipcam-talk-card", IpcamTalkCard);
  window.customCards = window.customCards || [];
  window.customCards.push({
    type: "ipcam-talk-card",
    name: "IP camera talk",
    description: "Live view of an ipcam camera with push-to-talk through its speaker.",
    preview: false,
    documentationURL: "https://github.com/ipcam-dev/ipcam#talk-card",
  });
  console.info(`%c ipcam-talk-card ${CARD_VERSION} `, "background:#03a9f4;color:#fff");
}
