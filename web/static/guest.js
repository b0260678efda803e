// Guest call client: microphone -> RTCPeerConnection, signalling over WS /voice/webrtc.
// Exposes window.frontdesk for tests (state, session id, remote audio level, timings).

const $ = (id) => document.getElementById(id);
const LABELS = {
  idle: "Ready to call",
  connecting: "Connecting…",
  connected: "Connected — go ahead and speak",
  agent_speaking: "Our agent is speaking",
  ended: "Call ended",
  failed: "Call failed",
};

const fd = {
  state: "idle",
  sessionId: null,
  endReason: null,
  timings: {},
  remoteLevel: 0,      // current RMS of the agent's audio (0..1)
  peakRemoteLevel: 0,  // highest RMS seen this call
  micLevel: 0,
  micStream: null,     // tests may set a MediaStream to use instead of getUserMedia
};
window.frontdesk = fd;

let pc = null;
let ws = null;
let localStream = null;
let audioCtx = null;
let meterTimer = null;

function setState(state, detail) {
  if (fd.state === "ended" && state !== "connecting") return;
  if (state === "connected" && fd.timings.connected === undefined) {
    fd.timings.connected = performance.now();
  }
  fd.state = state;
  const el = $("call-state");
  el.dataset.state = state;
  el.textContent = LABELS[state] + (detail ? ` (${detail})` : "");
  const live = state === "connecting" || state === "connected" || state === "agent_speaking";
  $("call").hidden = live;
  $("call").disabled = live;
  $("hangup").hidden = !live;
}

function showError(text) {
  const el = $("call-error");
  el.textContent = text;
  el.hidden = !text;
}

// A problem the guest can act on; its message is shown as is (no "Could not start the call").
class CallProblem extends Error {}

function phoneFallback() {
  const link = document.querySelector(".phone a");
  return link ? ` You can also phone us on ${link.textContent.trim()}.` : "";
}

const MIC_BLOCKED = "Your browser blocked the microphone. Allow microphone access for this page, then press Call again.";
const MIC_MISSING = "We couldn't find a microphone. Connect one, then press Call again.";
const MIC_BUSY = "Your microphone is busy (another app may be using it). Close that app, then press Call again.";
const MICROPHONE_PROBLEMS = {  // getUserMedia's error names
  NotAllowedError: MIC_BLOCKED, SecurityError: MIC_BLOCKED,
  NotFoundError: MIC_MISSING, OverconstrainedError: MIC_MISSING,
  NotReadableError: MIC_BUSY, AbortError: MIC_BUSY,
};

async function openMicrophone() {
  if (fd.micStream) return fd.micStream;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    throw new CallProblem("This page can't use your microphone: it must be opened over a secure (https) connection.");
  }
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
  } catch (err) {
    throw new CallProblem(MICROPHONE_PROBLEMS[err && err.name]
      || `We couldn't open your microphone (${err.message || err}).`);
  }
}

function rms(analyser, buf) {
  analyser.getFloatTimeDomainData(buf);
  let sum = 0;
  for (const v of buf) sum += v * v;
  return Math.sqrt(sum / buf.length);
}

function watchLevels(localSrc, remoteStream) {
  const mic = audioCtx.createAnalyser();
  mic.fftSize = 1024;
  audioCtx.createMediaStreamSource(localSrc).connect(mic);
  const remote = audioCtx.createAnalyser();
  remote.fftSize = 1024;
  audioCtx.createMediaStreamSource(remoteStream).connect(remote);
  const buf = new Float32Array(1024);
  meterTimer = setInterval(() => {
    fd.micLevel = rms(mic, buf);
    fd.remoteLevel = rms(remote, buf);
    fd.peakRemoteLevel = Math.max(fd.peakRemoteLevel, fd.remoteLevel);
    $("mic-level").style.width = `${Math.min(100, fd.micLevel * 400)}%`;
  }, 50);
}

function waitForIce(peer, timeoutMs) {
  if (peer.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { peer.removeEventListener("icegatheringstatechange", check); resolve(); };
    const check = () => { if (peer.iceGatheringState === "complete") done(); };
    peer.addEventListener("icegatheringstatechange", check);
    setTimeout(done, timeoutMs);
  });
}

function cleanup() {
  clearInterval(meterTimer);
  meterTimer = null;
  if (pc) { pc.close(); pc = null; }
  if (localStream) { localStream.getTracks().forEach((t) => t.stop()); localStream = null; }
  if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000);
  ws = null;
}

function endCall(reason) {
  fd.endReason = reason || fd.endReason;
  setState("ended");
  cleanup();
}

async function startCall() {
  showError("");
  fd.timings = { click: performance.now() };
  fd.peakRemoteLevel = 0;
  fd.sessionId = null;
  fd.endReason = null;
  setState("connecting");
  try {
    audioCtx = audioCtx || new AudioContext();
    await audioCtx.resume();
    localStream = await openMicrophone();
    pc = new RTCPeerConnection({ iceServers: [] });
    localStream.getAudioTracks().forEach((t) => pc.addTrack(t, localStream));
    pc.ontrack = (event) => {
      const stream = event.streams[0] || new MediaStream([event.track]);
      $("agent-audio").srcObject = stream;  // Chromium only consumes a remote track it plays
      watchLevels(localStream, stream);
    };
    pc.onconnectionstatechange = () => {
      if (!pc) return;
      if (pc.connectionState === "connected" && fd.state === "connecting") {
        setState("connected");
      } else if (pc.connectionState === "failed") {
        showError("The connection failed. Please try again." + phoneFallback());
        endCall("connection_failed");
      }
    };
    await pc.setLocalDescription(await pc.createOffer());
    await waitForIce(pc, 2000);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(`${scheme}://${location.host}/voice/webrtc`);
    const caller = $("caller-phone").value.trim() || undefined;
    ws.onopen = () => ws.send(JSON.stringify({ type: "offer", sdp: pc.localDescription.sdp, caller }));
    ws.onmessage = async (event) => {
      const msg = JSON.parse(event.data);
      if (msg.type === "answer") {
        fd.sessionId = msg.session_id;
        await pc.setRemoteDescription({ type: "answer", sdp: msg.sdp });
      } else if (msg.type === "state") {
        if (msg.state === "ended") endCall(msg.reason);
        else if (fd.state !== "connecting" || msg.state === "connected") setState(msg.state);
      } else if (msg.type === "error") {
        showError(msg.message);
      }
    };
    ws.onclose = () => {
      if (fd.state === "ended") return;
      if (!fd.sessionId && $("call-error").hidden) {  // never answered: server down or unreachable
        showError("We couldn't reach the front desk just now. Please try again in a moment."
                  + phoneFallback());
      }
      endCall("disconnected");
    };
  } catch (err) {
    const problem = err instanceof CallProblem;
    showError((problem ? err.message : `Could not start the call: ${err.message || err}`)
              + phoneFallback());
    endCall(problem ? "microphone" : "error");
  }
}

function hangUp() {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "hangup" }));
  endCall("guest_hangup");
}

$("call").addEventListener("click", startCall);
$("hangup").addEventListener("click", hangUp);
