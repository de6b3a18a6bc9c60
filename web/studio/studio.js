// Fluid Fabric Studio: the page a person (or a test) opens at /studio?id=<program id>.
// It starts the browser runtime (window.fabric, docs/browser-api.md) and shows this tab's
// identity, its connection, its peers and every shared object with controls to change it,
// plus an event log. Plain DOM, no framework, nothing loaded from outside the node.
//
// Rendering model: each object gets one card, built once (so an input being typed in keeps
// its focus and text); only the card's value area is redrawn when the object changes.
// Changes arrive as runtime events and are drawn on the next animation frame; a slow poll
// (POLL_INTERVAL_MS) catches whatever no event announced (peer round-trip times, objects a
// runtime reports only through its listing).
//
// Tests find things by data-testid (stable; see tests/browser/README.md):
//   program-id, peer-id, sovereignty, status[data-state], error, peer-count, peers >
//   peer[data-peer] > peer-class / peer-rtt, objects > object[data-object][data-kind] >
//   object-value[data-value = canonical JSON], create-name/-kind/-submit, event-log > log-entry.
import { startFabric } from '/web/fabric.js';

const KINDS = ['counter', 'set', 'map', 'list', 'text'];
const POLL_INTERVAL_MS = 1000;
const MAX_LOG_ENTRIES = 500;
const MAX_NAME_BYTES = 128;
const CHANGE_MERGE_MS = 2000; // changes to one object within this long share a log entry
const FLASH_QUIET_MS = 1500;
// Runtime events we show (docs/browser-api.md); whatever else arrives on them is logged as is.
const RUNTIME_EVENTS = ['change', 'peer:joined', 'peer:left', 'peer:stale', 'peer:active', 'status', 'write', 'warning',
  'rejected'];

const $ = (id) => document.getElementById(id);

/** Creates an element: el('button', {class: 'x', dataset: {testid: 'y'}, onclick}, 'text', child). */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// ---- event log ----------------------------------------------------------------------------

const two = (n) => String(n).padStart(2, '0');

function log(kind, message, level = 'info', extra = {}) {
  const list = $('event-log');
  const time = new Date();
  const stamp = `${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}.${String(time.getMilliseconds()).padStart(3, '0')}`;
  const entry = el('li', { class: `log-entry ${level}`, dataset: { testid: 'log-entry', kind, ...extra } },
    el('time', { datetime: time.toISOString() }, stamp),
    el('span', { class: 'log-kind' }, kind),
    el('span', { class: 'log-text' }, message));
  entry.loggedAt = performance.now();
  list.prepend(entry);
  while (list.childElementCount > MAX_LOG_ENTRIES) list.lastElementChild.remove();
  return entry;
}

/**
 * Logs `count` changes of `object`. A burst of changes to one object is one entry with a
 * count (a busy object would otherwise flood the log and cost the page a layout per change).
 */
function logChanges(object, count) {
  const top = $('event-log').firstElementChild;
  if (top && top.dataset.kind === 'change' && top.dataset.object === object && performance.now() - top.loggedAt < CHANGE_MERGE_MS) {
    top.changes += count;
    top.querySelector('.log-text').textContent = `${object} ×${top.changes}`;
    return;
  }
  const entry = log('change', count > 1 ? `${object} ×${count}` : object, 'quiet', { object });
  entry.changes = count;
}

function showError(message) {
  const banner = $('error');
  banner.textContent = message;
  banner.classList.remove('hidden');
}

function setStatus(state, text) {
  const status = $('status');
  if (status.dataset.state === state && $('status-text').textContent === text) return;
  status.dataset.state = state;
  $('status-text').textContent = text;
}

// ---- reading the runtime, tolerant of field names ----------------------------------------

const short = (id) => (typeof id === 'string' && id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-6)}` : String(id ?? '?'));

/** JSON with sorted object keys, so equal values print equally whatever their origin. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function normalizePeer(p) {
  if (typeof p === 'string') return { id: p, sovereignty: '', rttMs: null, stale: false };
  const rtt = p.rtt_ms ?? p.rttMs ?? p.rtt ?? null;
  return {
    id: String(p.peer ?? p.peerId ?? p.peer_id ?? p.id ?? '?'),
    sovereignty: String(p.sovereignty ?? p.class ?? p.role ?? ''),
    rttMs: typeof rtt === 'number' && Number.isFinite(rtt) ? rtt : null,
    stale: Boolean(p.stale),
    agent: p.agent ?? '',
  };
}

/** Map values come as {k: v}, a Map, or [[k, v], ...]; the page uses a plain object. */
function mapToObject(entries) {
  if (entries instanceof Map) return Object.fromEntries(entries);
  if (Array.isArray(entries)) return Object.fromEntries(entries);
  return { ...(entries ?? {}) };
}

/** Objects the runtime knows: [{name, kind, value?}], from whichever listing it offers. */
async function listObjects(fabric) {
  let listing = null;
  if (typeof fabric.objects === 'function') listing = await fabric.objects();
  else if (typeof fabric.state === 'function') listing = await fabric.state();
  else if (typeof fabric.stateJson === 'function') listing = await fabric.stateJson();
  if (typeof listing === 'string') listing = JSON.parse(listing);
  if (listing && !Array.isArray(listing) && listing.objects) listing = listing.objects;
  if (!listing) return [];
  if (Array.isArray(listing)) {
    return listing.map((o) => ({ name: String(o.name), kind: String(o.kind), policy: o.policy, value: o.value ?? o.value_json }));
  }
  return Object.entries(listing).map(([name, o]) => ({ name, kind: String(o.kind), policy: o.policy, value: o.value }));
}

/** `options`: {durability: 'quorum(2)'...} mounts the object with that policy (docs/browser-api.md). */
function handleFor(fabric, kind, name, options) {
  switch (kind) {
    case 'counter': return fabric.counter(name, options);
    case 'set': return fabric.set(name, options);
    case 'map': return fabric.map(name, options);
    case 'list': return fabric.list(name, options);
    case 'text': return fabric.text(name, options);
    default: throw new Error(`unknown object kind ${kind}`);
  }
}

/** The object's current value as plain JSON-able data (number, array, object, string). */
function readValue(handle, kind) {
  switch (kind) {
    case 'counter': return Number(handle.value());
    case 'set': return [...handle.values()].map(String).sort();
    case 'map': return mapToObject(handle.entries ? handle.entries() : handle.value());
    case 'list': return [...handle.values()].map(String);
    case 'text': return String(handle.value());
    default: return null;
  }
}

// ---- text editing: turn a textarea edit into erase + insert at code point indexes -------

/** The single edit that turns `before` into `after`: {index, erase, insert} in code points. */
export function diffText(before, after) {
  const a = Array.from(before);
  const b = Array.from(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) { endA--; endB--; }
  return { index: start, erase: endA - start, insert: b.slice(start, endB).join('') };
}

/** Code unit offset -> code point index in `s`, and back. */
const codePointIndex = (s, unitOffset) => Array.from(s.slice(0, unitOffset)).length;
const unitOffset = (s, cpIndex) => Array.from(s).slice(0, cpIndex).join('').length;

// ---- the page -----------------------------------------------------------------------------

class Studio {
  constructor(fabric) {
    this.fabric = fabric;
    this.cards = new Map(); // name -> {kind, handle, root, valueArea, lastJson, extra}
    this.dirty = new Set();
    this.changeCounts = new Map(); // object -> changes not yet logged
    this.frame = 0;
    this.filter = '';
  }

  start() {
    const f = this.fabric;
    $('peer-id').textContent = f.peerId ?? '?';
    $('peer-id').title = f.peerId ?? '';
    $('sovereignty').textContent = f.sovereignty ?? '?';
    $('sovereignty').dataset.class = f.sovereignty ?? '';
    $('copy-peer-id').addEventListener('click', () => this.copy(f.peerId));
    $('create-form').addEventListener('submit', (e) => { e.preventDefault(); this.createFromForm(); });
    $('object-filter').addEventListener('input', (e) => { this.filter = e.target.value.trim(); this.applyFilter(); });
    $('clear-log').addEventListener('click', () => { $('event-log').replaceChildren(); });

    if (typeof f.on === 'function') {
      for (const name of RUNTIME_EVENTS) {
        try {
          f.on(name, (detail) => this.onRuntimeEvent(name, detail));
        } catch {
          // A runtime that rejects an event name it does not emit: nothing to listen to.
        }
      }
    }
    log('start', `peer ${short(f.peerId)} (${f.sovereignty ?? '?'}) started for program ${f.programId}`);
    this.poll();
    this.timer = setInterval(() => this.poll(), POLL_INTERVAL_MS);
  }

  async copy(text) {
    try {
      await navigator.clipboard.writeText(text);
      log('copy', 'peer id copied');
    } catch (err) {
      log('copy', `could not copy: ${err.message ?? err}`, 'warn');
    }
  }

  onRuntimeEvent(name, detail) {
    const d = detail && typeof detail === 'object' ? detail : { text: detail };
    const object = d.object ?? d.name;
    if (name === 'change') {
      // Changes can come by the hundred per second: only note them here; the next frame
      // draws the values and logs them (flush).
      if (object == null) {
        this.pollSoon();
        return;
      }
      const key = String(object);
      this.changeCounts.set(key, (this.changeCounts.get(key) ?? 0) + 1);
      this.markDirty(key, d.kind);
      return;
    }
    if (name === 'write') {
      // Successful writes show as changes; only failures are news.
      if (d.ok === false) log('write', `failed: ${d.error ?? d.code ?? 'unknown error'}`, 'error');
      return;
    }
    if (name === 'status') {
      const text = [d.state, d.error ?? d.reason ?? (d.addr ? `dialling ${d.addr}` : null)].filter(Boolean).join(' · ');
      if (text !== this.lastStatusText) log('status', text, d.error ? 'warn' : 'info');
      this.lastStatusText = text;
      this.refreshPeers();
      return;
    }
    const peer = d.peer ?? d.peerId ?? d.peer_id;
    const parts = [peer ? `peer ${short(peer)}` : null, d.sovereignty ?? null, object ? `object ${object}` : null,
      d.text ?? d.reason ?? d.message ?? d.status ?? null].filter((x) => x != null && x !== '');
    const level = name === 'warning' ? 'warn' : name === 'rejected' || name === 'error' ? 'error' : 'info';
    log(name, parts.join(' · ') || JSON.stringify(detail ?? null), level);
    if (name.startsWith('peer') || name.includes('connect') || name === 'status') this.refreshPeers();
  }

  markDirty(name, kind) {
    if (!this.cards.has(name)) {
      if (!KINDS.includes(kind)) {
        this.pollSoon(); // the listing tells the kind
        return;
      }
      this.addCard(name, kind);
    }
    this.dirty.add(name);
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  flush() {
    this.frame = 0;
    for (const name of this.dirty) this.renderValue(this.cards.get(name));
    this.dirty.clear();
    for (const [name, count] of this.changeCounts) logChanges(name, count);
    this.changeCounts.clear();
  }

  /** One poll soon for any number of calls (a burst of changes to a new object). */
  pollSoon() {
    if (this.pollQueued) return;
    this.pollQueued = true;
    setTimeout(() => {
      this.pollQueued = false;
      this.poll();
    }, 0);
  }

  async poll() {
    this.refreshPeers();
    try {
      const objects = await listObjects(this.fabric);
      for (const o of objects) {
        if (!this.cards.has(o.name) && KINDS.includes(o.kind)) this.addCard(o.name, o.kind);
        const card = this.cards.get(o.name);
        if (card && typeof o.policy === 'string' && card.policyEl.textContent !== o.policy) {
          card.policyEl.textContent = o.policy;
          card.policyEl.title = `durability of this tab's writes to ${o.name}`;
        }
      }
    } catch (err) {
      log('error', `listing objects failed: ${err.message ?? err}`, 'error');
    }
    // Redraw every card whose value changed without an event (cheap: compared as JSON).
    for (const card of this.cards.values()) this.renderValue(card);
  }

  refreshPeers() {
    let peers = [];
    try {
      peers = (this.fabric.peers() ?? []).map(normalizePeer);
    } catch (err) {
      log('error', `peers() failed: ${err.message ?? err}`, 'error');
    }
    peers.sort((a, b) => a.id.localeCompare(b.id));
    this.updateStatus(peers.length);
    const list = $('peers');
    const rows = peers.map((p) => el('li', { class: `peer${p.stale ? ' stale' : ''}`, dataset: { testid: 'peer', peer: p.id } },
      el('code', { class: 'id', title: p.id + (p.agent ? `\n${p.agent}` : '') }, short(p.id)),
      el('span', { class: 'badge', dataset: { testid: 'peer-class', class: p.sovereignty } }, p.sovereignty || '?'),
      el('span', { class: 'rtt', dataset: { testid: 'peer-rtt' } }, p.rttMs == null ? '—' : `${p.rttMs < 10 ? p.rttMs.toFixed(1) : Math.round(p.rttMs)} ms`),
      p.stale ? el('span', { class: 'stale-tag' }, 'stale') : null));
    list.replaceChildren(...rows);
    $('peers-empty').classList.toggle('hidden', peers.length > 0);
    $('peer-count').textContent = String(peers.length);
  }

  /**
   * The status pill: the runtime's own connection state when it has one (status():
   * starting/connecting/connected/offline/stopped), else whether any peer is connected.
   */
  updateStatus(peerCount) {
    let state = peerCount > 0 ? 'connected' : 'connecting';
    let detail = '';
    try {
      const status = typeof this.fabric.status === 'function' ? this.fabric.status() : null;
      if (status?.state) state = status.state === 'connected' && peerCount === 0 ? 'connecting' : status.state;
      if (status?.error) detail = status.error;
    } catch {
      // No status(): the peer count decides.
    }
    if (peerCount > 0 && state !== 'stopped') state = 'connected';
    const peers = `${peerCount} peer${peerCount === 1 ? '' : 's'}`;
    const text = { connected: `connected · ${peers}`, connecting: 'looking for peers…', offline: 'offline (no node to dial)',
      stopped: 'stopped', starting: 'starting…' }[state] ?? state;
    setStatus(state, text);
    $('status').title = detail;
  }

  // ---- object cards ----

  addCard(name, kind, options) {
    const handle = handleFor(this.fabric, kind, name, options);
    const card = { name, kind, handle, lastJson: null, valueArea: null, root: null, extra: {} };
    const valueArea = el('div', { class: 'value', dataset: { testid: 'object-value' } });
    card.policyEl = el('span', { class: 'policy', dataset: { testid: 'object-policy' } }, options?.durability ?? '');
    const root = el('article', { class: `object kind-${kind}`, dataset: { testid: 'object', object: name, kind } },
      el('header', { class: 'object-head' },
        el('h3', { class: 'object-name', title: name }, name),
        card.policyEl,
        el('span', { class: `kind-badge kind-${kind}` }, kind)),
      valueArea,
      this.controls(card));
    card.root = root;
    card.valueArea = valueArea;
    this.cards.set(name, card);
    // The runtime-wide 'change' event names the object, and is cheaper: a per-object listener
    // makes the runtime read the whole value for every change. Only without it, listen here.
    if (typeof this.fabric.on !== 'function') {
      try {
        handle.on?.('change', () => this.markDirty(name, kind));
      } catch {
        // No events at all: the poll redraws the card.
      }
    }
    // Keep the cards sorted by name.
    const container = $('objects');
    const after = [...container.children].find((c) => c.dataset.object > name);
    container.insertBefore(root, after ?? null);
    $('objects-empty').classList.add('hidden');
    $('object-count').textContent = String(this.cards.size);
    this.applyFilter();
    this.renderValue(card);
    return card;
  }

  applyFilter() {
    const needle = this.filter.toLowerCase();
    for (const card of this.cards.values()) card.root.hidden = needle !== '' && !card.name.toLowerCase().includes(needle);
  }

  /** Runs one change and reports its failure in the log (a write may be refused, e.g. a bad index). */
  async act(card, what, fn) {
    try {
      await fn(card.handle);
      this.markDirty(card.name, card.kind);
    } catch (err) {
      log('error', `${card.name}: ${what} failed: ${err.message ?? err}`, 'error');
    }
  }

  controls(card) {
    const testid = (id) => ({ testid: id });
    switch (card.kind) {
      case 'counter': {
        const amount = el('input', { type: 'number', value: '1', min: '1', step: '1', class: 'narrow', 'aria-label': 'amount', dataset: testid('counter-amount') });
        const n = () => Math.max(1, Math.trunc(Number(amount.value) || 1));
        return el('div', { class: 'controls' },
          el('button', { type: 'button', dataset: testid('counter-dec'), title: 'Decrement', onclick: () => this.act(card, 'decrement', (h) => h.increment(-n())) }, '−'),
          amount,
          el('button', { type: 'button', class: 'primary', dataset: testid('counter-inc'), title: 'Increment', onclick: () => this.act(card, 'increment', (h) => h.increment(n())) }, '+'));
      }
      case 'set': {
        const input = el('input', { placeholder: 'element', dataset: testid('set-input'), 'aria-label': 'element' });
        return el('form', { class: 'controls', onsubmit: (e) => {
          e.preventDefault();
          const value = input.value;
          if (value === '') return;
          this.act(card, 'add', (h) => h.add(value)).then(() => { input.value = ''; });
        } }, input, el('button', { type: 'submit', class: 'primary', dataset: testid('set-add') }, 'Add'));
      }
      case 'map': {
        const key = el('input', { placeholder: 'key', dataset: testid('map-key'), 'aria-label': 'key' });
        const value = el('input', { placeholder: 'value', dataset: testid('map-value'), 'aria-label': 'value' });
        return el('form', { class: 'controls', onsubmit: (e) => {
          e.preventDefault();
          if (key.value === '') return;
          const [k, v] = [key.value, value.value];
          this.act(card, 'put', (h) => (h.put ?? h.set).call(h, k, v)).then(() => { key.value = ''; value.value = ''; key.focus(); });
        } }, key, value, el('button', { type: 'submit', class: 'primary', dataset: testid('map-put') }, 'Put'));
      }
      case 'list': {
        const index = el('input', { type: 'number', min: '0', step: '1', placeholder: 'end', class: 'narrow', dataset: testid('list-index'), 'aria-label': 'index (empty: at the end)' });
        const value = el('input', { placeholder: 'item', dataset: testid('list-value'), 'aria-label': 'item' });
        return el('form', { class: 'controls', onsubmit: (e) => {
          e.preventDefault();
          const length = readValue(card.handle, 'list').length;
          const at = index.value === '' ? length : Math.min(length, Math.max(0, Math.trunc(Number(index.value))));
          const v = value.value;
          this.act(card, 'insert', (h) => h.insert(at, v)).then(() => { value.value = ''; });
        } }, el('span', { class: 'muted' }, 'at'), index, value, el('button', { type: 'submit', class: 'primary', dataset: testid('list-insert') }, 'Insert'));
      }
      case 'text': {
        const area = el('textarea', { class: 'text-area', rows: 5, spellcheck: false, dataset: testid('text-area'), 'aria-label': `text of ${card.name}` });
        card.extra.area = area;
        card.extra.shown = '';
        area.addEventListener('input', () => this.onTextInput(card));
        return el('div', { class: 'controls text-controls' }, area);
      }
      default:
        return el('div');
    }
  }

  /** A local edit of a text area: send the difference from what was shown as erase + insert. */
  onTextInput(card) {
    const { area } = card.extra;
    const before = card.extra.shown;
    const after = area.value;
    const edit = diffText(before, after);
    card.extra.shown = after;
    try {
      if (edit.erase > 0) card.handle.erase(edit.index, edit.erase);
      if (edit.insert !== '') card.handle.insert(edit.index, edit.insert);
    } catch (err) {
      log('error', `${card.name}: text edit failed: ${err.message ?? err}`, 'error');
      // Show the object's real text again rather than an edit that did not happen.
      area.value = card.extra.shown = String(card.handle.value());
    }
    this.markDirty(card.name, card.kind);
  }

  renderValue(card) {
    if (!card) return;
    let value;
    try {
      value = readValue(card.handle, card.kind);
    } catch (err) {
      card.valueArea.textContent = `unreadable: ${err.message ?? err}`;
      return;
    }
    const json = canonical(value);
    if (json === card.lastJson) return;
    const first = card.lastJson === null;
    card.lastJson = json;
    card.valueArea.dataset.value = json;
    // Highlight a card that changes after a quiet spell. A busy card is not animated: a
    // running animation repaints it every frame, which a busy tab pays for in latency.
    const now = performance.now();
    const quiet = now - (card.changedAt ?? -Infinity) >= FLASH_QUIET_MS;
    card.changedAt = now;
    if (!first && quiet && typeof card.root.animate === 'function') {
      card.root.animate([{ backgroundColor: 'var(--flash)' }, { backgroundColor: 'var(--panel)' }], { duration: 600, easing: 'ease-out' });
    }
    const area = card.valueArea;
    switch (card.kind) {
      case 'counter':
        area.replaceChildren(el('span', { class: 'big-number' }, String(value)));
        break;
      case 'set':
        area.replaceChildren(value.length === 0 ? el('span', { class: 'muted' }, 'empty set') : el('ul', { class: 'chips' },
          value.map((v) => el('li', { class: 'chip', dataset: { testid: 'set-item', value: v } },
            el('span', {}, v),
            el('button', { type: 'button', class: 'chip-x', title: `Remove ${v}`, 'aria-label': `Remove ${v}`, dataset: { testid: 'set-remove', value: v },
              onclick: () => this.act(card, 'remove', (h) => h.remove(v)) }, '×')))));
        break;
      case 'map': {
        const keys = Object.keys(value).sort();
        area.replaceChildren(keys.length === 0 ? el('span', { class: 'muted' }, 'empty map') : el('table', { class: 'kv' },
          el('tbody', {}, keys.map((k) => el('tr', { dataset: { testid: 'map-entry', key: k } },
            el('th', { scope: 'row' }, k),
            el('td', {}, String(value[k])),
            el('td', { class: 'row-actions' }, el('button', { type: 'button', class: 'ghost small', title: `Delete ${k}`, dataset: { testid: 'map-delete', key: k },
              onclick: () => this.act(card, 'delete', (h) => h.delete(k)) }, 'delete')))))));
        break;
      }
      case 'list':
        area.replaceChildren(value.length === 0 ? el('span', { class: 'muted' }, 'empty list') : el('ol', { class: 'items', start: 0 },
          value.map((v, i) => el('li', { dataset: { testid: 'list-item', index: String(i) } },
            el('span', { class: 'item-index' }, String(i)),
            el('span', { class: 'item-text' }, v),
            el('button', { type: 'button', class: 'ghost small', title: `Erase item ${i}`, dataset: { testid: 'list-erase', index: String(i) },
              onclick: () => this.act(card, 'erase', (h) => h.erase(i, 1)) }, 'erase')))));
        break;
      case 'text':
        this.renderText(card, value);
        area.replaceChildren(el('span', { class: 'muted' }, `${Array.from(value).length} characters`));
        break;
      default:
        area.textContent = json;
    }
  }

  /** Shows a remote text change without losing the caret of someone typing. */
  renderText(card, value) {
    const { area } = card.extra;
    if (area.value === value) {
      card.extra.shown = value;
      return;
    }
    if (area.value !== card.extra.shown) return; // a local edit not yet sent: its input event follows
    const focused = document.activeElement === area;
    const start = codePointIndex(area.value, area.selectionStart);
    const end = codePointIndex(area.value, area.selectionEnd);
    const edit = diffText(area.value, value);
    const shift = (pos) => {
      if (pos <= edit.index) return pos;
      if (pos >= edit.index + edit.erase) return pos - edit.erase + Array.from(edit.insert).length;
      return edit.index + Array.from(edit.insert).length;
    };
    area.value = value;
    card.extra.shown = value;
    if (focused) area.setSelectionRange(unitOffset(value, shift(start)), unitOffset(value, shift(end)));
  }

  // ---- creating objects ----

  async createFromForm() {
    const name = $('create-name').value.trim();
    const kind = $('create-kind').value;
    if (!name) return;
    if (new TextEncoder().encode(name).length > MAX_NAME_BYTES) {
      log('error', `object names are at most ${MAX_NAME_BYTES} bytes`, 'error');
      return;
    }
    const existing = this.cards.get(name);
    if (existing) {
      if (existing.kind !== kind) log('error', `${name} already exists as a ${existing.kind}`, 'error');
      existing.root.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      return;
    }
    const durability = $('create-durability').value;
    try {
      this.addCard(name, kind, durability === 'local' ? undefined : { durability });
      $('create-name').value = '';
      log('create', `${kind} ${name} created here (${durability})`);
    } catch (err) {
      log('error', `could not create ${name}: ${err.message ?? err}`, 'error');
    }
  }
}

// ---- start ----------------------------------------------------------------------------------

async function main() {
  const params = new URLSearchParams(location.search);
  const programId = params.get('id');
  if (!programId) {
    setStatus('error', 'no program id');
    showError('Open this page as /studio?id=<program id>, e.g. /studio?id=Alpha.');
    return;
  }
  document.title = `${programId} · Fluid Fabric Studio`;
  $('program-id').textContent = programId;
  for (const node of document.querySelectorAll('.program-id-echo')) node.textContent = programId;
  setStatus('starting', 'starting runtime…');
  let fabric;
  try {
    fabric = await startFabric({ programId });
    window.fabric = fabric;
  } catch (err) {
    setStatus('error', 'runtime failed');
    showError(`The fabric runtime did not start: ${err.message ?? err}`);
    log('error', String(err.stack ?? err), 'error');
    return;
  }
  // The page works before `ready` (the first peer): what the tab restored from its own
  // journal is shown and can be changed offline.
  const studio = new Studio(fabric);
  window.studio = studio; // for debugging from the console
  studio.start();
  Promise.resolve(fabric.ready).then(() => log('ready', 'connected to the mesh'), () => {});
}

main();
