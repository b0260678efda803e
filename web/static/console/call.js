// One past call: facts, transcript with tool actions and latency, and its recording.
import { $, api, el, duration, ms, turnItem } from "./common.js";

const id = $("call").dataset.callId;
const call = await api(`/console/api/history/${encodeURIComponent(id)}`);
window.frontdeskConsole = { call };
$("call-caller").textContent = call.caller || "web guest";
const facts = [["Started", new Date(call.started_at).toLocaleString()], ["Transport", call.transport],
  ["Duration", duration(call.duration_s)], ["Ended by", call.end_reason || "–"], ["Outcome", call.outcome || "–"],
  ["Interruptions", call.interruptions ?? "–"], ["Sentiment", call.sentiment ?? "–"],
  ["Voice-to-voice p50 / p95", `${ms(call.voice_to_voice_p50_ms)} / ${ms(call.voice_to_voice_p95_ms)}`]];
$("call-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))]));
$("transcript").replaceChildren(...call.transcript.map(turnItem));
if (call.has_recording) {
  $("recording").hidden = false;
  $("recording-audio").src = `/console/recordings/${id}.wav`;
}
