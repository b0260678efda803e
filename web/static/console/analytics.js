// The analytics dashboard: numbers from /console/api/analytics, charts with chart.js (served by
// the app from the npm package; without it the numbers still show).
import { $, api, el, duration, ms } from "./common.js";

const charts = [];
const Chart = window.Chart;
$("no-charts").hidden = Boolean(Chart);

function chart(id, config) {
  if (!Chart) return;
  charts.push(new Chart($(id), { ...config, options: {
    animation: false, responsive: true, maintainAspectRatio: false,
    plugins: { legend: { display: config.type === "doughnut", position: "right" } },
    scales: config.type === "doughnut" ? {} : { y: { beginAtZero: true, ticks: { precision: 0 } } },
  } }));
}

async function load(days) {
  const d = await api(`/console/api/analytics?days=${days}`);
  window.frontdeskConsole = { analytics: d };
  const kpi = (label, value) => el("div", { class: "kpi" }, el("span", { class: "value" }, value), el("span", { class: "label" }, label));
  $("kpis").replaceChildren(
    kpi("calls", String(d.total_calls)),
    kpi("handled without staff", d.handled_without_staff_pct == null ? "–" : `${d.handled_without_staff_pct}%`),
    kpi("average duration", duration(d.average_duration_s)),
    kpi("voice-to-voice p50 / p95", `${ms(d.voice_to_voice_ms.p50)} / ${ms(d.voice_to_voice_ms.p95)}`),
    kpi("interruptions", `${d.interruptions} (${d.interruptions_per_call ?? 0} per call)`),
    kpi("average sentiment", d.average_sentiment == null ? "–" : String(d.average_sentiment)));
  charts.splice(0).forEach((c) => c.destroy());
  const teal = "#1f7a8c";
  chart("chart-hour", { type: "bar", data: { labels: d.calls_per_hour.map((_, h) => `${h}:00`), datasets: [{ data: d.calls_per_hour, backgroundColor: teal }] } });
  chart("chart-day", { type: "line", data: { labels: Object.keys(d.calls_per_day), datasets: [{ data: Object.values(d.calls_per_day), borderColor: teal }] } });
  chart("chart-outcomes", { type: "doughnut", data: { labels: Object.keys(d.outcomes), datasets: [{ data: Object.values(d.outcomes) }] } });
  chart("chart-latency", { type: "bar", data: { labels: Object.keys(d.voice_to_voice_ms), datasets: [{ data: Object.values(d.voice_to_voice_ms), backgroundColor: "#12304a" }] } });
  chart("chart-sentiment", { type: "bar", data: { labels: Object.keys(d.sentiment_buckets), datasets: [{ data: Object.values(d.sentiment_buckets), backgroundColor: ["#b3261e", "#999", "#2e7d32"] }] } });
}

$("days").onchange = (ev) => load(ev.target.value);
load($("days").value);
