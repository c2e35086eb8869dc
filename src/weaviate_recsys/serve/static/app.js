// The page only calls the service's JSON API (the same endpoints as any application).
"use strict";

const $ = (sel) => document.querySelector(sel);
const keyInput = $("#api-key");
keyInput.value = sessionStorage.getItem("recsys-key") || "";
keyInput.addEventListener("input", () => sessionStorage.setItem("recsys-key", keyInput.value));

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else if (name === "onclick") node.addEventListener("click", value);
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

async function api(path) {
  const headers = {};
  if (keyInput.value) headers["Authorization"] = "Bearer " + keyInput.value;
  const response = await fetch(path, { headers });
  const body = await response.json();
  if (!response.ok) {
    const message = body && body.error ? body.error.message : response.statusText;
    throw new Error(`${response.status}: ${message}`);
  }
  return body;
}

function showError(error) {
  const box = $("#error");
  box.textContent = error ? error.message : "";
  box.hidden = !error;
}

const fmt = (x, digits = 3) => Number(x).toFixed(digits);
const itemLink = (id, text) => el("a", { class: "link", href: `#item=${encodeURIComponent(id)}` }, text || id);
const userLink = (id) => el("a", { class: "link", href: `#user=${encodeURIComponent(id)}` }, id);

// Parts rounded so the shown parts add up to the shown score (the rounding error goes to the largest remainders),
// as `format_score_parts` does for the CLI.
function shownParts(rec) {
  const parts = rec.reasons.score_parts || [];
  const units = parts.map((p) => Math.floor(p.value * 1000 + 1e-9));
  let missing = Math.round(rec.score * 1000) - units.reduce((a, b) => a + b, 0);
  const order = parts.map((p, i) => i).sort((a, b) => (parts[b].value * 1000 - units[b]) - (parts[a].value * 1000 - units[a]));
  for (let j = 0; missing !== 0 && order.length; j++) {
    units[order[j % order.length]] += missing > 0 ? 1 : -1;
    missing += missing > 0 ? -1 : 1;
  }
  return parts.map((p, i) => `${p.name} ${(units[i] / 1000).toFixed(3)}`).join(" + ");
}

function partsBar(rec) {
  const parts = rec.reasons.score_parts || [];
  if (!parts.length || rec.score <= 0) return null;
  const bar = el("div", { class: "parts", title: parts.map((p) => `${p.name} ${fmt(p.value)}`).join(" + ") + ` = ${fmt(rec.score)}` });
  for (const p of parts) {
    bar.append(el("div", { class: p.name, style: `width:${(100 * Math.max(p.value, 0)) / rec.score}%` }));
  }
  return bar;
}

function recommendationList(target, items) {
  target.replaceChildren();
  if (!items.length) {
    target.append(el("li", {}, "Nothing to recommend (no match after exclusions)."));
    return;
  }
  for (const rec of items) {
    const parts = shownParts(rec);
    target.append(el("li", { class: "rec" },
      el("div", { class: "title" }, itemLink(rec.item_id, rec.title)),
      el("div", { class: "meta" }, `${rec.item_id} · ${rec.domain || "no domain"} · score ${fmt(rec.score)}`
        + (parts ? ` = ${parts}` : "")),
      el("div", { class: "why" }, rec.reasons.summary || rec.reasons.source),
      partsBar(rec)));
  }
}

async function showUser(userId) {
  showError(null);
  $("#item-view").hidden = true;
  const id = encodeURIComponent(userId);
  const [profile, recs] = await Promise.all([
    api(`/users/${id}/profile?history=15`),
    api(`/users/${id}/recommendations?k=10`),
  ]);
  $("#u-name").textContent = profile.user_id;
  $("#u-summary").textContent = `${profile.status} profile from ${profile.event_count} interactions`
    + (profile.updated_at ? `, built ${profile.updated_at.slice(0, 19).replace("T", " ")}` : "")
    + (profile.stored ? "" : " (computed now, not stored yet)");
  const bars = $("#u-domains");
  bars.replaceChildren();
  const top = Math.max(...profile.domains.map((d) => d.weight), 0) || 1;
  for (const d of profile.domains) {
    bars.append(el("div", { class: "row" },
      el("span", {}, d.name),
      el("div", { class: "track" }, el("div", { class: "fill", style: `width:${(100 * d.weight) / top}%` })),
      el("span", {}, `${Math.round(d.weight * 100)}%`),
      el("div", { class: "kws" }, (d.events !== null ? `${d.events} interactions` : "")
        + (d.keywords.length ? ` · ${d.keywords.slice(0, 6).join(", ")}` : ""))));
  }
  if (!profile.domains.length) bars.append(el("p", { class: "muted" }, "No domain interests yet."));
  $("#u-keywords").replaceChildren(...profile.keywords.map((k) => el("span", { title: fmt(k.weight) }, k.keyword)));
  const recent = profile.short_term;
  $("#u-recent").textContent = recent
    ? (recent.domains.map((d) => `${d.name} ${Math.round(d.weight * 100)}%`).join(", ") || "No recent domains")
      + (recent.keywords.length ? ` · ${recent.keywords.slice(0, 6).map((k) => k.keyword).join(", ")}` : "")
    : "Not stored yet: rebuild the profile.";
  $("#u-notes").textContent = profile.notes.join(" ");
  const history = $("#u-history tbody");
  history.replaceChildren(...profile.history.map((h) => el("tr", {},
    el("td", {}, h.timestamp ? h.timestamp.slice(0, 10) : (h.seq !== null ? `#${h.seq}` : "")),
    el("td", {}, h.kind),
    el("td", {}, h.item_id ? itemLink(h.item_id, h.title) : "(no item)"),
    el("td", {}, h.domain || ""))));
  recommendationList($("#u-recs"), recs.items);
  $("#user-view").hidden = false;
}

async function showItem(itemId) {
  showError(null);
  $("#user-view").hidden = true;
  const id = encodeURIComponent(itemId);
  const [similar, audience] = await Promise.all([
    api(`/items/${id}/similar?k=10`),
    api(`/items/${id}/audience?k=10`),
  ]);
  $("#i-name").textContent = itemId;
  recommendationList($("#i-similar"), similar.items);
  const rows = $("#i-audience tbody");
  rows.replaceChildren(...audience.users.map((m) => el("tr", {},
    el("td", {}, userLink(m.user_id)), el("td", {}, m.domain || "overall"), el("td", {}, fmt(m.weight, 2)),
    el("td", {}, fmt(m.similarity)), el("td", {}, fmt(m.score)))));
  if (!audience.users.length) rows.append(el("tr", {}, el("td", { colspan: "5" }, "No interested users found.")));
  $("#item-view").hidden = false;
}

function route() {
  const params = new URLSearchParams(location.hash.slice(1));
  const run = params.has("user") ? showUser(params.get("user")) : params.has("item") ? showItem(params.get("item")) : null;
  if (params.has("user")) $("#user-id").value = params.get("user");
  if (params.has("item")) $("#item-id").value = params.get("item");
  if (run) run.catch(showError);
}

function go(hash) {
  if (location.hash === "#" + hash) route();  // the same lookup again: no hashchange event
  else location.hash = hash;
}

$("#user-form").addEventListener("submit", (event) => {
  event.preventDefault();
  go("user=" + encodeURIComponent($("#user-id").value.trim()));
});
$("#item-form").addEventListener("submit", (event) => {
  event.preventDefault();
  go("item=" + encodeURIComponent($("#item-id").value.trim()));
});
window.addEventListener("hashchange", route);
route();
