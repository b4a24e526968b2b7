"use strict";
// Parley's web page: a client of PROTOCOL.md on one WebSocket for every joined room.
// User content only ever reaches the page through textContent and attribute setters, never
// through innerHTML, so a message cannot inject markup or script (the CSP is the second wall).

const $ = id => document.getElementById(id);
const MIN_BACKOFF_MS = 500, MAX_BACKOFF_MS = 8000, HISTORY_PAGE = 30, TYPING_RENEW_MS = 3000;

const state = {
  credentials: null,     // {user} or {token}
  me: null,              // the user the server says we are
  ws: null,
  welcomed: false,
  everConnected: false,
  backoffMs: MIN_BACKOFF_MS,
  retryTimer: null,
  ref: 0,
  replies: new Map(),    // ref -> what to do with the reply or error
  rooms: new Map(),      // room name -> Room
  current: null,         // the room on screen
  status: "online",
  outbox: new Map(),     // cid -> {room, frame, text, el}, sent until published or refused
  mode: null,            // {kind: "edit"|"reply", seq}
  typingSentAt: 0,
  roomsTimer: null,
  lastError: null,
};

function newRoom(name) {
  return {
    name, topic: "", seq: 0, read: 0, readGuessed: false, epoch: null, first: 0,
    joined: false, wanted: false,
    entries: new Map(),  // seq -> entry of a text message
    seen: new Set(),     // every seq applied, of any kind: nothing is shown twice
    orphans: new Map(),  // target seq -> [message] folds whose target is not loaded yet
    lastSeq: 0,          // highest seq received without a gap since the join
    oldest: Infinity, hasMoreBefore: false, loadingHistory: false,
    members: new Map(), typing: new Set(),
    listItem: null,
  };
}
function room(name) {
  let r = state.rooms.get(name);
  if (!r) { r = newRoom(name); state.rooms.set(name, r); }
  return r;
}

// ---------------------------------------------------------------- connection

function setConn(text, bad) {
  $("conn").textContent = text;
  $("conn").classList.toggle("bad", !!bad);
}

function send(frame, onReply) {
  if (!state.ws || state.ws.readyState !== WebSocket.OPEN) return null;
  frame.ref = ++state.ref;
  if (onReply) state.replies.set(frame.ref, onReply);
  state.ws.send(JSON.stringify(frame));
  return frame.ref;
}

function scheduleReconnect() {
  clearTimeout(state.retryTimer);
  const wait = state.backoffMs * (0.5 + Math.random() / 2);
  state.backoffMs = Math.min(state.backoffMs * 2, MAX_BACKOFF_MS);
  state.retryTimer = setTimeout(connect, wait);
}

// Every failure on the way (config, socket) leads back here with a longer wait, so the page
// keeps trying through a server restart instead of stopping at the first failed fetch.
async function connect() {
  if (!state.credentials) return;
  setConn(state.everConnected ? "reconnecting…" : "connecting…", state.everConnected);
  let config;
  try {
    const response = await fetch("/api/config", {cache: "no-store"});
    if (!response.ok) throw new Error("config " + response.status);
    config = await response.json();
  } catch (e) {
    scheduleReconnect();
    return;
  }
  if (!state.credentials) return;
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  let ws;
  try {
    ws = new WebSocket(scheme + location.hostname + ":" + config.wsPort + config.wsPath);
  } catch (e) {
    scheduleReconnect();
    return;
  }
  state.ws = ws;
  state.welcomed = false;
  ws.onopen = () => {
    const hello = {type: "hello", v: 1, client: "parley-web/2"};
    if (state.credentials.token) hello.token = state.credentials.token; else hello.user = state.credentials.user;
    send(hello);
  };
  ws.onmessage = event => { if (ws === state.ws) onFrame(JSON.parse(event.data)); };
  ws.onclose = event => {
    if (ws !== state.ws) return;
    const wasWelcomed = state.welcomed;
    state.ws = null;
    state.welcomed = false;
    state.replies.clear();
    for (const item of state.outbox.values()) item.inFlight = false;
    for (const r of state.rooms.values()) { r.joined = false; r.loadingHistory = false; r.typing.clear(); }
    clearInterval(state.roomsTimer);
    renderTyping();
    enableCompose();
    if (!state.credentials) return;
    // Refused at hello (a bad name or token, an expired token, too many connections): trying
    // again with the same credentials cannot help, so ask for new ones.
    if (event.code === 1008 && !wasWelcomed) {
      signOut("The server refused to sign you in" + (state.lastError ? ": " + state.lastError : "."));
      return;
    }
    setConn("reconnecting…", true);
    scheduleReconnect();
  };
}

function onWelcome(f) {
  state.welcomed = true;
  state.everConnected = true;
  state.backoffMs = MIN_BACKOFF_MS;
  state.me = f.user;
  $("me-name").textContent = f.user;
  setConn("connected as " + f.user);
  if (state.status !== "online") send({type: "status", status: state.status});
  refreshRooms();
  clearInterval(state.roomsTimer);
  // New rooms, a direct room someone opened with us, unread counts of rooms not joined.
  state.roomsTimer = setInterval(refreshRooms, 5000);
  let wanted = [...state.rooms.values()].filter(r => r.wanted);
  if (!wanted.length) wanted = [room("general")];
  for (const r of wanted) join(r);
  if (!state.current) show(state.pendingShow || wanted[0].name);
  state.pendingShow = null;
}

function onFrame(f) {
  const handler = f.ref !== undefined ? state.replies.get(f.ref) : undefined;
  if (handler) state.replies.delete(f.ref);
  switch (f.type) {
    case "welcome": onWelcome(f); return;
    case "message": onMessage(room(f.room), f, true); return;
    case "presence": onPresence(f); return;
    case "typing": onTyping(f); return;
    case "receipt": if (f.user === state.me) markRead(room(f.room), f.seq); return;
    case "members": room(f.room).members = new Map(f.members.map(m => [m.user, m])); renderPeople(); return;
    case "bye": setConn("the server is going away: " + f.message, true); return;
    case "error":
      state.lastError = f.message;
      if (handler && handler.error) handler.error(f);
      else if (f.code !== "RATE_LIMITED") notice(f.code + ": " + f.message);
      return;
  }
  if (handler && handler.ok) handler.ok(f);
}

function notice(text) {
  $("compose-error").textContent = text;
}

// ---------------------------------------------------------------- rooms

function refreshRooms() {
  send({type: "rooms"}, {ok: f => {
    for (const info of f.rooms) {
      const r = room(info.room);
      r.topic = info.topic;
      if (!r.joined) {
        r.seq = Math.max(r.seq, info.seq);
        // A server without read markers in this reply gives no unread count for rooms not joined.
        if (typeof info.read === "number") r.read = Math.max(r.read, info.read);
        else { r.read = Math.max(r.read, info.seq); r.readGuessed = true; }
      }
      // A direct room that names us: someone wants to talk; follow it live like Slack does.
      if (isDirectOfMine(r.name) && !r.wanted) join(r);
    }
    renderRooms();
  }});
}

function isDirectOfMine(name) {
  const parts = name.split(":");
  return parts.length === 3 && parts[0] === "dm" && (parts[1] === state.me || parts[2] === state.me);
}

function directRoomWith(user) {
  // PROTOCOL §9: dm:A:B with A < B in byte order; user names are ASCII, so < on strings is that order.
  return state.me < user ? "dm:" + state.me + ":" + user : "dm:" + user + ":" + state.me;
}

function displayName(name) {
  if (name.startsWith("dm:")) {
    const parts = name.split(":");
    return "@" + (parts[1] === state.me ? parts[2] : parts[1]);
  }
  return "#" + name;
}

// The rooms joined and the one shown survive a reload of the page (the tab's sessionStorage).
function saveRooms() {
  const wanted = [...state.rooms.values()].filter(r => r.wanted).map(r => r.name);
  sessionStorage.setItem("parley.rooms", JSON.stringify({wanted, current: state.current}));
}

function join(r) {
  r.wanted = true;
  saveRooms();
  const frame = {type: "join", room: r.name};
  if (r.epoch !== null) { frame.since = r.lastSeq; frame.epoch = r.epoch; }
  send(frame, {ok: f => onJoined(r, f), error: f => {
    r.wanted = false;
    notice("could not join " + displayName(r.name) + ": " + f.message);
    renderRooms();
  }});
}

function onJoined(r, f) {
  const stale = !f.recovered || f.epoch !== r.epoch;
  if (stale) {
    // The server cannot prove our copy complete (first join, another epoch, too much missed):
    // start again from what it sent, so nothing is shown twice or out of place.
    r.entries.clear(); r.seen.clear(); r.orphans.clear();
    r.lastSeq = 0; r.oldest = Infinity;
    if (state.current === r.name) {
      $("messages").replaceChildren();
      for (const item of state.outbox.values()) if (item.room === r.name && item.el) $("messages").append(item.el);
    }
  }
  r.joined = true;
  r.epoch = f.epoch;
  r.first = f.first;
  const marker = typeof f.read === "number" ? f.read : 0;
  r.read = r.readGuessed ? marker : Math.max(r.read, marker); // the join's marker is the server's word
  r.readGuessed = false;
  r.members = new Map(f.members.map(m => [m.user, m]));
  for (const m of f.messages) onMessage(r, m, false);
  r.seq = Math.max(r.seq, f.seq);
  r.lastSeq = Math.max(r.lastSeq, f.seq);
  if (stale) r.hasMoreBefore = r.oldest !== Infinity ? r.oldest > Math.max(1, f.first) : f.seq > 0;
  // Unsent messages of this room go out again with their cid: the server appends each once.
  flushRoom(r.name);
  renderRooms();
  if (state.current === r.name) { renderRoomHead(); renderPeople(); enableCompose(); markCurrentRead(); updateHistoryState(); scrollToEnd(); fillScreen(); }
}

// Scrolling up pages history, so a room whose messages do not fill the screen asks for more itself.
function fillScreen() {
  const s = $("scroller");
  if (s.scrollHeight <= s.clientHeight + 60) loadOlder();
}

function show(name) {
  const r = room(name);
  state.current = name;
  saveRooms();
  cancelMode();
  $("messages").replaceChildren();
  for (const seq of [...r.entries.keys()].sort((a, b) => a - b)) $("messages").append(r.entries.get(seq).el);
  for (const item of state.outbox.values()) if (item.room === name && item.el) $("messages").append(item.el);
  if (!r.wanted) join(r);
  renderRoomHead(); renderRooms(); renderPeople(); renderTyping(); enableCompose(); updateHistoryState();
  scrollToEnd();
  markCurrentRead();
  closePanels();
  if (r.joined) fillScreen();
}

function renderRoomHead() {
  const r = state.rooms.get(state.current);
  $("room-title").textContent = r ? displayName(r.name) : "No room";
  $("room-topic").textContent = r ? r.topic : "";
  $("leave").hidden = !r;
  document.title = r ? displayName(r.name) + " · Parley" : "Parley";
}

function renderRooms() {
  const names = [...state.rooms.keys()].sort();
  const items = names.map(name => {
    const r = state.rooms.get(name);
    if (!r.listItem) {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.room = name;
      const n = document.createElement("span"); n.className = "name";
      const u = document.createElement("span"); u.className = "unread";
      const t = document.createElement("span"); t.className = "topic";
      b.append(n, u, t);
      b.onclick = () => show(name);
      li.append(b);
      r.listItem = li;
    }
    const b = r.listItem.firstChild;
    const [n, u, t] = b.children;
    n.textContent = displayName(name);
    const unread = name === state.current ? 0 : Math.max(0, r.seq - r.read);
    u.textContent = unread ? String(unread) : "";
    t.textContent = r.topic + (r.wanted ? "" : (r.topic ? " · " : "") + "not joined");
    b.setAttribute("aria-current", String(name === state.current));
    b.setAttribute("aria-label", displayName(name) + (unread ? ", " + unread + " unread" : "") + (r.topic ? ", " + r.topic : ""));
    return r.listItem;
  });
  $("rooms").replaceChildren(...items);
}

function markRead(r, seq) {
  r.read = Math.max(r.read, seq);
  renderRooms();
}

function markCurrentRead() {
  const r = state.rooms.get(state.current);
  if (!r || !r.joined || r.seq <= r.read || document.visibilityState === "hidden") return;
  send({type: "read", room: r.name, seq: r.seq}, {ok: f => markRead(r, f.seq)});
  r.read = r.seq;
  renderRooms();
}

// ---------------------------------------------------------------- messages

function onMessage(r, m, live) {
  if (r.seen.has(m.seq)) return;
  r.seen.add(m.seq);
  if (live) { r.seq = Math.max(r.seq, m.seq); r.lastSeq = Math.max(r.lastSeq, m.seq); }
  r.oldest = Math.min(r.oldest, m.seq);
  if (m.cid && m.user === state.me && state.outbox.has(m.cid)) { dropFromOutbox(m.cid); flushRoom(r.name); }
  const kind = m.kind || "text";
  if (kind === "text") addEntry(r, m);
  else {
    const entry = r.entries.get(m.target);
    if (entry) fold(entry, m);
    else {
      if (!r.orphans.has(m.target)) r.orphans.set(m.target, []);
      r.orphans.get(m.target).push(m);
    }
  }
  if (live && r.name === state.current) { markCurrentRead(); updateHistoryState(); }
  if (live) renderRooms();
}

function addEntry(r, m) {
  const entry = {msg: m, body: m.body, editSeq: 0, deleted: false, reactions: new Map(), reactSeq: new Map(), el: null};
  entry.el = renderEntry(r, entry);
  r.entries.set(m.seq, entry);
  const folds = r.orphans.get(m.seq);
  if (folds) { r.orphans.delete(m.seq); folds.sort((a, b) => a.seq - b.seq).forEach(f => fold(entry, f)); }
  // Replies to this message that arrived first now get their quote.
  for (const other of r.entries.values()) if (other.msg.replyTo === m.seq) updateEntry(r, other);
  if (r.name === state.current) insertInOrder(r, entry);
}

function fold(entry, m) {
  if (m.kind === "edit" && m.user === entry.msg.user && m.seq > entry.editSeq) { entry.body = m.body; entry.editSeq = m.seq; }
  else if (m.kind === "delete" && m.user === entry.msg.user) entry.deleted = true;
  else if (m.kind === "react" || m.kind === "unreact") {
    const key = m.body + "\u0000" + m.user;
    if ((entry.reactSeq.get(key) || 0) > m.seq) return; // a later toggle already won
    entry.reactSeq.set(key, m.seq);
    if (!entry.reactions.has(m.body)) entry.reactions.set(m.body, new Set());
    if (m.kind === "react") entry.reactions.get(m.body).add(m.user); else entry.reactions.get(m.body).delete(m.user);
    if (!entry.reactions.get(m.body).size) entry.reactions.delete(m.body);
  }
  updateEntry(room(entry.msg.room), entry);
}

function insertInOrder(r, entry) {
  const list = $("messages");
  const seq = entry.msg.seq;
  const nearBottom = atBottom();
  let before = null;
  for (const child of list.children) {
    const s = Number(child.dataset.seq);
    if (!child.classList.contains("pending") && s > seq) { before = child; break; }
    if (child.classList.contains("pending")) { before = child; break; }
  }
  list.insertBefore(entry.el, before);
  if (!before || before.classList.contains("pending")) { if (nearBottom) scrollToEnd(); }
}

function renderEntry(r, entry) {
  const li = document.createElement("li");
  li.className = "msg";
  li.dataset.seq = String(entry.msg.seq);
  updateEntry(r, entry, li);
  return li;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(label, title, onclick) {
  const b = el("button", null, label);
  b.type = "button";
  if (title) b.setAttribute("aria-label", title);
  b.onclick = onclick;
  return b;
}

function safeUrl(url) {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch (e) { return null; }
}

// A shared file of meta ({url, name, type, size}, PROTOCOL §4). Shown as an image only when it is
// one of our own uploads of an image type: the CSP (img-src 'self') would block any other, and a
// message must not make the reader's browser fetch from a host the sender chose.
function attachmentOf(m) {
  if (!m.meta || typeof m.meta !== "object" || typeof m.meta.url !== "string") return null;
  const href = safeUrl(m.meta.url);
  if (!href) return null;
  const url = new URL(href);
  const own = url.origin === location.origin && url.pathname.startsWith("/uploads/");
  const type = typeof m.meta.type === "string" ? m.meta.type : "";
  return {
    href, own,
    name: typeof m.meta.name === "string" && m.meta.name ? m.meta.name : href,
    size: Number.isSafeInteger(m.meta.size) && m.meta.size > 0 ? m.meta.size : 0,
    image: own && /^image\/(png|jpeg|gif|webp)$/.test(type),
  };
}

function fileLink(file, text) {
  const a = el("a", null, text === undefined ? file.name : text);
  a.href = file.href;
  a.rel = "noopener noreferrer nofollow";
  a.target = "_blank";
  if (file.own && !file.image) a.download = file.name; // the server names it by its id; keep the user's name
  return a;
}

function formatSize(bytes) {
  return bytes < 1024 ? bytes + " B" : bytes < 1048576 ? (bytes / 1024).toFixed(1) + " KB" : (bytes / 1048576).toFixed(1) + " MB";
}

function updateEntry(r, entry, li) {
  li = li || entry.el;
  const m = entry.msg;
  const mine = m.user === state.me;
  li.classList.toggle("mine", mine);
  li.classList.toggle("deleted", entry.deleted);
  const parts = [];
  if (m.replyTo) {
    const parent = r.entries.get(m.replyTo);
    const quote = parent ? parent.msg.user + ": " + (parent.deleted ? "(deleted)" : parent.body) : "reply to an earlier message";
    parts.push(el("p", "quote", "↪ " + (quote.length > 80 ? quote.slice(0, 80) + "…" : quote)));
  }
  const line = el("div", "meta-line");
  line.append(el("span", "author", m.user));
  const time = el("time", null, new Date(m.ts).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"}));
  time.dateTime = new Date(m.ts).toISOString();
  line.append(time);
  if (entry.editSeq && !entry.deleted) line.append(el("span", "edited", "(edited)"));
  parts.push(line);
  const file = entry.deleted ? null : attachmentOf(m);
  if (file && !file.image && entry.body === file.name) {
    // A shared document whose text is its name: the name is the link.
    const body = el("p", "body");
    body.append(fileLink(file));
    if (file.size) line.append(el("span", "file-size", formatSize(file.size)));
    parts.push(body);
  } else {
    parts.push(el("p", "body", entry.deleted ? "message deleted" : entry.body));
    if (file && file.image) {
      const a = fileLink(file, "");
      a.className = "attachment";
      const img = document.createElement("img");
      img.alt = file.name;
      img.src = file.href;
      a.append(img);
      parts.push(a);
    } else if (file) {
      parts.push(fileLink(file));
    }
  }
  if (!entry.deleted && entry.reactions.size) {
    const box = el("div", "reactions");
    for (const [emoji, users] of entry.reactions) {
      const pressed = users.has(state.me);
      const b = button(emoji + " " + users.size, emoji + " from " + [...users].join(", ") + (pressed ? ", press to take yours back" : ", press to add yours"),
        () => publish(r.name, {kind: pressed ? "unreact" : "react", target: m.seq, body: emoji}));
      b.setAttribute("aria-pressed", String(pressed));
      box.append(b);
    }
    parts.push(box);
  }
  if (!entry.deleted) {
    const actions = el("div", "actions");
    actions.append(button("Reply", "Reply to " + m.user, () => startMode("reply", entry)));
    actions.append(button("👍", "React with thumbs up", () => toggleReaction(r, entry, "👍")));
    actions.append(button("🎉", "React with party", () => toggleReaction(r, entry, "🎉")));
    if (mine) {
      actions.append(button("Edit", "Edit your message", () => startMode("edit", entry)));
      actions.append(button("Delete", "Delete your message", () => publish(r.name, {kind: "delete", target: m.seq, body: ""})));
    }
    parts.push(actions);
  }
  li.replaceChildren(...parts);
}

function toggleReaction(r, entry, emoji) {
  const users = entry.reactions.get(emoji);
  const mineAlready = users && users.has(state.me);
  publish(r.name, {kind: mineAlready ? "unreact" : "react", target: entry.msg.seq, body: emoji});
}

// ---------------------------------------------------------------- history

function updateHistoryState() {
  const r = state.rooms.get(state.current);
  $("history-state").textContent = !r || !r.joined ? "" :
    r.loadingHistory ? "loading earlier messages…" :
    r.hasMoreBefore ? "scroll up for earlier messages" :
    r.entries.size ? "the beginning of " + displayName(r.name) : "no messages yet";
}

function loadOlder() {
  const r = state.rooms.get(state.current);
  if (!r || !r.joined || !r.hasMoreBefore || r.loadingHistory || r.oldest === Infinity) return;
  r.loadingHistory = true;
  updateHistoryState();
  send({type: "history", room: r.name, before: r.oldest, limit: HISTORY_PAGE}, {
    ok: f => {
      r.loadingHistory = false;
      const scroller = $("scroller");
      const fromBottom = scroller.scrollHeight - scroller.scrollTop;
      // Targets first, so that folds of this page find them.
      for (const m of f.messages) if ((m.kind || "text") === "text") onMessage(r, m, false);
      for (const m of f.messages) onMessage(r, m, false);
      r.hasMoreBefore = f.hasMore;
      if (f.messages.length) r.oldest = Math.min(r.oldest, f.messages[0].seq);
      if (state.current === r.name) scroller.scrollTop = scroller.scrollHeight - fromBottom; // keep the reader's place
      updateHistoryState();
      if (state.current === r.name) fillScreen();
    },
    error: () => { r.loadingHistory = false; updateHistoryState(); },
  });
}

function atBottom() {
  const s = $("scroller");
  return s.scrollHeight - s.scrollTop - s.clientHeight < 40;
}
function scrollToEnd() {
  const s = $("scroller");
  s.scrollTop = s.scrollHeight;
}

// ---------------------------------------------------------------- people, status, typing

function onPresence(f) {
  const r = room(f.room);
  if (f.event === "leave") { r.members.delete(f.user); r.typing.delete(f.user); }
  else r.members.set(f.user, {user: f.user, status: f.status, lastSeen: Date.now()});
  if (f.room === state.current) { renderPeople(); renderTyping(); }
}

function renderPeople() {
  const r = state.rooms.get(state.current);
  const members = r ? [...r.members.values()].sort((a, b) => a.user < b.user ? -1 : 1) : [];
  $("people").replaceChildren(...members.map(m => {
    const li = el("li", m.status);
    const dot = el("span", "dot");
    dot.setAttribute("aria-hidden", "true");
    li.append(dot, el("span", "who", m.user + (m.user === state.me ? " (you)" : "")), el("span", "st", m.status === "dnd" ? "do not disturb" : m.status));
    if (m.user !== state.me && state.me) li.append(button("Message", "Direct message " + m.user, () => show(directRoomWith(m.user))));
    return li;
  }));
}

function onTyping(f) {
  const r = room(f.room);
  if (f.typing) r.typing.add(f.user); else r.typing.delete(f.user);
  if (f.room === state.current) renderTyping();
}

function renderTyping() {
  const r = state.rooms.get(state.current);
  const who = r ? [...r.typing] : [];
  $("typing").textContent = !who.length ? "" :
    who.length === 1 ? who[0] + " is typing…" :
    who.length === 2 ? who[0] + " and " + who[1] + " are typing…" : "several people are typing…";
}

function sendTyping(typing) {
  const r = state.rooms.get(state.current);
  if (!r || !r.joined) return;
  if (typing && Date.now() - state.typingSentAt < TYPING_RENEW_MS) return;
  if (!typing && !state.typingSentAt) return;
  state.typingSentAt = typing ? Date.now() : 0;
  send({type: "typing", room: r.name, typing});
}

// ---------------------------------------------------------------- sending

function newCid() {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  return "w-" + Date.now().toString(36) + "-" + [...bytes].map(b => b.toString(16).padStart(2, "0")).join("");
}

function publish(roomName, fields, text) {
  const cid = newCid();
  const item = {room: roomName, frame: Object.assign({type: "publish", room: roomName, cid}, fields), text, el: null, inFlight: false, waiting: false};
  if (text !== undefined && (fields.kind || "text") === "text") {
    item.el = el("li", "msg mine pending");
    item.el.append(el("p", "body", fields.body), el("span", "edited", "sending…"));
    if (state.current === roomName) { $("messages").append(item.el); scrollToEnd(); }
  }
  state.outbox.set(cid, item);
  flushRoom(roomName);
}

// One publish of a room in flight at a time, in the order they were written: a message held back
// by RATE_LIMITED or a reconnect can then never be overtaken by a later one.
function flushRoom(roomName) {
  let head = null;
  for (const item of state.outbox.values()) if (item.room === roomName) { head = item; break; }
  if (!head || head.inFlight || head.waiting || !state.welcomed || !room(roomName).joined) return; // the next join flushes
  const cid = head.frame.cid;
  const retryLater = ms => {
    head.inFlight = false;
    head.waiting = true;
    setTimeout(() => { head.waiting = false; flushRoom(roomName); }, ms);
  };
  head.inFlight = send(Object.assign({}, head.frame), {
    ok: () => { dropFromOutbox(cid); flushRoom(roomName); },
    error: f => {
      if (f.code === "RATE_LIMITED") retryLater(Math.max(1, f.retryAfterMs || 1000));
      else if (f.code === "UNAVAILABLE") retryLater(2000); // not stored; the same cid keeps it exactly once
      else if (f.code === "NOT_IN_ROOM") head.inFlight = false; // the join after a reconnect sends it again
      else { refused(head, f); dropFromOutbox(cid); flushRoom(roomName); }
    },
  }) !== null;
}

function dropFromOutbox(cid) {
  const item = state.outbox.get(cid);
  if (!item) return;
  state.outbox.delete(cid);
  if (item.el) item.el.remove();
}

function refused(item, f) {
  const reason = f.code === "MESSAGE_TOO_LARGE" ? "the message is too long" : f.message;
  if (item.text !== undefined) {
    // The user's words are not lost: back into the box, with the reason.
    if (item.room !== state.current) show(item.room);
    if (!$("text").value) $("text").value = item.text;
    if (item.frame.kind === "edit") startMode("edit", room(item.room).entries.get(item.frame.target), true);
    $("text").focus();
  }
  notice("Not sent: " + reason + " (" + f.code + ")");
}

function startMode(kind, entry, keepText) {
  if (!entry) return;
  state.mode = {kind, seq: entry.msg.seq};
  $("compose-mode").textContent = (kind === "edit" ? "Editing your message" : "Replying to " + entry.msg.user) + " · Escape cancels";
  if (kind === "edit" && !keepText) $("text").value = entry.body;
  $("text").focus();
}

function cancelMode() {
  if (state.mode && state.mode.kind === "edit") $("text").value = "";
  state.mode = null;
  $("compose-mode").textContent = "";
}

function enableCompose() {
  const r = state.rooms.get(state.current);
  // Typing stays possible while reconnecting: what is sent then waits in the outbox.
  const usable = !!r && r.wanted;
  $("text").disabled = !usable;
  $("send").disabled = !usable;
  $("attach").disabled = !usable;
}

// Uploads the file chosen (POST /api/uploads, authenticated as the socket is), then sends a message
// whose meta carries the file's URL; the server checked the bytes' type and named the file itself.
async function attach(file) {
  const r = state.rooms.get(state.current);
  if (!r || !file || !state.credentials) return;
  notice("");
  $("upload-state").textContent = "Uploading " + file.name + "…";
  const headers = {"Content-Type": file.type || "application/octet-stream"};
  let query = "?name=" + encodeURIComponent(file.name);
  if (state.credentials.token) headers.Authorization = "Bearer " + state.credentials.token;
  else query += "&user=" + encodeURIComponent(state.credentials.user);
  let response, reply;
  try {
    response = await fetch("/api/uploads" + query, {method: "POST", headers, body: file, cache: "no-store"});
    reply = await response.json().catch(() => ({}));
  } catch (e) {
    $("upload-state").textContent = "";
    notice("Not sent: " + file.name + " could not be uploaded; check the connection and try again");
    return;
  }
  $("upload-state").textContent = "";
  if (!response.ok) {
    const reason = response.status === 413 ? "the file is too large" : response.status === 415 ? "only images, PDF and text files can be shared" : reply.message || "the upload failed";
    notice("Not sent: " + file.name + ": " + reason + " (" + (reply.code || response.status) + ")");
    return;
  }
  // PROTOCOL §9: a url in meta must be absolute http(s); the server answers with its own path.
  const url = new URL(reply.url, location.origin).href;
  publish(r.name, {body: reply.name, meta: {url, name: reply.name, type: reply.type, size: reply.size}});
}

function submit() {
  const r = state.rooms.get(state.current);
  const text = $("text").value;
  if (!r || !text.trim()) return;
  notice("");
  const mode = state.mode;
  if (mode && mode.kind === "edit") publish(r.name, {kind: "edit", target: mode.seq, body: text}, text);
  else if (mode && mode.kind === "reply") publish(r.name, {body: text, replyTo: mode.seq}, text);
  else publish(r.name, {body: text}, text);
  state.mode = null;
  $("compose-mode").textContent = "";
  $("text").value = "";
  sendTyping(false);
}

// ---------------------------------------------------------------- sign in and controls

function signIn(credentials) {
  state.credentials = credentials;
  sessionStorage.setItem("parley.credentials", JSON.stringify(credentials));
  try {
    const saved = JSON.parse(sessionStorage.getItem("parley.rooms") || "null");
    if (saved) {
      for (const name of saved.wanted) room(name).wanted = true;
      if (saved.current && state.rooms.has(saved.current)) state.pendingShow = saved.current;
    }
  } catch (e) { /* a damaged entry is ignored */ }
  $("signin-view").hidden = true;
  $("chat-view").hidden = false;
  $("me").hidden = false;
  $("me-name").textContent = credentials.user || "";
  connect();
}

function signOut(error) {
  state.credentials = null;
  sessionStorage.removeItem("parley.credentials");
  sessionStorage.removeItem("parley.rooms");
  clearTimeout(state.retryTimer);
  clearInterval(state.roomsTimer);
  if (state.ws) { const ws = state.ws; state.ws = null; ws.close(1000); }
  state.rooms.clear(); state.outbox.clear(); state.current = null; state.me = null; state.everConnected = false;
  $("messages").replaceChildren(); $("rooms").replaceChildren(); $("people").replaceChildren();
  $("chat-view").hidden = true;
  $("me").hidden = true;
  $("signin-view").hidden = false;
  $("signin-error").textContent = error || "";
  setConn("signed out", !!error);
  $("signin-user").focus();
}

function closePanels() {
  for (const [toggle, panel] of [["toggle-rooms", "rooms-panel"], ["toggle-people", "people-panel"]]) {
    $(panel).classList.remove("open");
    $(toggle).setAttribute("aria-expanded", "false");
  }
}

function wire() {
  $("signin").onsubmit = e => {
    e.preventDefault();
    const user = $("signin-user").value.trim(), token = $("signin-token").value.trim();
    if (!user && !token) { $("signin-error").textContent = "Type your name, or paste a token."; return; }
    if (!token && !/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,31}$/.test(user)) {
      $("signin-error").textContent = "A name has 1 to 32 letters, digits, _ . or -, and does not start with a dot.";
      return;
    }
    signIn(token ? {token} : {user});
  };
  $("sign-out").onclick = () => signOut();
  $("compose").onsubmit = e => { e.preventDefault(); submit(); };
  $("attach").onchange = () => {
    const file = $("attach").files[0];
    $("attach").value = ""; // the same file may be chosen again
    attach(file);
  };
  $("text").addEventListener("keydown", e => { if (e.key === "Escape" && state.mode) { e.preventDefault(); cancelMode(); } });
  $("text").addEventListener("input", () => sendTyping($("text").value.length > 0));
  $("text").addEventListener("blur", () => sendTyping(false));
  $("scroller").addEventListener("scroll", () => { if ($("scroller").scrollTop < 60) loadOlder(); });
  $("my-status").onchange = () => {
    state.status = $("my-status").value;
    send({type: "status", status: state.status}, {ok: () => {
      const r = state.rooms.get(state.current);
      if (r && r.members.has(state.me)) { r.members.get(state.me).status = state.status; renderPeople(); }
    }});
  };
  $("leave").onclick = () => {
    const r = state.rooms.get(state.current);
    if (!r) return;
    send({type: "leave", room: r.name});
    state.rooms.delete(r.name);
    state.current = null;
    saveRooms();
    const next = [...state.rooms.values()].find(x => x.wanted);
    if (next) show(next.name); else { $("messages").replaceChildren(); renderRoomHead(); renderRooms(); renderPeople(); enableCompose(); }
    refreshRooms();
  };
  $("create").onsubmit = e => {
    e.preventDefault();
    const name = $("create-name").value.trim(), topic = $("create-topic").value.trim();
    if (!name) return;
    const go = () => { $("create-name").value = ""; $("create-topic").value = ""; room(name).topic = topic || room(name).topic; show(name); };
    send({type: "create", room: name, topic}, {ok: go, error: f => { if (f.code === "ROOM_EXISTS") go(); else notice("Could not create " + name + ": " + f.message); }});
  };
  for (const [toggle, panel] of [["toggle-rooms", "rooms-panel"], ["toggle-people", "people-panel"]]) {
    $(toggle).onclick = () => {
      const open = !$(panel).classList.contains("open");
      closePanels();
      $(panel).classList.toggle("open", open);
      $(toggle).setAttribute("aria-expanded", String(open));
    };
  }
  document.addEventListener("visibilitychange", markCurrentRead);
  const saved = sessionStorage.getItem("parley.credentials");
  if (saved) signIn(JSON.parse(saved)); else $("signin-user").focus();
}

wire();
