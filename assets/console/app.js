// switchboard console: a small page set over the JSON API. No build step, no network beyond
// this service. Layout: api (fetch with the CSRF header), i18n (tables in /console/i18n), the
// views (rooms, room dialog, wake-ups, logbook, alerts), live updates (server-sent events).
"use strict";

const S = { me: null, lang: "en", dict: {}, rooms: [], wakeups: [], alerts: [], heard: new Set(), live: [], view: "rooms", open: null };
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

// ---- i18n -------------------------------------------------------------------------------

function t(key, params = {}) {
  let s = S.dict[key];
  if (s === undefined) { console.warn("missing translation", key); s = key; }
  return s.replace(/\{(\w+)\}/g, (_, k) => esc(params[k] ?? ""));
}

async function setLang(lang) {
  const res = await fetch(`/console/i18n/${lang}.json`);
  S.dict = await res.json();
  S.lang = lang;
  document.documentElement.lang = lang === "zh-Hant" ? "zh-Hant" : "en";
  for (const el of $$("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  if (S.hotel) for (const el of $$("#hotel, #signin h1")) el.textContent = S.hotel;
  $("#lang").value = lang;
  document.title = S.hotel ? `${S.hotel} · ${t("app.title")}` : t("app.title");
  if (S.me) localStorage.setItem(`switchboard.lang.${S.me.login}`, lang);
  localStorage.setItem("switchboard.lang", lang);
  fillSelects();
  if (S.me) {
    $("#who").textContent = `${S.me.display_name} (${t(`role.${S.me.role}`)})`;
    S.dialogKey = null;
    renderAll();
    if (S.open) renderRoomDialog(S.open);
  }
}

function defaultLang(login) {
  return localStorage.getItem(`switchboard.lang.${login}`) || localStorage.getItem("switchboard.lang")
    || ((navigator.language || "").startsWith("zh") ? "zh-Hant" : "en");
}

/// A local date-time ("2026-11-30T06:30:00") or an RFC 3339 instant, in the user's language.
function when(v) {
  if (!v) return "–";
  let d = v.endsWith("Z") || /[+-]\d\d:\d\d$/.test(v) ? new Date(v) : new Date(v + (v.length <= 10 ? "T00:00:00" : ""));
  if (isNaN(d)) return esc(v);
  const p = (n) => String(n).padStart(2, "0");
  const hm = `${p(d.getHours())}:${p(d.getMinutes())}`;
  return S.lang === "zh-Hant" ? `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日 ${hm}`
    : `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${hm}`;
}

/// The service's error in the user's words, from its code and parameters (a field named in the
/// user's words too); the service's own English where a code has no words here.
/// Plain text (shown with textContent): the parameters are not HTML-escaped here.
function errorText(e) {
  const text = e.code && S.dict[`err.${e.code}`];
  if (!text) return e.message || t("err.generic");
  const params = { ...(e.params || {}) };
  if (e.field) params.field = S.dict[`field.${e.field}`] ?? e.field;
  return text.replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ""));
}

// ---- the API ----------------------------------------------------------------------------

class ApiError extends Error {
  constructor(msg, status, body) {
    super(msg);
    this.status = status;
    Object.assign(this, { code: body?.code, field: body?.field, params: body?.params });
  }
}

async function api(method, path, body) {
  const opts = { method, credentials: "same-origin", headers: { "X-Switchboard": "console" } };
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  let res;
  try { res = await fetch(path, opts); } catch (err) { throw new ApiError(t("err.unreachable"), 0); }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = text; }
  if (!res.ok) {
    const err = new ApiError((data && data.error) || res.statusText, res.status, typeof data === "object" ? data : null);
    if (res.status === 401 && path !== "/api/session") showSignin(errorText(err));
    throw err;
  }
  return data;
}

const can = (what) => {
  const rank = { desk: 0, operator: 1, manager: 2 }[S.me?.role] ?? -1;
  return { operate: rank >= 1, manage: rank >= 2 }[what];
};

// ---- sign-in ----------------------------------------------------------------------------

function showSignin(message) {
  S.me = null;
  if (S.events) { S.events.close(); S.events = null; }
  $("#app").hidden = true;
  $("#signin").hidden = false;
  $("#signin-error").textContent = message || "";
  $("#signin-login").focus();
}

async function signedIn(me) {
  S.me = me;
  $("#signin").hidden = true;
  $("#app").hidden = false;
  await setLang(defaultLang(me.login));
  $("#who").textContent = `${me.display_name} (${t(`role.${me.role}`)})`;
  for (const el of $$("[data-needs=operator]")) el.hidden = !can("operate");
  show(S.view === "log" && !can("operate") ? "rooms" : S.view);
  connectEvents();
}

$("#signin-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  try {
    const me = await api("POST", "/api/session", { login: f.get("login"), password: f.get("password") });
    $("#signin-password").value = "";
    await signedIn(me);
  } catch (e) { $("#signin-error").textContent = errorText(e); }
});

$("#logout").addEventListener("click", async () => {
  try { await api("POST", "/api/logout"); } catch (_) { /* the session may be gone already */ }
  showSignin("");
});

for (const b of $$("[data-lang]")) b.addEventListener("click", () => setLang(b.dataset.lang));
$("#lang").addEventListener("change", (e) => setLang(e.target.value));

// ---- views ------------------------------------------------------------------------------

function show(view) {
  if (view === "log" && !can("operate")) view = "rooms";
  S.view = view;
  for (const s of $$(".view")) s.hidden = s.id !== `view-${view}`;
  for (const b of $$("header nav button")) b.classList.toggle("active", b.dataset.view === view);
  refresh(view);
}
for (const b of $$("[data-view]")) b.addEventListener("click", () => show(b.dataset.view));

async function refresh(what) {
  try {
    if (what === "rooms" || what === "all") await loadRooms();
    if (what === "wakeups" || what === "all" || what === "rooms") await loadWakeups();
    if (what === "alerts" || what === "all") await loadAlerts();
    if ((what === "log" || what === "all") && can("operate") && S.view === "log") await loadLog();
    if (S.view === "charges" && (what === "charges" || what === "all")) await loadCharges();
    if (S.open) await renderRoomDialog(S.open);
  } catch (e) { if (e.status !== 401) console.error(e); }
}

function renderAll() {
  renderBoard(); renderBanner(S.link); renderPmsBanner(S.pms); renderAlerts();
  if (S.view === "wakeups") loadWakeups();
  if (S.view === "log") loadLog();
  if (S.view === "charges") loadCharges();
}

function fillSelects() {
  const cats = ["incident", "guest_request", "maintenance", "security", "note"];
  $("[name=category]").innerHTML = cats.map((c) => `<option value="${c}"${c === "note" ? " selected" : ""}>${t(`log.cat.${c}`)}</option>`).join("");
}

// The PBX banner: link state, since when, changes waiting.
function renderBanner(link) {
  if (!link) return;
  S.link = link;
  const up = link.link === "up";
  const b = $("#pbx-banner");
  b.className = up ? "banner" : "banner bad";
  b.textContent = t(up ? "pbx.up" : "pbx.down", { since: when(link.since), queued: link.queued ?? 0 });
}

// The PMS banner, where the hotel has a PMS (409 from /api/pms/status: none).
function renderPmsBanner(pms) {
  S.pms = pms;
  const b = $("#pms-banner");
  b.hidden = !pms;
  if (!pms) return;
  const up = pms.link === "up";
  b.className = up ? "banner" : "banner bad";
  b.textContent = t(up ? "pms.up" : "pms.down", { since: when(pms.since), queued: pms.queued ?? 0 })
    + (pms.owns_stays ? " · " + t("pms.owns_stays") : "");
}

async function loadRooms() {
  const [rooms, status, pms] = await Promise.all([
    api("GET", "/api/rooms"),
    api("GET", "/api/pbx/status"),
    api("GET", "/api/pms/status").catch(() => null),
  ]);
  S.rooms = rooms;
  renderBanner(status);
  renderPmsBanner(pms);
  renderBoard();
}

function fillFloors() {
  const floors = [...new Set(S.rooms.map(floorOf))];
  const sel = $("#floor"), cur = sel.value;
  sel.innerHTML = `<option value="">${t("rooms.all")}</option>` + floors.map((f) => `<option>${esc(f)}</option>`).join("");
  sel.value = floors.includes(cur) ? cur : "";
}

const floorOf = (r) => (r.room.length > 2 ? r.room.slice(0, -2) : r.room);

function nextWakeup(room) {
  const due = S.wakeups.filter((w) => w.room === room && w.due).map((w) => w.due).sort();
  return due[0];
}

// Every room as a tile. One innerHTML for the board: thousands of rooms render at once.
function renderBoard() {
  fillFloors();
  const floor = $("#floor").value, state = $("#state-filter").value;
  const list = S.rooms.filter((r) => (!floor || floorOf(r) === floor)
    && (state === "all" || (state === "vacant" && !r.occupied) || (state === "occupied" && r.occupied) || (state === "waiting" && !r.pbx_synced)
      || (state === "ready" && !r.occupied && ["clean", "inspected"].includes(r.housekeeping))
      || (state === "notready" && !["clean", "inspected"].includes(r.housekeeping))));
  $("#room-count").textContent = t("rooms.count", { n: list.length });
  $("#board").innerHTML = list.map((r) => {
    const cls = ["tile", r.occupied ? "occupied" : "vacant", r.private ? "incognito" : ""].join(" ");
    const guest = !r.occupied ? t("room.vacant") : r.private && !r.guest_name ? t("room.incognito") : esc(r.guest_name);
    const marks = [];
    if (r.occupied) marks.push(`<span title="${t("room.class")}">${t(`class.${r.class_of_service}`)}</span>`);
    if (r.private) marks.push(`<span>${t("room.incognito")}</span>`);
    if (r.message_lamp) marks.push(`<span class="lamp">${t("room.lamp")}</span>`);
    if (r.dnd) marks.push(`<span>${t("room.dnd")}</span>`);
    const w = nextWakeup(r.room);
    if (w) marks.push(`<span>⏰ ${when(w).slice(-5)}</span>`);
    if (!r.occupied || !["clean", "inspected"].includes(r.housekeeping)) {
      marks.push(`<span class="${["clean", "inspected"].includes(r.housekeeping) ? "" : "pending"}">${t(`hk.${r.housekeeping}`)}</span>`);
    }
    if (!r.pbx_synced) marks.push(`<span class="pending">${t("room.not_on_pbx")}</span>`);
    return `<button class="${cls}" data-room="${esc(r.room)}" id="tile-${esc(r.room)}"><span class="no">${esc(r.room)}</span><span class="guest">${guest}</span><span class="marks">${marks.join("")}</span></button>`;
  }).join("");
}

$("#board").addEventListener("click", (e) => { const b = e.target.closest("[data-room]"); if (b) openRoom(b.dataset.room); });
$("#floor").addEventListener("change", renderBoard);
$("#state-filter").addEventListener("change", renderBoard);
$("#jump").addEventListener("keydown", (e) => {
  if (e.key !== "Enter") return;
  const room = e.target.value.trim();
  if (S.rooms.some((r) => r.room === room)) { openRoom(room); e.target.value = ""; } else e.target.select();
});

// ---- a room -----------------------------------------------------------------------------

async function openRoom(room) {
  S.open = room;
  await renderRoomDialog(room);
  const d = $("#room-dialog");
  if (!d.open) d.showModal();
}
$("#room-dialog").addEventListener("close", () => { S.open = null; S.dialogKey = null; });

function form(id, fields, submit, extra = "") {
  return `<form id="${id}">${fields}<button type="submit">${submit}</button>${extra}<p class="error" role="alert"></p></form>`;
}

/// The room's dialog. Its forms are built once per room and occupancy and never rebuilt by a
/// live update (whatever someone is typing stays); the lists and the status around them are.
async function renderRoomDialog(room) {
  const [r, wakeups, messages, audit] = await Promise.all([
    api("GET", `/api/rooms/${room}`), api("GET", `/api/wakeups?room=${room}`),
    api("GET", `/api/messages?room=${room}`), api("GET", `/api/audit?room=${room}&limit=20`),
  ]);
  const key = `${room}:${r.occupied}:${S.lang}`;
  if (S.dialogKey !== key) {
    S.dialogKey = key;
    $("#room-detail").innerHTML = roomSkeleton(room, r);
    wireRoomForms(room);
  }
  S.openRoom = r;
  const d = $("#room-detail");
  $("#rd-status", d).innerHTML = `${r.occupied ? (r.private && !r.guest_name ? t("room.incognito") : `<b>${esc(r.guest_name)}</b> ${esc(r.first_name || "")}`) : t("room.vacant")}
    ${r.pbx_synced ? `<span class="muted">· ${t("room.on_pbx")}</span>` : `<span class="pending">· ${t("room.not_on_pbx")}</span>`}
    · ${t("hk.title")}: <b>${t(`hk.${r.housekeeping}`)}</b>`;
  const hk = $("#housekeeping [name=status]", d);
  if (hk && document.activeElement !== hk) hk.value = r.housekeeping;
  const notReady = $("#checkin-not-ready", d);
  if (notReady) notReady.hidden = ["clean", "inspected"].includes(r.housekeeping);
  $("#rd-history", d).innerHTML = audit.map((a) => `<tr><td>${when(a.at)}</td><td>${esc(a.staff)}</td><td>${t(`action.${a.action}`)}</td><td>${auditText(a)}</td></tr>`).join("");
  if (!r.occupied) return;
  $("#dnd button", d).textContent = t(r.dnd ? "room.dnd_off" : "room.dnd_on");
  const move = $("#move [name=to]", d);
  if (document.activeElement !== move) {
    move.innerHTML = S.rooms.filter((x) => !x.occupied && x.room !== room).map((x) => `<option>${esc(x.room)}</option>`).join("");
  }
  $("#rd-wakeups", d).innerHTML = `<tr><th>${t("wakeups.due")}</th><th>${t("wakeups.rule")}</th><th>${t("wakeups.status")}</th><th></th></tr>` +
    wakeups.map((w) => `<tr><td>${when(w.due)}</td><td>${ruleText(w)}</td><td class="state-${w.status}">${t(`wstatus.${w.status}`)}</td>
      <td><button class="secondary" data-cancel="${w.id}">${t("wakeups.cancel")}</button></td></tr>`).join("");
  $("#rd-messages", d).innerHTML = messages.map((m) => `<tr><td>${when(m.left_at)}</td><td>${esc(m.text ?? "")}<div class="muted">${esc(m.from ?? "")} ${esc(m.callback ?? "")}</div></td>
      <td>${m.delivered ? t("messages.delivered") : m.status === "waiting" ? `<button data-deliver="${m.id}">${t("messages.deliver")}</button>` : t(`mstatus.${m.status}`)}</td></tr>`).join("");
  const waiting = messages.filter((m) => !m.delivered && m.status === "waiting");
  $("#checkout-waiting", d).hidden = !waiting.length;
  $("#checkout-waiting", d).textContent = t("checkout.waiting", { n: waiting.length });
  $("#checkout-discard", d).hidden = !waiting.length;
  $("#checkout", d).hidden = !!waiting.length;
}

function roomSkeleton(room, r) {
  const classes = [0, 1, 2, 3].map((c) => `<option value="${c}"${c === r.class_of_service ? " selected" : ""}>${t(`class.${c}`)}</option>`).join("");
  let html = `<h2>${t("room.title", { room: esc(room) })}</h2><p id="rd-status"></p>
    <p><a href="/api/rooms/${encodeURIComponent(room)}/folio/print" target="_blank" id="rd-bill">${t("charges.print_bill")}</a></p>`;
  if (!r.occupied) {
    html += `<section><h3>${t("checkin.title")}</h3>` + form("checkin",
      `<label><span>${t("field.name")}</span><input name="name" required maxlength="40"></label>
       <label><span>${t("field.first_name")}</span><input name="first_name" maxlength="40"></label>
       <label><span>${t("field.language")}</span><input name="language" size="4" maxlength="4" placeholder="EN"></label>
       <label><span>${t("room.class")}</span><select name="class">${[0, 1, 2, 3].map((c) => `<option value="${c}"${c === 3 ? " selected" : ""}>${t(`class.${c}`)}</option>`).join("")}</select></label>
       <label><span>${t("room.incognito")}</span><input type="checkbox" name="private"></label>
       <label id="checkin-not-ready" hidden><span>${t("checkin.not_ready_ok")}</span><input type="checkbox" name="not_ready_ok"></label>`, t("checkin.submit")) + `</section>`;
  } else {
    html += `<section><h3>${t("room.line")}</h3>
      <form id="dnd"><button type="submit" class="secondary"></button><p class="error" role="alert"></p></form>
      ${form("class", `<label><span>${t("room.class")}</span><select name="class">${classes}</select></label>`, t("room.set_class"))}
      ${form("move", `<label><span>${t("move.to")}</span><select name="to"></select></label>`, t("move.submit"))}
      </section>`;
    html += `<section><h3>${t("wakeups.book")}</h3>` + form("book",
      `<label><span>${t("field.time")}</span><input name="time" type="time" required></label>
       <label><span>${t("wakeups.repeat")}</span><select name="repeat">
         <option value="once">${t("wakeups.once")}</option><option value="daily">${t("wakeups.daily")}</option>
         <option value="weekdays">${t("wakeups.weekdays")}</option><option value="days">${t("wakeups.for_days")}</option></select></label>
       <label><span>${t("wakeups.days")}</span><input name="for_days" type="number" min="1" max="366" value="3" size="4"></label>`, t("wakeups.submit"));
    html += `<table class="list" id="rd-wakeups"></table></section>`;
    html += `<section><h3>${t("messages.title")}</h3>` + form("leave",
      `<label class="wide"><span>${t("field.text")}</span><textarea name="text" rows="2" required maxlength="2000"></textarea></label>
       <label><span>${t("field.from")}</span><input name="from" maxlength="60"></label>
       <label><span>${t("field.callback")}</span><input name="callback" maxlength="30"></label>`, t("messages.leave")) +
      `<table class="list" id="rd-messages"></table></section>`;
    html += `<section><h3>${t("checkout.title")}</h3><p class="pending" id="checkout-waiting" hidden></p>
      <form id="checkout-discard" hidden><button type="submit" class="danger">${t("checkout.discard")}</button><p class="error" role="alert"></p></form>
      <form id="checkout"><button type="submit" class="danger">${t("checkout.submit")}</button><p class="error" role="alert"></p></form></section>`;
  }
  html += `<section><h3>${t("hk.title")}</h3>` + form("housekeeping", `<label><span>${t("hk.title")}</span><select name="status">${["dirty", "clean", "inspected", "out-of-order", "out-of-service"].map((h) => `<option value="${h}">${t(`hk.${h}`)}</option>`).join("")}</select></label>`, t("hk.set")) + `</section>`;
  html += `<section><h3>${t("room.history")}</h3><table class="list" id="rd-history"></table></section>`;
  return html;
}

/// Sends a form's request; shows the service's error in the form, in the user's language.
function onSubmit(id, send) {
  const f = $(`#${id}`);
  if (!f) return;
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const err = $(".error", f);
    if (err) err.textContent = "";
    if (!f.checkValidity()) { f.reportValidity(); return; }
    try {
      await send(new FormData(f));
      if (["book", "leave"].includes(id)) f.reset();
      await refresh("rooms");
    } catch (e) { if (err) err.textContent = errorText(e); }
  });
}

function wireRoomForms(room) {
  const opt = (v) => (v && String(v).trim()) || null;
  onSubmit("checkin", (f) => api("POST", `/api/rooms/${room}/checkin`, {
    name: f.get("name"), first_name: opt(f.get("first_name")), language: opt(f.get("language")),
    class: Number(f.get("class")), private: f.get("private") === "on", not_ready_ok: f.get("not_ready_ok") === "on",
  }));
  onSubmit("housekeeping", (f) => api("POST", `/api/rooms/${room}/housekeeping`, { status: f.get("status") }));
  onSubmit("dnd", () => api("POST", `/api/rooms/${room}/dnd`, { on: !S.openRoom.dnd }));
  onSubmit("class", (f) => api("POST", `/api/rooms/${room}/class`, { class: Number(f.get("class")) }));
  onSubmit("move", async (f) => { const to = f.get("to"); await api("POST", `/api/rooms/${room}/move`, { to }); S.open = to; S.dialogKey = null; });
  onSubmit("book", (f) => {
    const b = { room, time: f.get("time") };
    const rep = f.get("repeat");
    if (rep === "daily") b.daily = true;
    if (rep === "weekdays") b.days = "mon,tue,wed,thu,fri";
    if (rep === "days") b.for_days = Number(f.get("for_days"));
    return api("POST", "/api/wakeups", b);
  });
  onSubmit("leave", (f) => api("POST", "/api/messages", { room, text: f.get("text"), from: opt(f.get("from")), callback: opt(f.get("callback")) }));
  onSubmit("checkout", () => api("POST", `/api/rooms/${room}/checkout`, {}));
  onSubmit("checkout-discard", () => api("POST", `/api/rooms/${room}/checkout`, { discard_messages: true }));
  // The lists are re-rendered: one listener on the dialog serves their buttons.
  $("#room-detail").onclick = async (e) => {
    const deliver = e.target.closest("[data-deliver]"), cancel = e.target.closest("[data-cancel]");
    if (deliver) { await api("POST", `/api/messages/${deliver.dataset.deliver}/deliver`); refresh("rooms"); }
    if (cancel) { await api("POST", `/api/wakeups/${cancel.dataset.cancel}/cancel`); refresh("rooms"); }
  };
}

// ---- wake-ups ---------------------------------------------------------------------------

async function loadWakeups() {
  S.wakeups = await api("GET", "/api/wakeups");
  if (S.view !== "wakeups") return;
  $("#wakeup-list").innerHTML = `<tr><th>${t("wakeups.due")}</th><th>${t("field.room")}</th><th>${t("wakeups.rule")}</th><th>${t("wakeups.status")}</th></tr>` +
    S.wakeups.map((w) => `<tr><td>${when(w.due)}</td><td>${esc(w.room)}</td><td>${ruleText(w)}</td><td class="state-${w.status}">${t(`wstatus.${w.status}`)}</td></tr>`).join("");
  const date = $("#report-date").value;
  const rep = await api("GET", `/api/wakeups/report${date ? `?date=${date}` : ""}`);
  if (!date) $("#report-date").value = rep.date;
  const s = rep.summary;
  $("#report-summary").textContent = t("wakeups.summary", s);
  $("#report").innerHTML = `<tr><th>${t("wakeups.due")}</th><th>${t("field.room")}</th><th>${t("wakeups.outcome")}</th><th>${t("wakeups.attempts")}</th></tr>` +
    rep.calls.map((c) => `<tr><td>${when(c.due)}</td><td>${esc(c.room)}</td><td class="state-${c.outcome.replace(" ", "_")}">${t(`outcome.${c.outcome.replace(" ", "_")}`)}</td>
      <td>${c.attempts.map((a) => `#${a.attempt} ${when(a.started_at).slice(-5)} ${t(`result.${(a.result || "ringing").split(" ")[0]}`)}`).join("; ")}</td></tr>`).join("");
}
$("#report-date").addEventListener("change", loadWakeups);

// ---- call charges: the tariff, a quote for the guest, the latest calls --------------------

/// Minor units in the currency's own decimals (ISO 4217, as the browser knows them).
function money(minor, currency) {
  try {
    const f = new Intl.NumberFormat(S.lang, { style: "currency", currency });
    return f.format(minor / 10 ** f.resolvedOptions().maximumFractionDigits);
  } catch { return `${(minor / 100).toFixed(2)} ${currency}`; }
}

async function loadCharges() {
  const calls = await api("GET", "/api/calls");
  $("#calls").innerHTML = `<tr><th>${t("charges.started")}</th><th>${t("field.room")}</th><th>${t("charges.number")}</th><th>${t("charges.duration")}</th>
    <th>${t("charges.band")}</th><th>${t("charges.amount")}</th><th>${t("charges.state")}</th></tr>` +
    (calls.length ? calls.slice(0, 100).map((c) => `<tr><td>${when(c.started)}</td><td>${esc(c.room)}</td><td>${esc(c.dialled ?? "-")}</td>
      <td>${Math.floor(c.duration_s / 60)}:${String(c.duration_s % 60).padStart(2, "0")}</td><td>${esc(c.band)}</td><td>${esc(money(c.amount_minor, c.currency))}</td>
      <td class="${c.state === "posted" ? "state-done" : "state-failed"}">${t(`charges.${c.state}`)}${c.reason ? ` <span class="muted">(${esc(c.reason)})</span>` : ""}</td></tr>`).join("")
      : `<tr><td colspan="7" class="muted">${t("charges.no_calls")}</td></tr>`);
  let tariff = null;
  try { tariff = await api("GET", "/api/tariff"); } catch (e) { if (e.status !== 404) throw e; }
  $("#quote-form").hidden = !tariff;
  if (!tariff) {
    $("#tariff-head").textContent = t("charges.no_tariff");
    $("#tariff").innerHTML = "";
    return;
  }
  $("#tariff-head").textContent = t("charges.tariff_head", { currency: tariff.currency, version: tariff.version });
  renderQuote();
  $("#tariff").innerHTML = `<tr><th>${t("charges.band")}</th><th>${t("charges.prefixes")}</th><th>${t("charges.setup")}</th><th>${t("charges.per_unit")}</th>
    <th>${t("charges.minimum")}</th><th>${t("charges.surcharge")}</th><th>${t("charges.periods")}</th></tr>` +
    tariff.bands.map((b) => `<tr><td>${esc(b.name)}</td><td>${esc(b.prefixes.join(" "))}</td><td>${esc(money(b.setup, tariff.currency))}</td>
      <td>${t("charges.per_unit_of", { price: money(b.per_unit, tariff.currency), unit: b.unit_s })}</td><td>${esc(money(b.minimum, tariff.currency))}</td>
      <td>${esc(b.surcharge_percent)} %</td><td>${(b.period_prices || []).map((p) => t("charges.period", {
        days: p.days.map((d) => t(`day.${d}`)).join(" "), from: p.from, to: p.to, price: money(p.per_unit, tariff.currency), unit: b.unit_s,
        setup: money(p.setup, tariff.currency) })).join("<br>")}</td></tr>`).join("");
}

onSubmit("quote-form", async (fd) => {
  S.quote = await api("GET", `/api/tariff/quote?number=${encodeURIComponent(fd.get("number"))}&minutes=${encodeURIComponent(fd.get("minutes") || 1)}`);
  renderQuote();
});

function renderQuote() {
  const q = S.quote;
  $("#quote-result").innerHTML = q ? t("charges.quoted", { number: q.number, minutes: q.minutes, price: money(q.amount_minor, q.currency), band: q.band }) : "";
}

// ---- alerts: on screen, with a sound, until acknowledged ------------------------------

async function loadAlerts() {
  S.alerts = await api("GET", "/api/alerts?all=true");
  renderAlerts();
}

function beep() {
  try {
    const ctx = S.audio || (S.audio = new AudioContext());
    const o = ctx.createOscillator(), g = ctx.createGain();
    o.frequency.value = 880; g.gain.value = 0.2;
    o.connect(g); g.connect(ctx.destination); o.start(); o.stop(ctx.currentTime + 0.4);
  } catch (_) { /* no sound device: the alert stays on screen */ }
}

/// A booking's rule in the reader's language, from its data (the English text if it has none).
function ruleText(w) {
  const r = w.rule_spec;
  if (!r) return esc(w.rule);
  const days = (r.days || []).map((d) => t(`day.${d}`)).join(S.dict["rule.days_sep"] ?? ", ");
  return t(`rule.${r.kind}`, { ...r, days });
}

/// Who set a room status, in the reader's words.
function statusBy(by) {
  if (by === "handset") return t("audit.by.handset");
  if (by.startsWith("attendant:")) return t("audit.by.attendant", { id: by.slice(10) });
  if (by === "check-out") return t("action.checkout");
  if (by === "room move") return t("action.move");
  return by;
}

/// A change of the room's history in the reader's language, from its facts (HTML, escaped by t);
/// the service's English for rows written before they had facts.
function auditText(a) {
  const p = a.params;
  let key = `audit.${a.action}`;
  if (p && typeof p.on === "boolean") key += p.on ? ".on" : ".off";
  if (!p || !(key in S.dict)) return S.lang === "en" ? esc(a.after ?? a.subject ?? "") : "";
  const q = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v ?? "–"]));
  if (p.incognito) q.guest = t("room.incognito");
  if (a.action === "room_status") {
    for (const k of ["before", "after"]) if (p[k]) q[k] = t(`hk.${p[k]}`);
    q.by = statusBy(String(p.by ?? ""));
  }
  if (a.action === "wakeup_add") { q.rule = ruleText({ rule_spec: p.rule, rule: "" }); q.first = when(p.first); }
  return t(key, q);
}

/// An alert's detail in the reader's language, from its code and facts (HTML, escaped by t).
function alertText(a) {
  const key = `alert.${a.kind}.detail`;
  if (!(key in S.dict)) return S.lang === "en" ? esc(a.message) : "";
  const p = { ...a.params };
  if (a.kind === "emergency_call" && !p.guest) p.guest = t("room.vacant");
  return t(key, p);
}

function renderAlerts() {
  const open = S.alerts.filter((a) => !a.acked_by);
  $("#alerts-count").textContent = open.length;
  if (open.some((a) => !S.heard.has(a.id))) beep();
  for (const a of open) S.heard.add(a.id);
  const row = (a) => `<div class="alert" id="alert-${a.id}"><b>${t(`alert.${a.kind}`)}</b> <span>${esc(a.room ? t("room.title", { room: a.room }) : "")}</span>
    <span class="muted">${when(a.at)}</span><span class="grow">${alertText(a)}</span>
    ${can("operate") ? `<button data-ack="${a.id}">${t("alerts.ack")}</button>` : ""}</div>`;
  $("#alert-strip").innerHTML = open.map(row).join("");
  $("#alerts").innerHTML = `<tr><th>${t("alerts.when")}</th><th>${t("alerts.kind")}</th><th>${t("field.room")}</th><th>${t("alerts.acked")}</th></tr>` +
    [...S.alerts].reverse().map((a) => `<tr><td>${when(a.at)}</td><td>${t(`alert.${a.kind}`)}<div class="muted">${alertText(a)}</div></td><td>${esc(a.room ?? "")}</td><td>${a.acked_by ? t("alerts.acked_by", { who: a.acked_by, at: when(a.acked_at) }) : ""}</td></tr>`).join("");
  for (const b of $$("[data-ack]")) b.addEventListener("click", async () => { await api("POST", `/api/alerts/${b.dataset.ack}/ack`); loadAlerts(); });
}

// ---- the logbook ------------------------------------------------------------------------

/// An entry's text: what a person wrote as written; what the service wrote (it has a kind) in
/// the user's language.
/// An entry's text (plain): what a person wrote, or what the service wrote in the reader's
/// language from its facts (an alert's entry says the alert's detail).
function entryText(e) {
  if (!e.kind || S.lang === "en") return e.text;
  const detail = S.dict[`alert.${e.kind}.detail`] ?? S.dict[`kind.${e.kind}.detail`];
  if (!e.params || !detail) return S.dict[`kind.${e.kind}`] ?? e.text;
  const p = { ...e.params };
  if (p.incognito) p.guest = S.dict["room.incognito"];
  if (e.kind === "emergency_call" && !p.guest) p.guest = S.dict["room.vacant"];
  return detail.replace(/\{(\w+)\}/g, (_, k) => String(p[k] ?? ""));
}

async function loadLog() {
  const [shift, handover, followups] = await Promise.all([
    api("GET", "/api/shifts/current"), api("GET", "/api/handover"), api("GET", "/api/followups?open=true"),
  ]);
  $("#shift-state").textContent = shift ? t("log.shift_open", { id: shift.id, who: shift.operator, at: when(shift.opened_at) }) : t("log.no_shift");
  $("#shift-open").hidden = !!shift;
  $("#shift-close").hidden = !shift;
  const hv = $("#handover");
  const pending = handover && !handover.shift.handover_acked_by;
  hv.hidden = !pending;
  if (pending) {
    const s = handover;
    hv.innerHTML = `<div><h3>${t("log.handover_of", { id: s.shift.id, who: esc(s.shift.operator) })}</h3>
      <p>${t("log.handover_counts", { ins: s.check_ins, outs: s.check_outs, followups: s.open_followups.length, alerts: s.open_alerts.length, messages: s.undelivered_messages.length })}</p>
      ${s.high_priority.map((e) => `<p>⚠ ${esc(entryText(e))}${e.room ? ` · ${t("room.title", { room: esc(e.room) })}` : ""}</p>`).join("")}
      <button id="handover-ack">${t("log.ack_handover")}</button><p class="error" role="alert"></p></div>`;
    $("#handover-ack").addEventListener("click", async () => {
      try { await api("POST", "/api/handover/ack"); loadLog(); } catch (e) { $(".error", hv).textContent = errorText(e); }
    });
  }
  $("#followups").innerHTML = `<tr><th>#</th><th>${t("log.owner")}</th><th>${t("log.due")}</th><th>${t("log.text")}</th><th></th></tr>` +
    followups.map((f) => `<tr><td>${f.id}</td><td>${esc(f.owner)}</td><td>${when(f.due)}</td><td>${esc(f.text)}</td>
      <td><button class="secondary" data-done="${f.id}">${t("log.mark_done")}</button></td></tr>`).join("");
  for (const b of $$("[data-done]")) b.addEventListener("click", async () => { await api("POST", `/api/followups/${b.dataset.done}`, { state: "done" }); loadLog(); });
  const q = $("#log-search").value.trim();
  let entries = [];
  try {
    entries = q ? await api("GET", `/api/log/search?q=${encodeURIComponent(q)}`) : shift ? await api("GET", "/api/log") : [];
  } catch (e) { entries = []; $("#entries").textContent = errorText(e); }
  if (entries.length || !q) $("#entries").innerHTML = entries.map((e) => `<div class="entry ${e.priority}"><div class="meta">#${e.id} ${when(e.at)} · ${esc(e.author)} · ${t(`log.cat.${e.category}`)}${e.room ? ` · ${t("room.title", { room: esc(e.room) })}` : ""}${e.amends ? ` · ${t("log.amends", { id: e.amends })}` : ""}</div><pre>${esc(entryText(e))}</pre></div>`).join("") || `<p class="muted">${t("log.empty")}</p>`;
}

$("#shift-open").addEventListener("click", async () => { try { await api("POST", "/api/shifts/open"); loadLog(); } catch (e) { $("#shift-state").textContent = errorText(e); } });
$("#shift-close").addEventListener("click", async () => { try { await api("POST", "/api/shifts/close", {}); loadLog(); } catch (e) { $("#shift-state").textContent = errorText(e); } });
$("#log-search").addEventListener("keydown", (e) => { if (e.key === "Enter") loadLog(); });
$("#log-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target), err = $(".error", ev.target);
  const opt = (v) => (v && String(v).trim()) || null;
  try {
    await api("POST", "/api/log", { text: f.get("text"), category: f.get("category"), priority: f.get("priority"), room: opt(f.get("room")), followup_owner: opt(f.get("followup_owner")), due: opt(f.get("due")) });
    ev.target.reset(); err.textContent = ""; loadLog();
  } catch (e) { err.textContent = errorText(e); }
});

// ---- live updates -----------------------------------------------------------------------

function connectEvents() {
  if (S.events) S.events.close();
  const es = new EventSource("/api/events");
  S.events = es;
  // Everything is read once per (re)connection; after that each event carries what changed and
  // is applied in place (a check-in costs one room, not the whole board).
  // The last hundred events' names and sizes, for a look from the browser's tools (and tests).
  const on = (name, apply) => es.addEventListener(name, (e) => {
    S.live.push([name, e.data.length]); if (S.live.length > 100) S.live.shift();
    apply(JSON.parse(e.data));
  });
  on("hello", (d) => { $("#offline-banner").hidden = true; renderBanner({ ...d.link, queued: S.link?.queued }); refresh("all"); });
  on("room", applyRoom);
  on("wakeup", applyWakeup);
  on("alert", applyAlert);
  on("log", () => { if (S.view === "log") loadLog(); });
  on("shift", () => { if (S.view === "log") loadLog(); });
  on("link", (d) => renderBanner({ ...d, queued: queued() }));
  on("pms", renderPmsBanner);
  // The browser reconnects by itself; meanwhile the page says it is not live.
  es.onerror = () => { $("#offline-banner").hidden = false; };
}

/// PBX commands waiting, as the rooms say (each room's own count).
function queued() { return (S.rooms || []).reduce((n, r) => n + (r.pbx_pending || 0), 0); }

function applyRoom(r) {
  const i = S.rooms.findIndex((x) => x.room === r.room);
  if (i < 0) S.rooms.push(r); else S.rooms[i] = r;
  renderBoard();
  if (S.link) renderBanner({ ...S.link, queued: queued() });
  if (S.open === r.room) renderRoomDialog(r.room).catch(() => {});
}

const ACTIVE = ["scheduled", "ringing", "retrying"];
function applyWakeup(w) {
  S.wakeups = S.wakeups.filter((x) => x.id !== w.id);
  if (ACTIVE.includes(w.status)) S.wakeups.push(w);
  // The order GET /api/wakeups gives: by next firing, ended ones last, then by id.
  S.wakeups.sort((a, b) => (a.due_utc === null) - (b.due_utc === null) || (a.due_utc || "").localeCompare(b.due_utc || "") || a.id - b.id);
  renderBoard();
  if (S.view === "wakeups") loadWakeups().catch(() => {});
  if (S.open === w.room) renderRoomDialog(w.room).catch(() => {});
}

function applyAlert(a) {
  const i = S.alerts.findIndex((x) => x.id === a.id);
  // Oldest first, as GET /api/alerts lists them (a new alert has the highest id).
  if (i < 0) S.alerts.push(a); else S.alerts[i] = a;
  renderAlerts();
}

// ---- start ------------------------------------------------------------------------------

async function hotelName() {
  try {
    const h = await (await fetch("/health")).json();
    if (h.hotel) { S.hotel = h.hotel; for (const el of $$("#hotel, #signin h1")) el.textContent = h.hotel; document.title = `${h.hotel} · ${t("app.title")}`; }
  } catch (_) { /* the title stays generic */ }
}

(async function start() {
  await setLang(localStorage.getItem("switchboard.lang") || ((navigator.language || "").startsWith("zh") ? "zh-Hant" : "en"));
  await hotelName();
  try { await signedIn(await api("GET", "/api/me")); } catch (_) { showSignin(""); }
})();
