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

/// As [`t`], for plain text (a confirmation, a toast): the parameters are not HTML-escaped.
function plain(key, params = {}) {
  return (S.dict[key] ?? key).replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ""));
}

async function setLang(lang) {
  const res = await fetch(`/console/i18n/${lang}.json`);
  S.dict = await res.json();
  S.lang = lang;
  document.documentElement.lang = lang === "zh-Hant" ? "zh-Hant" : "en";
  for (const el of $$("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of $$("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
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

/// A time's date and clock in the hotel's zone (`S.timezone`, from /health), whatever the
/// browser's: a hotel-local date-time ("2026-11-30T06:30:00") as it is, an RFC 3339 instant
/// converted. `null` if it is not a time.
function hotelParts(v) {
  const zoned = v.endsWith("Z") || /[+-]\d\d:\d\d$/.test(v);
  const m = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d))?/.exec(v);
  if (!zoned) return m ? { y: m[1], mo: m[2], d: m[3], h: m[4] ?? "00", mi: m[5] ?? "00" } : null;
  const d = new Date(v);
  if (isNaN(d)) return null;
  let f;
  try {
    f = new Intl.DateTimeFormat("en-CA", { timeZone: S.timezone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  } catch (_) { f = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }); }
  const o = Object.fromEntries(f.formatToParts(d).map((p) => [p.type, p.value]));
  return { y: o.year, mo: o.month, d: o.day, h: o.hour, mi: o.minute };
}

/// A time in the hotel's zone and the reader's language.
function when(v) {
  if (!v) return "–";
  const p = hotelParts(v);
  if (!p) return esc(v);
  return S.lang === "zh-Hant" ? `${p.y}年${Number(p.mo)}月${Number(p.d)}日 ${p.h}:${p.mi}` : `${p.y}-${p.mo}-${p.d} ${p.h}:${p.mi}`;
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
  // The live stream's hello reads everything (once per connection): the view is drawn from it.
  show(S.view === "log" && !can("operate") ? "rooms" : S.view, { read: false });
  connectEvents();
}

$("#signin-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  try {
    const me = await api("POST", "/api/session", { login: f.get("login"), password: f.get("password") });
    $("#signin-password").value = "";
    await signedIn(me);
  } catch (e) {
    // A refused password is cleared: the next try starts empty instead of appending to it.
    $("#signin-password").value = "";
    $("#signin-error").textContent = errorText(e);
    $("#signin-password").focus();
  }
});

$("#logout").addEventListener("click", async () => {
  try { await api("POST", "/api/logout"); } catch (_) { /* the session may be gone already */ }
  showSignin("");
});

for (const b of $$("[data-lang]")) b.addEventListener("click", () => setLang(b.dataset.lang));
$("#lang").addEventListener("change", (e) => setLang(e.target.value));

// ---- views ------------------------------------------------------------------------------

function show(view, { read = true } = {}) {
  if (view === "log" && !can("operate")) view = "rooms";
  S.view = view;
  for (const s of $$(".view")) s.hidden = s.id !== `view-${view}`;
  for (const b of $$("header nav button")) b.classList.toggle("active", b.dataset.view === view);
  fillDays(); // the hotel's today may have turned since they were filled
  if (read) refresh(view);
}
for (const b of $$("[data-view]")) b.addEventListener("click", () => show(b.dataset.view));

async function refresh(what) {
  try {
    if (what === "rooms" || what === "all") await loadRooms();
    if (what === "wakeups" || what === "all" || what === "rooms") await loadWakeups();
    if (what === "alerts" || what === "all") await loadAlerts();
    if ((what === "log" || what === "all") && can("operate") && S.view === "log") await loadLog();
    if (S.view === "charges" && (what === "charges" || what === "all")) await loadCharges();
    if (S.view === "directory" && (what === "directory" || what === "all")) await loadDirectory();
    if (S.view === "round" && (what === "round" || what === "all")) await loadRound();
    if (S.open) await renderRoomDialog(S.open);
  } catch (e) { if (e.status !== 401) console.error(e); }
}

function renderAll() {
  renderBoard(); renderBanner(S.link); renderPmsBanner(S.pms); renderAlerts();
  if (S.view === "wakeups") loadWakeups();
  if (S.view === "log") loadLog();
  if (S.view === "charges") loadCharges();
  if (S.view === "directory") loadDirectory();
  if (S.view === "round") loadRound();
}

/// The night round: every message still waiting, by room, with the guest, when it was taken and
/// from whom; printable.
async function loadRound() {
  const waiting = await api("GET", "/api/messages?undelivered=true");
  const byRoom = Object.fromEntries(S.rooms.map((r) => [r.room, r]));
  waiting.sort((a, b) => a.room.localeCompare(b.room, undefined, { numeric: true }) || a.left_at.localeCompare(b.left_at));
  $("#round-count").textContent = t("round.count", { n: waiting.length });
  const guest = (m) => {
    const r = byRoom[m.room];
    return !r || !r.occupied ? "" : r.private && !r.guest_name ? t("room.incognito") : esc(wholeName(r));
  };
  $("#round").innerHTML = `<tr><th>${t("field.room")}</th><th>${t("round.guest")}</th><th>${t("round.taken")}</th><th>${t("field.from")}</th><th>${t("round.taken_by")}</th><th>${t("field.text")}</th></tr>` +
    (waiting.length ? waiting.map((m) => `<tr><td><button class="link" data-open-room="${esc(m.room)}">${esc(m.room)}</button></td><td>${guest(m)}</td>
      <td>${when(m.left_at)}</td><td>${esc(m.from ?? "")}${m.callback ? `<div class="muted">${esc(m.callback)}</div>` : ""}</td><td>${esc(m.taken_by)}</td><td>${esc(m.text ?? "")}</td></tr>`).join("")
      : `<tr><td colspan="6" class="muted">${t("round.none")}</td></tr>`);
}
$("#round").addEventListener("click", (e) => { const b = e.target.closest("[data-open-room]"); if (b) openRoom(b.dataset.openRoom); });
/// A printout from the service, in the reader's language and the hotel's time.
function printSheet(sheet, extra = "") {
  window.open(`/api/print/${sheet}?lang=${encodeURIComponent(S.lang)}${extra}`, "_blank");
}
// Every screen's print button: its sheet.
for (const b of $$("[data-sheet]")) b.addEventListener("click", () => printSheet(b.dataset.sheet));

/// The hotel's today as [year, month, day] (its zone, not the browser's).
function hotelToday() {
  const p = hotelParts(new Date().toISOString());
  return [Number(p.y), Number(p.mo), Number(p.d)];
}

/// A day `offset` days from the hotel's today: its value ("2026-12-05") and its words in the
/// reader's language and the hotel's format ("Sat 2026-12-05", "2026年12月5日（週六）"), today and
/// tomorrow named.
function hotelDay(offset) {
  const [y, m, d] = hotelToday();
  const day = new Date(Date.UTC(y, m - 1, d + offset));
  const value = day.toISOString().slice(0, 10);
  const wd = t(`day.${["sun", "mon", "tue", "wed", "thu", "fri", "sat"][day.getUTCDay()]}`);
  const [yy, mm, dd] = value.split("-");
  let label = S.lang === "zh-Hant" ? `${yy}年${Number(mm)}月${Number(dd)}日（${wd}）` : `${wd} ${value}`;
  if (offset === 0 || offset === 1) label += ` · ${t(offset ? "day.tomorrow" : "day.today")}`;
  return [value, label];
}

/// The day pickers (`data-days="from,to"`, days from the hotel's today; `data-none`: the words of
/// the empty choice): filled in the hotel's format whatever the browser's locale; what was
/// chosen stays chosen.
function fillDays() {
  for (const sel of $$("select[data-days]")) {
    const [from, to] = sel.dataset.days.split(",").map(Number), keep = sel.value;
    // Days ahead soonest first; days past (a report's) latest first.
    const days = Array.from({ length: to - from + 1 }, (_, k) => hotelDay(from + k));
    if (from < 0) days.reverse();
    const opts = [...(sel.dataset.none ? [["", t(sel.dataset.none)]] : []), ...days];
    sel.innerHTML = opts.map(([v, label]) => `<option value="${v}">${esc(label)}</option>`).join("");
    sel.value = keep && opts.some(([v]) => v === keep) ? keep : sel.dataset.none ? "" : hotelDay(0)[0];
  }
}

function fillSelects() {
  fillDays();
  const cats = ["incident", "guest_request", "maintenance", "security", "note"];
  $("[name=category]").innerHTML = cats.map((c) => `<option value="${c}"${c === "note" ? " selected" : ""}>${t(`log.cat.${c}`)}</option>`).join("");
  fillOwners();
}

/// Who a follow-up may go to: nobody, a role (whoever is on duty in it), the reader, or (for a
/// manager, who may read the staff list) any active colleague.
/// A follow-up's owner: a role in the reader's words ("whoever is on the operator's duty"), a
/// colleague by login.
function ownerText(owner) {
  return ["desk", "operator", "manager"].includes(owner) ? plain("log.owner_role", { role: plain(`role.${owner}`) }) : owner;
}

async function fillOwners() {
  const sel = $("[name=followup_owner]");
  const opts = [["", t("log.no_followup")], ...["desk", "operator", "manager"].map((r) => [r, t("log.owner_role", { role: t(`role.${r}`) })])];
  if (S.me) opts.push([S.me.login, `${S.me.display_name} (${t("log.owner_me")})`]);
  if (S.me && can("manage")) {
    try {
      for (const s of await api("GET", "/api/staff")) if (s.active && s.login !== S.me.login) opts.push([s.login, s.display_name]);
    } catch (_) { /* the roles and the reader remain */ }
  }
  sel.innerHTML = opts.map(([v, label]) => `<option value="${esc(v)}">${esc(label)}</option>`).join("");
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

/// The rooms' next active wake-up calls (a failed or ended one is not "next"): room -> due.
function nextWakeups(room) {
  const next = new Map();
  for (const w of S.wakeups) {
    if (!w.due || !ACTIVE.includes(w.status) || (room && w.room !== room)) continue;
    const cur = next.get(w.room);
    if (!cur || w.due < cur) next.set(w.room, w.due);
  }
  return next;
}

/// A local time for a tile: "06:30" today, "12-06 06:30" (or 12月6日 06:30) another day.
function shortWhen(v) {
  const p = hotelParts(v), today = hotelParts(new Date().toISOString());
  if (!p) return esc(v);
  const hm = `${p.h}:${p.mi}`;
  if (today && p.y === today.y && p.mo === today.mo && p.d === today.d) return hm;
  return S.lang === "zh-Hant" ? `${Number(p.mo)}月${Number(p.d)}日 ${hm}` : `${p.mo}-${p.d} ${hm}`;
}

/// Whether the board's filters (floor, state, a guest search) show room `r`.
function shown(r) {
  const floor = $("#floor").value, state = $("#state-filter").value, found = S.guestRooms;
  const ready = ["clean", "inspected"].includes(r.housekeeping);
  return (!found || found.has(r.room)) && (!floor || floorOf(r) === floor)
    && (state === "all" || (state === "vacant" && !r.occupied) || (state === "occupied" && r.occupied) || (state === "waiting" && !r.pbx_synced)
      || (state === "ready" && !r.occupied && ready) || (state === "notready" && !ready));
}

/// The words a tile uses, looked up once per drawing of the board (thousands of tiles).
function tileWords() {
  const cache = new Map();
  return (key) => { let v = cache.get(key); if (v === undefined) { v = t(key); cache.set(key, v); } return v; };
}

/// One room's tile; `next`: the rooms' next wake-up calls; `w`: the words (see [`tileWords`]).
function tileHtml(r, next, w = tileWords()) {
  const t = (key, params) => (params ? globalThis.t(key, params) : w(key));
  const cls = ["tile", r.occupied ? "occupied" : "vacant", r.private ? "incognito" : ""].join(" ");
  const guest = !r.occupied ? t("room.vacant") : r.private && !r.guest_name ? t("room.incognito") : esc(wholeName(r));
  const marks = [];
  if (r.occupied) marks.push(`<span title="${t("room.class")}">${t(`class.${r.class_of_service}`)}</span>`);
  if (r.vip) marks.push(`<span class="vip">${t("room.vip")}</span>`);
  if (r.private) marks.push(`<span>${t("room.incognito")}</span>`);
  if (r.message_lamp) marks.push(`<span class="lamp">${t("room.lamp")}</span>`);
  if (r.dnd) marks.push(`<span>${t("room.dnd")}</span>`);
  const due = next.get(r.room);
  if (due) marks.push(`<span class="wake">${t("room.wake_at", { at: shortWhen(due) })}</span>`);
  if (!r.occupied || !["clean", "inspected"].includes(r.housekeeping)) {
    marks.push(`<span class="${["clean", "inspected"].includes(r.housekeeping) ? "" : "pending"}">${t(`hk.${r.housekeeping}`)}</span>`);
  }
  if (!r.pbx_synced) marks.push(`<span class="pending">${t("room.not_on_pbx")}</span>`);
  return `<button class="${cls}" data-room="${esc(r.room)}" id="tile-${esc(r.room)}"><span class="no">${esc(r.room)}</span><span class="guest">${guest}</span><span class="marks">${marks.join("")}</span></button>`;
}

// Every room as a tile. One innerHTML for the board: thousands of rooms render at once.
function renderBoard() {
  fillFloors();
  const next = nextWakeups();
  const list = S.rooms.filter(shown);
  $("#room-count").textContent = t("rooms.count", { n: list.length });
  const words = tileWords();
  $("#board").innerHTML = list.map((r) => tileHtml(r, next, words)).join("");
}

/// One room changed: its tile alone is drawn again (the board only when the room comes onto it
/// or leaves it); the focus stays where it was.
function redrawTile(room) {
  const r = S.rooms.find((x) => x.room === room), el = document.getElementById(`tile-${room}`);
  if (!r || !el || !shown(r)) { if (r && (el || shown(r))) renderBoard(); return; }
  const focused = document.activeElement === el;
  el.outerHTML = tileHtml(r, nextWakeups(room));
  if (focused) document.getElementById(`tile-${room}`)?.focus();
}

$("#board").addEventListener("click", (e) => { const b = e.target.closest("[data-room]"); if (b) openRoom(b.dataset.room); });
$("#floor").addEventListener("change", renderBoard);

/// A guest's whole name: 陳大文 (family then given, no space, in Chinese, Japanese or Korean),
/// "Chen Tai-man" otherwise (as the hotel writes family names first on its lists).
function wholeName(r) {
  const family = r.guest_name || "", given = r.first_name || "";
  if (!given) return family;
  return /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/.test(family + given) ? `${family}${given}` : `${family} ${given}`;
}

/// Find a guest: the service searches (it decides who may find an incognito guest); the board
/// shows only the rooms found until the field is cleared.
async function findGuest() {
  const q = $("#guest-search").value.trim();
  if (!q) { S.guestRooms = null; renderBoard(); return; }
  try {
    const stays = await api("GET", `/api/guests?name=${encodeURIComponent(q)}`);
    S.guestRooms = new Set(stays.map((s) => s.room));
    renderBoard();
    if (stays.length === 0) toast(plain("rooms.no_guest", { name: q }));
  } catch (e) { toast(errorText(e)); }
}
$("#guest-search").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); findGuest(); } });
$("#guest-search").addEventListener("search", findGuest);
$("#state-filter").addEventListener("change", renderBoard);
$("#jump").addEventListener("keydown", (e) => {
  if (e.key !== "Enter") return;
  const room = e.target.value.trim();
  if (S.rooms.some((r) => r.room === room)) { openRoom(room); e.target.value = ""; } else e.target.select();
});

// ---- a room -----------------------------------------------------------------------------

async function openRoom(room) {
  const d = $("#room-dialog");
  // A dialog opened afresh starts clean (its forms are built for this room).
  if (!d.open) { S.dialogKey = null; S.billAfterCheckout = null; }
  S.open = room;
  const opening = (S.opening = Symbol(room));
  try {
    await renderRoomDialog(room);
  } catch (e) {
    // Offline, or the room cannot be read: say so where the operator is looking.
    if (S.opening === opening) { S.opening = null; S.open = null; }
    if (e.status === 401) return;
    toast(e.status === 0 ? plain("live.room_offline", { room }) : errorText(e));
    return;
  }
  if (S.opening !== opening) return;
  S.opening = null;
  if (!d.open) {
    d.showModal();
    // Ready to type: a vacant room's check-in name; otherwise the dialog itself (keys above).
    ($("#checkin [name=name]", d) || $("#room-detail h2", d))?.focus();
  }
}

/// A short message at the top of the screen, read out by screen readers; it goes by itself.
function toast(text) {
  const el = $("#toast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(S.toastTimer);
  S.toastTimer = setTimeout(() => { el.hidden = true; }, 6000);
}
$("#room-dialog").addEventListener("close", (e) => {
  // The close event comes a moment after the dialog closed: if a room was opened meanwhile
  // (a quick click, even the same room), that room is the one open now.
  if (e.target.open || S.opening) return;
  const room = S.open;
  S.open = null; S.dialogKey = null; S.billAfterCheckout = null;
  // Back where the operator was: the room's tile.
  if (room) document.getElementById(`tile-${room}`)?.focus();
});

/// A 24-hour time as typed ("0630", "630", "06:30") in the form the API takes ("06:30").
function hhmm(v) {
  const d = String(v).replace(":", "").trim().padStart(4, "0");
  return `${d.slice(0, 2)}:${d.slice(2)}`;
}

// ---- the keyboard -------------------------------------------------------------------------
// Digits typed anywhere outside a field go to "Go to room"; Enter there opens the room. On the
// board, the arrow keys move between tiles. In a room's dialog a letter goes to its action
// (see README, "The console from the keyboard"); Esc closes it.

const typing = (el) => el && (["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName) || el.isContentEditable);

document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || !S.me) return;
  const dialog = $("#room-dialog");
  // One key per screen, from anywhere but a room's dialog: F2 rooms, F3 directory, F4 wake-ups,
  // F5 the night round (instead of the browser's reload), F6 logbook, F7 alerts.
  const screen = !dialog.open && { F2: "rooms", F3: "directory", F4: "wakeups", F5: "round", F6: "log", F7: "alerts" }[e.key];
  if (screen) {
    e.preventDefault();
    show(screen);
    ({ rooms: $("#jump"), directory: $("#dir-search") })[screen]?.focus();
    return;
  }
  if (dialog.open) { if (!typing(e.target)) roomKey(e); return; }
  if (typing(e.target)) return;
  if (/^[0-9]$/.test(e.key) && S.view === "rooms") {
    const jump = $("#jump");
    jump.value = e.key;
    jump.focus();
    e.preventDefault();
  }
});

/// The room dialog's keys: each action's first field, or its button.
const ROOM_KEYS = { c: "#checkin [name=name]", w: "#book [name=time]", m: "#leave [name=text]", v: "#move [name=to]", d: "#dnd button", l: "#class [name=class]", h: "#housekeeping [name=status]", o: "#checkout button, #checkout-discard:not([hidden]) button" };
function roomKey(e) {
  const sel = ROOM_KEYS[e.key.toLowerCase()];
  if (!sel) return;
  const el = $$(sel, $("#room-detail")).find((x) => !x.closest("[hidden]"));
  if (!el) return;
  e.preventDefault();
  el.focus();
}

$("#board").addEventListener("keydown", (e) => {
  const tile = e.target.closest(".tile");
  if (!tile || !["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"].includes(e.key)) return;
  const tiles = $$(".tile", $("#board"));
  const i = tiles.indexOf(tile);
  // Tiles per row: those on the first row's line.
  const perRow = Math.max(1, tiles.filter((x) => x.offsetTop === tiles[0].offsetTop).length);
  const to = { ArrowLeft: i - 1, ArrowRight: i + 1, ArrowUp: i - perRow, ArrowDown: i + perRow, Home: 0, End: tiles.length - 1 }[e.key];
  if (tiles[to]) { tiles[to].focus(); e.preventDefault(); }
});

// A message's text is sent with Ctrl+Enter (Enter alone starts a new line).
document.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && e.ctrlKey && e.target.tagName === "TEXTAREA") { e.preventDefault(); e.target.form?.requestSubmit(); }
});

function form(id, fields, submit, extra = "") {
  return `<form id="${id}">${fields}<button type="submit">${submit}</button>${extra}<p class="error" role="alert"></p></form>`;
}

/// The room's dialog. Its forms are built once per room and occupancy and never rebuilt by a
/// live update (whatever someone is typing stays); the lists and the status around them are.
async function renderRoomDialog(room) {
  // Several drawings may be under way (a live event, the form's own refresh): only the newest
  // draws, so an answer read before a change cannot overwrite one read after it.
  const seq = (S.dialogSeq = (S.dialogSeq || 0) + 1);
  const [r, wakeups, messages, audit] = await Promise.all([
    api("GET", `/api/rooms/${room}`), api("GET", `/api/wakeups?room=${room}`),
    api("GET", `/api/messages?room=${room}`), api("GET", `/api/audit?room=${room}&limit=20`),
  ]);
  if (seq !== S.dialogSeq || S.open !== room) return;
  const key = `${room}:${r.occupied}:${S.lang}`;
  if (S.dialogKey !== key) {
    S.dialogKey = key;
    $("#room-detail").innerHTML = roomSkeleton(room, r);
    wireRoomForms(room);
  }
  S.openRoom = r;
  const d = $("#room-detail");
  $("#rd-status", d).innerHTML = `${r.occupied ? (r.private && !r.guest_name ? t("room.incognito") : `<b>${esc(wholeName(r))}</b>`) : t("room.vacant")}
    ${r.vip ? `<b class="vip">${t("room.vip")}</b>` : ""}
    ${r.pbx_synced ? `<span class="muted">· ${t("room.on_pbx")}</span>` : `<span class="pending">· ${t("room.not_on_pbx")}</span>`}
    · ${t("hk.title")}: <b>${t(`hk.${r.housekeeping}`)}</b>
    ${r.occupied ? `· ${t("room.class")}: <b>${t(`class.${r.class_of_service}`)}</b>` : ""}
    ${r.dnd ? `· <b>${t("room.dnd")}</b>` : ""}${r.message_lamp ? ` · <b class="lamp">${t("room.lamp_on")}</b>` : ""}`;
  const hk = $("#housekeeping [name=status]", d);
  if (hk && document.activeElement !== hk) hk.value = r.housekeeping;
  const notReady = $("#checkin-not-ready", d);
  if (notReady) notReady.hidden = ["clean", "inspected"].includes(r.housekeeping);
  $("#rd-history", d).innerHTML = audit.map((a) => `<tr><td>${when(a.at)}</td><td>${esc(a.staff)}</td><td>${t(`action.${a.action}`)}</td><td>${auditText(a)}</td></tr>`).join("");
  if (!r.occupied) return;
  $("#dnd button", d).textContent = t(r.dnd ? "room.dnd_turn_off" : "room.dnd_turn_on");
  const move = $("#move [name=to]", d);
  if (document.activeElement !== move) {
    // Vacant rooms, ready ones first, each with its status; nothing chosen until the operator chooses.
    const ready = (x) => ["clean", "inspected"].includes(x.housekeeping);
    const vacant = S.rooms.filter((x) => !x.occupied && x.room !== room).sort((a, b) => ready(b) - ready(a));
    const chosen = move.value;
    move.innerHTML = `<option value="">${t("move.choose")}</option>` + vacant.map((x) =>
      `<option value="${esc(x.room)}" data-ready="${ready(x)}">${esc(x.room)} · ${t(`hk.${x.housekeeping}`)}</option>`).join("");
    move.value = vacant.some((x) => x.room === chosen) ? chosen : "";
    moveReadiness();
  }
  $("#rd-wakeups", d).innerHTML = `<tr><th>${t("wakeups.due")}</th><th>${t("wakeups.rule")}</th><th>${t("wakeups.status")}</th><th><span class="sr-only">${t("wakeups.actions")}</span></th></tr>` +
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
  const billLink = (key) => `<p><a href="/api/print/bill?room=${encodeURIComponent(room)}&lang=${encodeURIComponent(S.lang)}" target="_blank" id="rd-bill">${t(key)}</a></p>`;
  let html = `<h2 tabindex="-1" id="rd-title">${t("room.title", { room: esc(room) })}</h2><p id="rd-status"></p>`;
  // The bill is the occupied room's; right after a check-out, the stay that just left.
  if (r.occupied) html += billLink("charges.print_bill");
  else if (S.billAfterCheckout === room) html += `<p class="banner">${t("checkout.done")}</p>` + billLink("checkout.print_bill");
  if (!r.occupied) {
    html += `<section><h3>${t("checkin.title")}</h3>` + form("checkin",
      `<label><span>${t("field.name")}</span><input name="name" required maxlength="40"></label>
       <label><span>${t("field.first_name")}</span><input name="first_name" maxlength="40"></label>
       <label><span>${t("field.language")}</span><input name="language" size="4" maxlength="4" placeholder="EN"></label>
       <label><span>${t("room.class")}</span><select name="class">${[0, 1, 2, 3].map((c) => `<option value="${c}"${c === 3 ? " selected" : ""}>${t(`class.${c}`)}</option>`).join("")}</select></label>
       <label><span>${t("room.incognito")}</span><input type="checkbox" name="private"></label>
       <label><span>${t("field.vip")}</span><input type="checkbox" name="vip"></label>
       <label id="checkin-not-ready" hidden><span>${t("checkin.not_ready_ok")}</span><input type="checkbox" name="not_ready_ok"></label>`, t("checkin.submit")) + `</section>`;
  } else {
    html += `<section><h3>${t("room.line")}</h3>
      <form id="dnd"><button type="submit" class="secondary"></button><p class="error" role="alert"></p></form>
      ${form("class", `<label><span>${t("room.class")}</span><select name="class">${classes}</select></label>`, t("room.set_class"))}
      ${form("move", `<label><span>${t("move.to")}</span><select name="to" required></select></label>
        <label id="move-not-ready" hidden><span>${t("move.not_ready_ok")}</span><input type="checkbox" name="not_ready_ok"></label>`, t("move.submit"))}
      </section>`;
    html += `<section><h3>${t("wakeups.book")}</h3>` + form("book",
      `<label><span>${t("field.time")}</span><input name="time" required inputmode="numeric" size="5" maxlength="5" placeholder="0630" pattern="([01]?[0-9]|2[0-3]):?[0-5][0-9]" autocomplete="off"></label>
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

/// The "move anyway" box shows when the chosen room is not ready.
function moveReadiness() {
  const sel = $("#move [name=to]");
  if (!sel) return;
  const opt = sel.selectedOptions[0];
  $("#move-not-ready").hidden = !opt || !opt.value || opt.dataset.ready === "true";
}

/// Runs `act` only if the person says yes to `question` (destructive actions).
async function confirmed(question, act) {
  if (!window.confirm(question)) return;
  await act();
}

/// Check-out: the bill is shown in the question, and offered for printing once the guest is out.
async function checkOut(room, body) {
  await api("POST", `/api/rooms/${room}/checkout`, body);
  S.billAfterCheckout = room;
  S.dialogKey = null;
}

/// The question before a check-out names the guest and the bill's total.
async function checkoutQuestion(room, key) {
  const r = S.openRoom || {};
  let bill = "";
  try {
    const f = await api("GET", `/api/rooms/${room}/folio`);
    bill = plain("confirm.bill", { n: f.count, total: money(f.total_minor, f.currency) });
  } catch (_) { /* no bill to show: the question still stands */ }
  const guest = r.private && !r.guest_name ? t("room.incognito") : [r.guest_name, r.first_name].filter(Boolean).join(" ");
  return `${plain(key, { room, guest })}\n${bill}`;
}

function wireRoomForms(room) {
  const opt = (v) => (v && String(v).trim()) || null;
  onSubmit("checkin", (f) => api("POST", `/api/rooms/${room}/checkin`, {
    name: f.get("name"), first_name: opt(f.get("first_name")), language: opt(f.get("language")),
    class: Number(f.get("class")), private: f.get("private") === "on", vip: f.get("vip") === "on", not_ready_ok: f.get("not_ready_ok") === "on",
  }));
  onSubmit("housekeeping", (f) => api("POST", `/api/rooms/${room}/housekeeping`, { status: f.get("status") }));
  onSubmit("dnd", () => api("POST", `/api/rooms/${room}/dnd`, { on: !S.openRoom.dnd }));
  onSubmit("class", (f) => api("POST", `/api/rooms/${room}/class`, { class: Number(f.get("class")) }));
  onSubmit("move", async (f) => {
    const to = f.get("to");
    await api("POST", `/api/rooms/${room}/move`, { to, not_ready_ok: f.get("not_ready_ok") === "on" });
    S.open = to; S.dialogKey = null;
  });
  $("#move [name=to]")?.addEventListener("change", moveReadiness);
  onSubmit("book", (f) => {
    const b = { room, time: hhmm(f.get("time")) };
    const rep = f.get("repeat");
    if (rep === "daily") b.daily = true;
    if (rep === "weekdays") b.days = "mon,tue,wed,thu,fri";
    if (rep === "days") b.for_days = Number(f.get("for_days"));
    return api("POST", "/api/wakeups", b);
  });
  onSubmit("leave", (f) => api("POST", "/api/messages", { room, text: f.get("text"), from: opt(f.get("from")), callback: opt(f.get("callback")) }));
  onSubmit("checkout", async () => confirmed(await checkoutQuestion(room, "confirm.checkout"), () => checkOut(room, {})));
  onSubmit("checkout-discard", async () => confirmed(await checkoutQuestion(room, "confirm.checkout_discard"), () => checkOut(room, { discard_messages: true })));
  // The lists are re-rendered: one listener on the dialog serves their buttons.
  $("#room-detail").onclick = async (e) => {
    const deliver = e.target.closest("[data-deliver]"), cancel = e.target.closest("[data-cancel]");
    if (deliver) { await api("POST", `/api/messages/${deliver.dataset.deliver}/deliver`); refresh("rooms"); }
    if (cancel && window.confirm(plain("confirm.cancel_wakeup", { room }))) { await api("POST", `/api/wakeups/${cancel.dataset.cancel}/cancel`); refresh("rooms"); }
  };
}

// ---- wake-ups ---------------------------------------------------------------------------

async function loadWakeups() {
  S.wakeups = await api("GET", "/api/wakeups");
  // The board's markers come from these calls: draw them as soon as they are read.
  if (S.view === "rooms") renderBoard();
  if (S.view !== "wakeups") return;
  $("#wakeup-list").innerHTML = `<tr><th>${t("wakeups.due")}</th><th>${t("field.room")}</th><th>${t("wakeups.rule")}</th><th>${t("wakeups.status")}</th></tr>` +
    S.wakeups.map((w) => `<tr><td>${when(w.due)}</td><td>${esc(w.room)}</td><td>${ruleText(w)}</td><td class="state-${w.status}">${t(`wstatus.${w.status}`)}</td></tr>`).join("");
  const date = $("#report-date").value;
  const rep = await api("GET", `/api/wakeups/report${date ? `?date=${date}` : ""}`);
  const s = rep.summary;
  $("#report-summary").textContent = t("wakeups.summary", s) + (rep.rung_at_the_pbx_minute ? ` ${plain("wakeups.pbx_minute")}` : "");
  $("#report").innerHTML = `<tr><th>${t("wakeups.due")}</th><th>${t("field.room")}</th><th>${t("wakeups.outcome")}</th><th>${t("wakeups.attempts")}</th></tr>` +
    rep.calls.map((c) => `<tr><td>${when(c.due)}</td><td>${esc(c.room)}</td><td class="state-${c.outcome.replace(" ", "_")}">${t(`outcome.${c.outcome.replace(" ", "_")}`)}</td>
      <td>${c.attempts.map((a) => `#${a.attempt} ${when(a.started_at).slice(-5)} ${t(`result.${(a.result || "ringing").split(" ")[0]}`)}`).join("; ")}</td></tr>`).join("");
}
$("#report-date").addEventListener("change", loadWakeups);

// ---- group work: one wake-up or one message for many rooms ------------------------------
// Each room gets its own booking or message; a room that is refused is listed with why.

/// "301-318, 320" -> ["301", ..., "318", "320"]: rooms the hotel has, in the order given.
function roomsFrom(text) {
  const have = new Set(S.rooms.map((r) => r.room)), out = [];
  for (const part of text.split(/[,\s、，]+/).filter(Boolean)) {
    const m = part.match(/^(\d+)\s*[-–~～]\s*(\d+)$/);
    if (m) {
      const [a, b] = [Number(m[1]), Number(m[2])];
      if (b < a || b - a > 500) throw new ApiError(plain("group.bad_range", { part }), 0);
      for (let n = a; n <= b; n++) if (have.has(String(n))) out.push(String(n));
    } else if (have.has(part)) out.push(part);
    else throw new ApiError(plain("group.no_room", { room: part }), 0);
  }
  if (!out.length) throw new ApiError(plain("group.no_rooms"), 0);
  return [...new Set(out)];
}

/// Sends `one(room)` for each room; lists the refusals under the form and says how many went.
async function forEachRoom(form, rooms, one) {
  const refused = [];
  for (const room of rooms) {
    try { await one(room); } catch (e) { refused.push(`<li>${t("room.title", { room: esc(room) })}: ${esc(errorText(e))}</li>`); }
  }
  $(".refusals", form).innerHTML = refused.join("");
  toast(plain("group.done", { n: rooms.length - refused.length, of: rooms.length }));
  if (!refused.length) form.reset();
}

for (const id of ["group-wakeup", "group-message"]) {
  $(`#${id}`).addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target, fd = new FormData(f), err = $(".error", f);
    err.textContent = ""; $(".refusals", f).innerHTML = "";
    if (!f.checkValidity()) { f.reportValidity(); return; }
    let rooms;
    try { rooms = roomsFrom(fd.get("rooms")); } catch (e) { err.textContent = e.message; return; }
    if (id === "group-wakeup") {
      const b = { time: hhmm(fd.get("time")) };
      if (fd.get("date")) b.date = fd.get("date");
      await forEachRoom(f, rooms, (room) => api("POST", "/api/wakeups", { ...b, room }));
      loadWakeups();
    } else {
      const opt = (v) => (v && String(v).trim()) || null;
      const b = { text: fd.get("text"), from: opt(fd.get("from")), callback: opt(fd.get("callback")) };
      await forEachRoom(f, rooms, (room) => api("POST", "/api/messages", { ...b, room }));
      loadRound();
    }
  });
}

// ---- call charges: the tariff, a quote for the guest, the latest calls --------------------

/// Minor units in the currency's own decimals (ISO 4217, as the browser knows them).
function money(minor, currency) {
  // XXX: no currency (a hotel with no tariff records the PBX's amounts as they come).
  if (currency === "XXX") return (minor / 100).toFixed(2);
  try {
    const f = new Intl.NumberFormat(S.lang, { style: "currency", currency });
    return f.format(minor / 10 ** f.resolvedOptions().maximumFractionDigits);
  } catch { return `${(minor / 100).toFixed(2)} ${currency}`; }
}

async function loadCharges() {
  const calls = await api("GET", "/api/calls");
  $("#calls").innerHTML = `<tr><th>${t("charges.started")}</th><th>${t("field.room")}</th><th>${t("charges.number")}</th><th>${t("charges.duration")}</th>
    <th>${t("charges.band")}</th><th>${t("charges.amount")}</th><th>${t("charges.state")}</th></tr>` +
    (calls.length ? calls.slice(0, 100).map((c) => `<tr><td>${when(c.started)}</td><td>${esc(c.room)}</td><td>${esc(c.dialled ?? "-").replace(/x/g, "•")}</td>
      <td>${Math.floor(c.duration_s / 60)}:${String(c.duration_s % 60).padStart(2, "0")}</td><td>${c.band === "free" ? t("charges.band_free") : esc(c.band)}</td><td>${esc(money(c.amount_minor, c.currency))}</td>
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

// ---- the directory and the dialling codes ----------------------------------------------
// Any word of an entry, or its beginning, in any script; a private number is never shown
// (the service withholds it): the operator offers to take a message or to connect.

async function loadDirectory() {
  const q = $("#dir-search").value.trim();
  $("#dir-manage").hidden = !can("manage");
  $("#dir-form").hidden = !can("manage");
  let list = [];
  try {
    list = await api("GET", `/api/directory${q ? `?q=${encodeURIComponent(q)}` : ""}`);
    $("#dir-error").textContent = "";
  } catch (e) { $("#dir-error").textContent = errorText(e); }
  S.directory = list;
  const number = (d) => d.withheld
    ? `<span class="pending">${t("dir.withheld")}</span>`
    : esc(d.number ?? "");
  $("#directory").innerHTML = `<tr><th>${t("dir.name")}</th><th>${t("dir.department")}</th><th>${t("dir.title")}</th><th>${t("dir.extension")}</th><th>${t("dir.number")}</th><th>${t("dir.note")}</th>${can("manage") ? `<th><span class="sr-only">${t("wakeups.actions")}</span></th>` : ""}</tr>` +
    (list.length ? list.map((d) => `<tr><td><b>${esc(d.name)}</b>${d.private ? ` <span class="muted">(${t("dir.private")})</span>` : ""}</td><td>${esc(d.department ?? "")}</td><td>${esc(d.title ?? "")}</td>
      <td><b>${esc(d.extension ?? "")}</b></td><td>${number(d)}</td><td>${esc([d.languages, d.note].filter(Boolean).join(" · "))}</td>
      ${can("manage") ? `<td><button class="secondary" data-dir-edit="${d.id}">${t("dir.edit")}</button> <button class="secondary" data-dir-remove="${d.id}">${t("dir.remove")}</button></td>` : ""}</tr>`).join("")
      : `<tr><td colspan="7" class="muted">${t(q ? "dir.none" : "dir.empty")}</td></tr>`);
}

async function lookUpCode() {
  const q = $("#code-q").value.trim(), box = $("#code-answer");
  if (!q) { box.hidden = true; return; }
  try {
    const a = await api("GET", `/api/directory/code?q=${encodeURIComponent(q)}`);
    // The place in the reader's script (its names come in several), the country by its name.
    const cjk = (n) => /[\u3400-\u9fff]/.test(n);
    const names = a.place.filter((n) => cjk(n) === (S.lang === "zh-Hant"));
    let country = a.country;
    try { country = new Intl.DisplayNames([S.lang], { type: "region" }).of(a.country) || a.country; } catch (_) { /* the code stays */ }
    box.innerHTML = `<div><b>${esc((names.length ? names : a.place).join(" / "))}</b> · ${esc(country)}<br>
      ${t("dir.country_code")}: <b>+${esc(a.country_code)}</b> · ${t("dir.area_code")}: <b>${esc(a.area || "–")}</b><br>
      ${t("dir.international")}: <b>${esc(a.international)}</b>${a.dial_from_hotel ? ` · ${t("dir.from_hotel")}: <b>${esc(a.dial_from_hotel)}</b>` : ""}</div>`;
  } catch (e) { box.textContent = errorText(e); }
  box.hidden = false;
}

$("#dir-search").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); loadDirectory(); } });
$("#dir-search").addEventListener("search", loadDirectory);
$("#code-q").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); lookUpCode(); } });
$("#code-q").addEventListener("search", lookUpCode);
$("#directory").addEventListener("click", async (e) => {
  const edit = e.target.closest("[data-dir-edit]"), remove = e.target.closest("[data-dir-remove]");
  if (edit) {
    const d = S.directory.find((x) => String(x.id) === edit.dataset.dirEdit), f = $("#dir-form");
    for (const k of ["id", "kind", "name", "department", "title", "extension", "number", "languages", "note"]) f.elements[k].value = d[k] ?? "";
    f.elements.private.checked = d.private;
    f.elements.name.focus();
  }
  if (remove) {
    const d = S.directory.find((x) => String(x.id) === remove.dataset.dirRemove);
    if (d && window.confirm(plain("confirm.dir_remove", { name: d.name }))) {
      try { await api("POST", `/api/directory/${d.id}/remove`); } catch (err) { $("#dir-error").textContent = errorText(err); }
      loadDirectory();
    }
  }
});
$("#dir-new").addEventListener("click", () => { $("#dir-form").reset(); $("#dir-form").elements.id.value = ""; });
onSubmit("dir-form", async (f) => {
  const opt = (v) => (v && String(v).trim()) || null;
  const body = { kind: f.get("kind"), name: f.get("name") };
  for (const k of ["department", "title", "extension", "number", "languages", "note"]) body[k] = opt(f.get(k));
  body.private = f.get("private") === "on";
  const id = f.get("id");
  await api("POST", id ? `/api/directory/${id}` : "/api/directory", body);
  $("#dir-form").reset(); $("#dir-form").elements.id.value = "";
  await loadDirectory();
});
$("#dir-import").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  if (!file) return;
  try {
    const r = await api("POST", "/api/directory/import", { format: file.name.endsWith(".toml") ? "toml" : "csv", text: await file.text() });
    toast(plain("dir.imported", { n: r.imported }));
  } catch (err) { $("#dir-error").textContent = errorText(err); }
  e.target.value = "";
  loadDirectory();
});

// ---- alerts: on screen, with a sound, until acknowledged ------------------------------

async function loadAlerts() {
  S.alerts = await api("GET", "/api/alerts?all=true");
  renderAlerts();
}

/// The browser plays sound only after the page was clicked: until then a button says so.
function soundAllowed() {
  const ctx = S.audio || (S.audio = new AudioContext());
  $("#sound-on").hidden = ctx.state !== "suspended";
  return ctx.state !== "suspended";
}
$("#sound-on").addEventListener("click", async () => { try { await S.audio?.resume(); } catch (_) { /* no device */ } soundAllowed(); });

function beep() {
  try {
    if (!soundAllowed()) return;
    const ctx = S.audio;
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
  const day = (v) => v && dayText(v);
  return t(`rule.${r.kind}`, { ...r, days, date: day(r.date), from: day(r.from), until: day(r.until) });
}

/// A day ("2026-12-06") in the reader's way of writing it.
function dayText(ymd) {
  const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(ymd);
  return m && S.lang === "zh-Hant" ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : ymd;
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

/// An emergency's facts as said: no guest is a vacant room; no address on file, the hotel's name.
function emergencyFacts(p) {
  if (!p.guest) p.guest = S.dict["room.vacant"];
  if (!p.address) p.address = S.hotel || S.dict["app.title"];
  if (!p.floor) p.floor = p.room;
}

/// An alert's detail in the reader's language, from its code and facts (HTML, escaped by t).
function alertText(a) {
  const key = `alert.${a.kind}.detail`;
  if (!(key in S.dict)) return S.lang === "en" ? esc(a.message) : "";
  const p = { ...a.params };
  if (a.kind === "emergency_call") emergencyFacts(p);
  return t(key, p);
}

function renderAlerts() {
  const open = S.alerts.filter((a) => !a.acked_by);
  $("#alerts-count").textContent = open.length;
  const fresh = open.filter((a) => !S.heard.has(a.id));
  // An emergency call has its own sound: three high tones, again and again until acknowledged.
  if (fresh.some((a) => a.kind === "emergency_call")) alarm(); else if (fresh.length) beep();
  for (const a of open) S.heard.add(a.id);
  // Emergencies first; every alert opens its room (click, or Enter on it).
  const order = [...open].sort((a, b) => (b.kind === "emergency_call") - (a.kind === "emergency_call"));
  const row = (a) => `<div class="alert${a.kind === "emergency_call" ? " emergency" : ""}" id="alert-${a.id}"${a.room ? ` data-open-room="${esc(a.room)}" tabindex="0" role="button"` : ""}>
    <b>${t(`alert.${a.kind}`)}</b> <span>${esc(a.room ? t("room.title", { room: a.room }) : "")}</span>
    <span class="muted">${when(a.at)}</span><span class="grow">${alertText(a)}</span>
    ${can("operate") ? `<button data-ack="${a.id}">${t("alerts.ack")}</button>` : ""}</div>`;
  S.alarming = open.some((a) => a.kind === "emergency_call");
  $("#alert-strip").innerHTML = order.map(row).join("");
  $("#alert-strip").innerHTML = open.map(row).join("");
  $("#alerts").innerHTML = `<tr><th>${t("alerts.when")}</th><th>${t("alerts.kind")}</th><th>${t("field.room")}</th><th>${t("alerts.acked")}</th></tr>` +
    [...S.alerts].reverse().map((a) => `<tr><td>${when(a.at)}</td><td>${t(`alert.${a.kind}`)}<div class="muted">${alertText(a)}</div></td><td>${esc(a.room ?? "")}</td><td>${a.acked_by ? t("alerts.acked_by", { who: a.acked_by, at: when(a.acked_at) }) : ""}</td></tr>`).join("");
  for (const b of $$("[data-ack]")) b.addEventListener("click", async (e) => { e.stopPropagation(); await api("POST", `/api/alerts/${b.dataset.ack}/ack`); loadAlerts(); });
}

$("#alert-strip").addEventListener("click", (e) => { const a = e.target.closest("[data-open-room]"); if (a) openRoom(a.dataset.openRoom); });
$("#alert-strip").addEventListener("keydown", (e) => {
  const a = e.target.closest("[data-open-room]");
  if (a && e.key === "Enter" && e.target === a) openRoom(a.dataset.openRoom);
});

/// The emergency sound: three high tones, every four seconds while an emergency is open.
function alarm() {
  const ring = () => {
    if (!S.alarming) { clearInterval(S.alarmTimer); S.alarmTimer = null; return; }
    try {
      if (!soundAllowed()) return;
      const ctx = S.audio;
      for (let i = 0; i < 3; i++) {
        const o = ctx.createOscillator(), g = ctx.createGain();
        o.type = "square"; o.frequency.value = 1320; g.gain.value = 0.25;
        o.connect(g); g.connect(ctx.destination);
        o.start(ctx.currentTime + i * 0.3); o.stop(ctx.currentTime + i * 0.3 + 0.2);
      }
    } catch (_) { /* no sound device: the red strip stays */ }
  };
  S.alarming = true;
  ring();
  if (!S.alarmTimer) S.alarmTimer = setInterval(ring, 4000);
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
  if (e.kind === "emergency_call") emergencyFacts(p);
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
  $("#followups").innerHTML = `<tr><th>#</th><th>${t("log.owner")}</th><th>${t("log.due")}</th><th>${t("log.text")}</th><th><span class="sr-only">${t("wakeups.actions")}</span></th></tr>` +
    followups.map((f) => `<tr><td>${f.id}</td><td>${esc(ownerText(f.owner))}</td><td>${when(f.due)}</td><td>${esc(f.text)}</td>
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
    // Due: the day chosen, at the time typed (24-hour, "0900"), or the whole day.
    const day = f.get("due_day"), at = opt(f.get("due_time"));
    if (at && !day) throw new ApiError(plain("log.due_time_without_day"), 0);
    const due = day ? (at ? `${day} ${hhmm(at)}` : day) : null;
    await api("POST", "/api/log", { text: f.get("text"), category: f.get("category"), priority: f.get("priority"), room: opt(f.get("room")), followup_owner: opt(f.get("followup_owner")), due });
    ev.target.reset(); fillDays(); err.textContent = ""; loadLog();
  } catch (e) { err.textContent = errorText(e); }
});

// ---- live updates -----------------------------------------------------------------------

function connectEvents() {
  if (S.events) S.events.close();
  const es = new EventSource("/api/events");
  S.events = es;
  // Everything is read once per (re)connection; after that each event carries what changed and
  // is applied in place (a check-in costs one room, not the whole board).
  // The last hundred events' names, sizes and arrival times, for a look from the browser's tools
  // (and tests).
  const on = (name, apply) => es.addEventListener(name, (e) => {
    S.live.push([name, e.data.length, Date.now()]); if (S.live.length > 100) S.live.shift();
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
  if (i < 0) { S.rooms.push(r); renderBoard(); } else { S.rooms[i] = r; redrawTile(r.room); }
  if (S.link) renderBanner({ ...S.link, queued: queued() });
  if (S.open === r.room) renderRoomDialog(r.room).catch(() => {});
}

const ACTIVE = ["scheduled", "ringing", "retrying", "kept_by_pbx"];
function applyWakeup(w) {
  S.wakeups = S.wakeups.filter((x) => x.id !== w.id);
  if (ACTIVE.includes(w.status)) S.wakeups.push(w);
  // The order GET /api/wakeups gives: by next firing, ended ones last, then by id.
  S.wakeups.sort((a, b) => (a.due_utc === null) - (b.due_utc === null) || (a.due_utc || "").localeCompare(b.due_utc || "") || a.id - b.id);
  redrawTile(w.room);
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
    if (h.timezone) S.timezone = h.timezone;
    if (h.hotel) { S.hotel = h.hotel; for (const el of $$("#hotel, #signin h1")) el.textContent = h.hotel; document.title = `${h.hotel} · ${t("app.title")}`; }
  } catch (_) { /* the title stays generic */ }
}

(async function start() {
  await setLang(localStorage.getItem("switchboard.lang") || ((navigator.language || "").startsWith("zh") ? "zh-Hant" : "en"));
  await hotelName();
  try { await signedIn(await api("GET", "/api/me")); } catch (_) { showSignin(""); }
})();
