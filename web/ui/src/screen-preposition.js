// screen-preposition.js: pre-positioning (预置) on the large screen: a
// panel of the pre-positionings under way with their progress (orders
// delivered of all, time left to the deadline) and a marker at each
// staging point; for commanders a 预置 button that plans the red zones in
// force, shows the plan and, on confirmation, dispatches each zone's plan
// all or nothing. The panel reloads on the events of the pre-positionings
// and of their tasks and orders (onEvent, called by the screen's event
// handler), after each of its own actions, and, as a fallback for a
// missed event, every minute.
import { Marker } from 'maplibre-gl';
import { api, fmtDuration, h, lang } from './common.js';
import './screen-preposition.css';

const words = {
  zh: {
    panel: '预置', plan: '预置', none: '暂无预置', left: '剩余', late: '已超时', orders: '物资', teams: '队伍',
    confirm: '确认预置', cancel: '取消', inTime: '可在时限内到位', notInTime: '无法全部按时到位', short: '缺口', completed: '已完成',
    noZones: '当前无红色风险区',
  },
  en: {
    panel: 'Pre-positioning', plan: 'Pre-position', none: 'No pre-positioning', left: 'left', late: 'late', orders: 'orders', teams: 'teams',
    confirm: 'Dispatch all', cancel: 'Cancel', inTime: 'all in time', notInTime: 'not all in time', short: 'short', completed: 'completed',
    noZones: 'No red zones in force',
  },
};
const w = (k) => words[lang][k] ?? k;
const pollEvery = 60000;
const soon = 300; // the events of one change arrive together: one reload

// setupPrepositions adds its panel to the screen's right column and its
// markers to the map.
export function setupPrepositions({ state, map }) {
  state.prepositions = new Map();
  const list = h('ol.list');
  const planBox = h('div.preposition-plan', { hidden: true });
  const msg = h('p.preposition-msg');
  const button = h('button#preposition-plan', { type: 'button', onclick: () => plan() }, w('plan'));
  button.hidden = !state.commander;
  const panel = h('section.panel#prepositions', {}, h('h2', {}, w('panel'), ' ', button), msg, planBox, list);
  document.querySelector('aside.right')?.prepend(panel);
  const markers = new Map(); // id → Marker

  function render() {
    list.replaceChildren();
    const now = Date.now();
    for (const p of state.prepositions.values()) {
      const left = (new Date(p.deadline) - now) / 1000;
      const pr = p.progress;
      const time = p.status === 'completed' ? w('completed') : left >= 0 ? `${w('left')} ${fmtDuration(left)}` : w('late');
      list.append(h('li.preposition', { dataset: { id: p.id, status: p.status }, class: `preposition ${p.status}` },
        h('span.name', {}, p.title),
        h('span.orders', {}, `${w('orders')} ${pr.orders_delivered}/${pr.orders}`),
        h('span.teams', {}, `${w('teams')} ${pr.tasks_arrived}/${pr.tasks}`),
        h('span.left', {}, time)));
    }
    if (!state.prepositions.size) list.append(h('li.empty', {}, w('none')));
    for (const [id, m] of markers) {
      if (!state.prepositions.has(id)) { m.remove(); markers.delete(id); }
    }
    for (const p of state.prepositions.values()) {
      if (markers.has(p.id)) continue;
      const el = h('div.preposition-marker', { dataset: { id: p.id }, title: p.title }, '▲');
      markers.set(p.id, new Marker({ element: el }).setLngLat([p.staging.lon, p.staging.lat]).addTo(map));
    }
  }

  async function load() {
    try {
      const out = await api('GET', '/api/v1/prepositions?status=active');
      state.prepositions.clear();
      for (const p of out.items) state.prepositions.set(p.id, p);
      state.prepositionLoads = (state.prepositionLoads || 0) + 1;
      render();
    } catch { /* offline: the next round tries again */ }
  }

  async function plan() {
    msg.textContent = '';
    let out;
    try {
      out = await api('POST', '/api/v1/prepositions/plan', {});
    } catch (e) {
      msg.textContent = e.message;
      return;
    }
    if (!out.zones.length) { msg.textContent = w('noZones'); return; }
    planBox.replaceChildren(...out.zones.map((z) => h('div.zone-plan', { dataset: { zone: z.zone.zone } },
      h('strong', {}, z.zone.name || z.zone.zone),
      h('span', {}, ` ${w('teams')} ${z.dispatch.tasks.length} · ${w('orders')} ${z.dispatch.orders.length} · `),
      h('span.meets', {}, z.meets_deadline ? w('inTime') : w('notInTime')),
      z.team_shortfall || z.item_shortfall.length ? h('span.short', {}, ` ${w('short')} ${z.team_shortfall + z.item_shortfall.length}`) : '')),
    h('button#preposition-confirm', { type: 'button', onclick: () => confirm(out) }, w('confirm')),
    h('button', { type: 'button', onclick: () => { planBox.hidden = true; } }, w('cancel')));
    planBox.hidden = false;
  }

  async function confirm(out) {
    msg.textContent = '';
    for (const z of out.zones) {
      if (!z.dispatch.tasks.length && !z.dispatch.orders.length) continue;
      const body = { zone: { id: z.zone.zone, name: z.zone.name, hazard: z.zone.hazard, level: z.zone.level },
        staging: z.staging, deadline_s: z.deadline_s, tasks: z.dispatch.tasks, orders: z.dispatch.orders };
      try {
        await api('POST', '/api/v1/prepositions', body, { key: `prepos-${out.at}-${z.zone.zone}` });
      } catch (e) {
        msg.textContent = `${z.zone.name || z.zone.zone}: ${e.message}`;
      }
    }
    planBox.hidden = true;
    load();
  }

  let timer = 0;
  function loadSoon() {
    if (!timer) timer = setTimeout(() => { timer = 0; load(); }, soon);
  }

  // onEvent reloads on preposition.* and on the task and order events of
  // a pre-positioning listed.
  function onEvent(ev) {
    const [kind] = ev.event.split('.');
    const d = ev.data || {};
    if (kind === 'preposition' || ((kind === 'task' || kind === 'order') && state.prepositions.has(d.incident))) loadSoon();
  }

  load();
  setInterval(load, pollEvery);
  setInterval(render, 1000);
  return { load, onEvent };
}
