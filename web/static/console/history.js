// History search: past calls from the database by date, caller and outcome.
import { $, api, el, duration } from "./common.js";

async function search(form) {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (v) params.set(k, v);
  history.replaceState(null, "", `?${params}`);
  const { calls } = await api(`/console/api/history?${params}`);
  $("results").tBodies[0].replaceChildren(...calls.map((c) => {
    const link = el("a", { href: `/console/history/${c.id}` }, new Date(c.started_at).toLocaleString());
    return el("tr", { "data-call-id": c.id }, el("td", {}, link), el("td", {}, c.caller || "web guest"),
      el("td", {}, c.transport), el("td", {}, duration(c.duration_s)), el("td", {}, c.outcome || "–"),
      el("td", {}, c.end_reason || (c.status === "active" ? "live" : "–")), el("td", {}, c.turns ?? "–"));
  }));
  if (!calls.length) $("results").tBodies[0].append(el("tr", {}, el("td", { colSpan: 7, class: "muted" }, "No calls match.")));
}

const form = $("search");
for (const [k, v] of new URLSearchParams(location.search)) if (form.elements[k]) form.elements[k].value = v;
form.onsubmit = (ev) => { ev.preventDefault(); search(form); };
search(form);
