// lead.js: the team lead's page, for a phone on a bad network: the team's
// tasks arrive live with a sound and a vibration; one large button
// acknowledges; then en route, on scene, completed, or decline with a
// reason. Actions taken offline wait in an outbox and are sent once, with
// idempotency keys, when the network returns. The phone may share its
// location as the team's tracker.
import './lead.css';
import { api, fenceNote, fmtDuration, fmtTime, h, header, lang, Live, login, onLang, Outbox, t } from './common.js';

const s = await login(['team_lead']);
const tasks = new Map();
const pending = new Map(); // task id -> the status its queued action leads to
const { bar, badge } = header('leadTitle', s);
const list = h('main.tasks#tasks');
const queueNote = h('div.queue#queue', { hidden: true });
const errors = h('div.errors#errors');
// zoneAlert shows the red risk zones the team has entered (zone.entered).
const zoneAlert = h('div.zone-alert#zone-alert', { hidden: true });
const shareBtn = h('button.share#share', { onclick: toggleShare }, t('shareLocation'));
document.body.append(bar, zoneAlert, queueNote, errors, list, h('footer.lead', {}, shareBtn));

const outbox = new Outbox(`lead.${s.user.username}`, renderQueue);
outbox.onError = (item, e) => {
  errors.append(h('p.error', {}, `${item.label}: ${e.message}`));
  pending.delete(item.path.split('/')[4]);
  render();
};
const verbs = { ack: 'acknowledged', decline: 'declined' };
for (const it of outbox.items()) pending.set(it.path.split('/')[4], it.body?.status || verbs[it.path.split('/').pop()]);
renderQueue(outbox.items());
outbox.flush();

function renderQueue(items) {
  queueNote.hidden = !items.length;
  queueNote.textContent = `${t('queued')}: ${items.length}`;
  if (!items.length) pending.clear();
}

let known = null; // task ids seen, to alert only on new ones
new Live({
  topics: ['tasks', 'incidents', 'zones'],
  onSnapshot: (snap) => {
    tasks.clear();
    for (const k of snap.tasks || []) tasks.set(k.id, k);
    incidents = new Map((snap.incidents || []).map((i) => [i.id, i]));
    if (known) for (const k of tasks.values()) if (!known.has(k.id) && k.status === 'assigned') alert();
    known = new Set(tasks.keys());
    render();
  },
  onEvent: (ev) => {
    const d = ev.data || {};
    if (ev.event === 'zone.entered') {
      if (ev.subject === s.user.team) enteredZone(d);
      return;
    }
    if (ev.event === 'incident.status') {
      const i = incidents.get(d.id);
      if (i) i.status = d.to;
    } else if ((ev.event.startsWith('incident.') || ev.event === 'preposition.created') && d.id) incidents.set(d.id, { ...incidents.get(d.id), ...d });
    if (ev.event.startsWith('task.') && d.id) {
      if (d.team !== s.user.team) return;
      tasks.set(d.id, d);
      if (pending.get(d.id) === d.status) pending.delete(d.id);
      if (ev.event === 'task.created' && !known?.has(d.id)) alert();
      known?.add(d.id);
    }
    render();
  },
  onStatus: (st, detail) => badge.update(st, detail),
});
let incidents = new Map();

// alert sounds and vibrates: a task has come.
function alert() {
  try {
    const ctx = new AudioContext();
    for (const [i, f] of [880, 660, 880].entries()) {
      const o = ctx.createOscillator(), g = ctx.createGain();
      o.frequency.value = f;
      o.connect(g).connect(ctx.destination);
      g.gain.setValueAtTime(0.3, ctx.currentTime + i * 0.25);
      o.start(ctx.currentTime + i * 0.25);
      o.stop(ctx.currentTime + i * 0.25 + 0.2);
    }
  } catch { /* no sound before the first touch on some phones */ }
  navigator.vibrate?.([300, 100, 300]);
  document.body.classList.add('alerting');
  setTimeout(() => document.body.classList.remove('alerting'), 3000);
  window.dispatchdAlerts = (window.dispatchdAlerts || 0) + 1;
}

// enteredZone raises a red banner: the team is inside a red risk zone.
function enteredZone(d) {
  const text = lang === 'en'
    ? `Entered a red risk zone: ${d.name || d.zone} (${t(`type.${d.hazard}`)})`
    : `已进入红色风险区：${d.name || d.zone}（${t(`type.${d.hazard}`)}）`;
  zoneAlert.append(h('p', { dataset: { zone: d.zone } }, `⚠ ${text}`, h('button.close', { onclick: (e) => e.target.parentElement.remove() }, '×')));
  zoneAlert.hidden = false;
  alert();
}

const next = { acknowledged: 'en_route', en_route: 'on_scene', on_scene: 'completed' };
const label = { en_route: 'enRoute', on_scene: 'onScene', completed: 'complete' };

function act(k, path, body, to, text) {
  pending.set(k.id, to);
  outbox.send('POST', `/api/v1/tasks/${k.id}/${path}`, body, `${incidents.get(k.incident)?.title || ''} ${text}`);
  render();
}

function render() {
  const open = [...tasks.values()].filter((k) => !['completed', 'declined', 'cancelled'].includes(k.status) || pending.has(k.id))
    .sort((a, b) => a.created_at.localeCompare(b.created_at));
  if (!open.length) { list.replaceChildren(h('p.none', {}, t('noTasks'))); return; }
  list.replaceChildren(...open.map((k) => {
    const inc = incidents.get(k.incident);
    const shown = pending.get(k.id) || k.status;
    const card = h('article.task', { dataset: { id: k.id, status: shown } },
      h('h2', {}, inc ? `${t(`level.${inc.level}`)} · ${inc.title}` : k.incident),
      inc?.address ? h('p.addr', {}, inc.address) : null,
      inc ? h('p.loc', {}, h('a', { href: `geo:${inc.location.lat},${inc.location.lon}` }, `${inc.location.lat.toFixed(5)}, ${inc.location.lon.toFixed(5)}`)) : null,
      k.instructions ? h('p.instr', {}, k.instructions) : null,
      h('p.meta', {}, `${t(`cap.${k.need}`)} · ${fmtTime(k.created_at)}`),
      h('p.state', {}, h('span.status', {}, t(`status.${shown}`)), fenceNote(k), pending.has(k.id) ? h('span.queued', {}, ` · ${t('queued')}`) : null,
        shown === 'assigned' ? h('span.countdown', { dataset: { ackBy: k.ack_by } }) : null));
    if (shown === 'assigned') {
      card.append(h('button.big.ack', { onclick: () => act(k, 'ack', undefined, 'acknowledged', t('ack')) }, t('ack')));
      const reason = h('input.reason', { placeholder: t('reason'), required: true });
      card.append(h('form.decline', { onsubmit: (e) => { e.preventDefault(); act(k, 'decline', { reason: reason.value.trim() }, 'declined', t('decline')); } },
        reason, h('button', { type: 'submit' }, t('decline'))));
    } else if (next[shown]) {
      const to = next[shown];
      card.append(h('button.big.next', { dataset: { to }, onclick: () => act(k, 'status', { status: to }, to, t(label[to])) }, t(label[to])));
    }
    return card;
  }));
  tick();
}
function tick() {
  for (const el of document.querySelectorAll('.countdown')) {
    const left = (new Date(el.dataset.ackBy) - Date.now()) / 1000;
    el.textContent = ` · ${left >= 0 ? fmtDuration(left) : `${t('overdue')} ${fmtDuration(-left)}`}`;
  }
}
setInterval(tick, 1000);
onLang(() => { render(); renderQueue(outbox.items()); shareBtn.textContent = t(watch ? 'sharing' : 'shareLocation'); });

// ---- the phone as the team's tracker ------------------------------------

let watch = null, lastSent = 0;
function toggleShare() {
  if (watch != null) {
    navigator.geolocation.clearWatch(watch);
    watch = null;
    shareBtn.textContent = t('shareLocation');
    shareBtn.classList.remove('on');
    return;
  }
  if (!navigator.geolocation) return;
  watch = navigator.geolocation.watchPosition((p) => {
    // Every 5 s at most; positions are not queued: only the newest matters.
    if (Date.now() - lastSent < 5000) return;
    lastSent = Date.now();
    api('POST', '/api/v1/positions', { positions: [{ team: s.user.team, lon: p.coords.longitude, lat: p.coords.latitude,
      ts: new Date(p.timestamp).toISOString(), accuracy: p.coords.accuracy, speed: p.coords.speed ?? undefined, heading: p.coords.heading ?? undefined }] })
      .catch(() => {});
  }, (e) => errors.append(h('p.error', {}, e.message)), { enableHighAccuracy: true, maximumAge: 5000 });
  shareBtn.textContent = t('sharing');
  shareBtn.classList.add('on');
}
