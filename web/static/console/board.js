// The live board: calls pushed over WS /console/ws (no polling), a call's live transcript, and
// listen-in / take-over over a per-call WebRTC peer (sendrecv transceiver; the microphone is
// swapped in with replaceTrack() on take-over, so no renegotiation).
import { $, api, el, duration, turnItem } from "./common.js";

const state = window.frontdeskConsole = {
  wsOpen: false, calls: {}, selected: null, listening: false, takenOver: false,
  listenLevel: 0, peakListenLevel: 0, errors: [],
};
let ws = null;
let peer = null;
let sender = null;
let mic = null;

function connect() {
  ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/console/ws`);
  ws.onopen = () => { state.wsOpen = true; setWsState("live"); };
  ws.onclose = () => {
    state.wsOpen = false; setWsState("reconnecting");
    setTimeout(connect, 2000);
  };
  ws.onmessage = (ev) => handle(JSON.parse(ev.data));
}

function setWsState(s) { const p = $("ws-state"); p.dataset.state = s; p.textContent = s; }
const send = (msg) => ws && ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(msg));

function handle(msg) {
  switch (msg.type) {
    case "snapshot":
      state.calls = {};
      for (const c of msg.calls) state.calls[c.id] = c;
      renderBoard();
      if (state.selected && state.calls[state.selected]) send({ type: "watch", call_id: state.selected });
      break;
    case "call_updated":
      state.calls[msg.call.id] = msg.call; renderBoard();
      if (msg.call.id === state.selected) renderDetailHeader();
      break;
    case "call_ended":
      delete state.calls[msg.call_id]; renderBoard();
      if (msg.call_id === state.selected) {
        stopPeer();
        showError(`The call ended (${msg.reason || "ended"}).`);
        $("detail").dataset.ended = "true";
      }
      break;
    case "turn":
      if (msg.call_id === state.selected) $("transcript").append(turnItem(msg.turn));
      break;
    case "call_detail":
      if (msg.call.id === state.selected) {
        $("transcript").replaceChildren(...msg.turns.map(turnItem));
        renderDetailHeader();
      }
      break;
    case "listen_answer":
      if (peer && msg.call_id === state.selected) peer.setRemoteDescription({ type: "answer", sdp: msg.sdp });
      break;
    case "control_done":
      if (msg.action === "take_over") state.takenOver = true;
      if (msg.action === "hand_back") state.takenOver = false;
      renderControls();
      break;
    case "error":
      showError(msg.message); state.errors.push(msg.message);
      break;
  }
}

function renderBoard() {
  const rows = Object.values(state.calls).sort((a, b) => a.started_at.localeCompare(b.started_at));
  $("no-calls").hidden = rows.length > 0;
  $("calls").tBodies[0].replaceChildren(...rows.map((c) => {
    const tr = el("tr", { class: c.id === state.selected ? "selected" : "", "data-call-id": c.id, tabIndex: 0 },
      el("td", {}, c.caller || "web guest"), el("td", {}, c.transport),
      el("td", { class: "duration", "data-started": c.started_at }, duration((Date.now() - Date.parse(c.started_at)) / 1000)),
      el("td", {}, c.state), el("td", {}, c.agent_state), el("td", {}, c.engine || "–"),
      el("td", {}, c.intent || "–"), el("td", {}, c.department || "–"),
      el("td", {}, c.taken_over_by ? `${c.taken_over_by} (on call)` : (c.listeners ? `${c.listeners} listening` : "–")));
    tr.onclick = () => select(c.id);
    tr.onkeydown = (e) => { if (e.key === "Enter") select(c.id); };
    return tr;
  }));
}

// Durations tick locally from started_at; nothing is fetched.
setInterval(() => {
  for (const td of document.querySelectorAll("td.duration")) td.textContent = duration((Date.now() - Date.parse(td.dataset.started)) / 1000);
}, 1000);

function select(id) {
  if (state.selected !== id) stopPeer();
  state.selected = id;
  $("detail").hidden = false; delete $("detail").dataset.ended;
  $("detail-error").hidden = true;
  $("transcript").replaceChildren();
  renderBoard(); renderDetailHeader();
  send({ type: "watch", call_id: id });
}

function renderDetailHeader() {
  const c = state.calls[state.selected];
  if (!c) return;
  $("detail-caller").textContent = c.caller || "web guest";
  $("detail-id").textContent = c.id;
  renderControls();
}

function renderControls() {
  $("listen").hidden = state.listening;
  $("stop-listening").hidden = !state.listening;
  $("take-over").disabled = !state.listening || state.takenOver;
  $("take-over").hidden = state.takenOver;
  $("take-over").textContent = state.calls[state.selected]?.department ? "Accept transfer" : "Take over";
  $("hand-back").hidden = !state.takenOver;
}

function showError(text) { const p = $("detail-error"); p.textContent = text; p.hidden = false; }

async function gathered(pc) {
  if (pc.iceGatheringState === "complete") return;
  await new Promise((resolve) => {
    const check = () => { if (pc.iceGatheringState === "complete") resolve(); };
    pc.addEventListener("icegatheringstatechange", check);
    setTimeout(resolve, 3000);
  });
}

async function listen() {
  const callId = state.selected;
  stopPeer();
  peer = new RTCPeerConnection();
  sender = peer.addTransceiver("audio", { direction: "sendrecv" }).sender;
  peer.ontrack = (ev) => {
    const stream = ev.streams[0] || new MediaStream([ev.track]);
    $("listen-audio").srcObject = stream;
    meter(stream);
  };
  await peer.setLocalDescription(await peer.createOffer());
  await gathered(peer);
  state.listening = true; renderControls();
  send({ type: "listen", call_id: callId, sdp: peer.localDescription.sdp });
}

function meter(stream) {
  const ctx = new AudioContext();
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 1024;
  ctx.createMediaStreamSource(stream).connect(analyser);
  const buf = new Float32Array(analyser.fftSize);
  const tick = () => {
    if (!peer) { ctx.close(); return; }
    analyser.getFloatTimeDomainData(buf);
    let sum = 0; for (const v of buf) sum += v * v;
    state.listenLevel = Math.sqrt(sum / buf.length);
    state.peakListenLevel = Math.max(state.peakListenLevel, state.listenLevel);
    $("listen-level").style.width = `${Math.min(100, state.listenLevel * 400)}%`;
    requestAnimationFrame(tick);
  };
  tick();
}

function stopPeer() {
  if (peer) { peer.close(); peer = null; sender = null; }
  if (mic) { mic.getTracks().forEach((t) => t.stop()); mic = null; }
  if (state.listening && state.selected && state.calls[state.selected]) send({ type: "stop_listening", call_id: state.selected });
  state.listening = false; state.takenOver = false;
  if (state.selected) renderControls();
}

async function takeOver() {
  try {
    mic = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (err) { showError(`Microphone unavailable: ${err.message}`); return; }
  await sender.replaceTrack(mic.getAudioTracks()[0]);
  send({ type: "take_over", call_id: state.selected });
}

async function handBack() {
  send({ type: "hand_back", call_id: state.selected });
  if (sender) await sender.replaceTrack(null);
  if (mic) { mic.getTracks().forEach((t) => t.stop()); mic = null; }
}

$("listen").onclick = () => listen().catch((e) => showError(e.message));
$("stop-listening").onclick = () => stopPeer();
$("take-over").onclick = () => takeOver().catch((e) => showError(e.message));
$("hand-back").onclick = () => handBack().catch((e) => showError(e.message));
$("end-call").onclick = async () => {
  try { await api(`/console/api/calls/${state.selected}/end`, { method: "POST", body: {} }); } catch (e) { showError(e.message); }
};
$("announce").onsubmit = async (ev) => {
  ev.preventDefault();
  const input = $("announce-text");
  try {
    await api(`/console/api/calls/${state.selected}/announce`, { method: "POST", body: { text: input.value } });
    input.value = "";
  } catch (e) { showError(e.message); }
};
connect();
