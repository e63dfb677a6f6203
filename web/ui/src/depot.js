// depot.js: the depot manager's page: the orders for the manager's own
// depots, live; confirm, reject with a reason, ship; the depots' stock.
import './depot.css';
import { api, fmtTime, h, header, Live, login, onLang, t } from './common.js';

const s = await login(['depot_manager']);
const mine = new Set(s.user.depots || []);
const orders = new Map(), depots = new Map(), stock = new Map();
const { bar, badge } = header('depotTitle', s);
const list = h('section.orders#orders');
const stockEl = h('section.stock#stock');
const errors = h('div.errors#errors');
document.body.append(bar, errors, h('main.depot', {}, h('div', {}, h('h2', { 'data-t': 'orders' }, t('orders')), list), stockEl));

// The manager's depots, then the live feed for them: the snapshot's depots
// are bounded to a box around them, not the province's 3,700.
for (const id of mine) {
  try { depots.set(id, await api('GET', `/api/v1/depots/${id}`)); } catch (e) { errors.append(h('p.error', {}, e.message)); }
}
const locs = [...depots.values()].map((d) => d.location);
const bbox = locs.length ? [Math.min(...locs.map((l) => l.lon)) - 0.01, Math.min(...locs.map((l) => l.lat)) - 0.01,
  Math.max(...locs.map((l) => l.lon)) + 0.01, Math.max(...locs.map((l) => l.lat)) + 0.01] : undefined;
new Live({
  topics: ['orders', 'depots'],
  bbox,
  onSnapshot: (snap) => {
    orders.clear();
    for (const o of snap.orders || []) orders.set(o.id, o);
    for (const d of snap.depots || []) if (mine.has(d.id)) depots.set(d.id, d);
    renderOrders();
    for (const id of mine) loadStock(id);
  },
  onEvent: (ev) => {
    const d = ev.data || {};
    if (ev.event.startsWith('order.') && d.id && mine.has(d.depot)) {
      orders.set(d.id, d);
      if (d.stock?.length) setStock(d.depot, d.stock); else loadStock(d.depot);
      if (ev.event === 'order.created') notify();
      renderOrders();
    } else if (ev.event.startsWith('stock.') && mine.has(ev.subject)) {
      loadStock(ev.subject);
    } else if (ev.event.startsWith('depot.') && mine.has(d.id)) {
      depots.set(d.id, d);
      renderStock();
    }
  },
  onStatus: (st, detail) => badge.update(st, detail),
});

function notify() {
  navigator.vibrate?.(200);
  document.body.classList.add('alerting');
  setTimeout(() => document.body.classList.remove('alerting'), 2000);
}

async function act(o, verb, body) {
  const card = list.querySelector(`[data-id="${o.id}"]`);
  card?.classList.add('busy');
  try {
    const r = await api('POST', `/api/v1/orders/${o.id}/${verb}`, body, { key: `${o.id}:${verb}` });
    orders.set(r.id, r);
    loadStock(r.depot);
  } catch (e) {
    errors.replaceChildren(h('p.error', {}, e.message));
  }
  renderOrders();
}

function renderOrders() {
  const open = [...orders.values()].filter((o) => ['requested', 'confirmed', 'shipped'].includes(o.status))
    .sort((a, b) => a.created_at.localeCompare(b.created_at));
  if (!open.length) { list.replaceChildren(h('p.none', {}, t('noOrders'))); return; }
  list.replaceChildren(...open.map((o) => {
    const card = h('article.order', { dataset: { id: o.id, status: o.status } },
      h('h3', {}, o.depot_name || o.depot, h('span.status', {}, ` · ${t(`status.${o.status}`)}`)),
      h('p.meta', {}, `${t('incident')} ${o.incident.slice(-8)} · ${fmtTime(o.created_at)}`),
      h('table.lines', {}, h('tr', {}, h('th', {}, t('item')), h('th', {}, t('qty'))),
        o.lines.map((l) => h('tr', {}, h('td', {}, l.name || l.item), h('td', {}, `${l.qty} ${l.unit || ''}`)))));
    if (o.status === 'requested') {
      const reason = h('input.reason', { placeholder: t('reason'), required: true });
      card.append(h('div.actions', {},
        h('button.primary.confirm', { onclick: () => act(o, 'confirm') }, t('confirm')),
        h('form.reject', { onsubmit: (e) => { e.preventDefault(); act(o, 'reject', { reason: reason.value.trim() }); } },
          reason, h('button', { type: 'submit' }, t('reject')))));
    } else if (o.status === 'confirmed') {
      card.append(h('div.actions', {}, h('button.primary.ship', { onclick: () => act(o, 'ship') }, t('ship'))));
    }
    return card;
  }));
}

function setStock(depot, rows) {
  const m = stock.get(depot) || new Map();
  for (const r of rows) m.set(r.item, { ...m.get(r.item), ...r });
  stock.set(depot, m);
  renderStock();
}
async function loadStock(depot) {
  try {
    const r = await api('GET', `/api/v1/depots/${depot}/stock`);
    stock.set(depot, new Map(r.items.map((x) => [x.item, x])));
    renderStock();
  } catch (e) {
    errors.replaceChildren(h('p.error', {}, e.message));
  }
}

function renderStock() {
  stockEl.replaceChildren(h('h2', {}, t('stock')), ...[...mine].map((id) => {
    const rows = [...(stock.get(id)?.values() || [])];
    return h('div.depot', { dataset: { id } }, h('h3', {}, depots.get(id)?.name || id),
      h('table.stock', {}, h('tr', {}, h('th', {}, t('item')), h('th', {}, t('onHand')), h('th', {}, t('reserved')), h('th', {}, t('available_'))),
        rows.map((r) => h('tr', { dataset: { item: r.item } }, h('td', {}, `${r.name || r.item}`), h('td', {}, String(r.on_hand)),
          h('td', {}, String(r.reserved)), h('td.avail', {}, `${r.available} ${r.unit || ''}`)))));
  }));
}
onLang(() => { renderOrders(); renderStock(); });
