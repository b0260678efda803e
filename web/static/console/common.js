// Shared helpers for the console pages: escaping, CSRF-protected JSON requests, formatting.
export const $ = (id) => document.getElementById(id);
export const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") { headers["X-CSRF-Token"] = csrf(); headers["Content-Type"] = "application/json"; }
  const resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  if (resp.status === 401) { location.href = "/console/login?next=" + encodeURIComponent(location.pathname); }
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(data.error || `HTTP ${resp.status}`);
  return data;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k.startsWith("data-")) node.setAttribute(k, v); else node[k] = v;
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return node;
}

export function duration(seconds) {
  if (seconds == null) return "–";
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function ms(value) { return value == null ? "–" : `${Math.round(value)} ms`; }

// One transcript line: who, what, tool actions and per-turn latency.
export function turnItem(turn) {
  const li = el("li", { class: `turn ${turn.role}` });
  li.append(el("span", { class: "role" }, turn.role), el("span", { class: "text" }, turn.text));
  if (turn.interrupted) li.append(el("span", { class: "tag" }, "interrupted"));
  for (const call of turn.tool_calls || []) {
    const args = JSON.stringify(call.arguments || {});
    li.append(el("div", { class: `tool ${call.ok ? "ok" : "failed"}` },
      `⚙ ${call.name}(${args})${call.ok ? "" : " failed: " + (call.error_code || "")}`));
  }
  const lat = turn.latency_ms || {};
  const parts = [["stt", lat.stt], ["engine", lat.engine], ["first audio", lat.first_audio], ["voice-to-voice", lat.voice_to_voice]]
    .filter(([, v]) => v != null).map(([k, v]) => `${k} ${ms(v)}`);
  if (parts.length) li.append(el("div", { class: "latency" }, parts.join(" · ")));
  return li;
}
