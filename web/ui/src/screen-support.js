// screen-support.js: support requests (跨区域支援) on the large screen: those
// addressed to the caller's jurisdiction and those it made, live, each
// with the time left to answer it. The panel stays hidden on a server
// without support requests.
import { api, APIError, h, t } from './common.js';

const open = ['requested', 'escalated', 'answered', 'declined'];
const waiting = ['requested', 'escalated'];

// setupSupport probes GET /api/v1/support-requests and wires the panel;
// it resolves to { available, onEvent }.
export async function setupSupport({ state, panel }) {
  state.support = { incoming: new Map(), outgoing: new Map() };
  const list = async (direction) => (await api('GET', `/api/v1/support-requests?direction=${direction}&limit=200`)).items;
  try {
    await list('incoming');
  } catch (e) {
    if (e instanceof APIError && e.status === 404) {
      panel.hidden = true;
      state.support = null;
      return { available: false, onEvent() {}, render() {} };
    }
  }
  panel.hidden = false;

  let last = 0, timer = null;
  async function load() {
    last = Date.now();
    try {
      const [inc, out] = await Promise.all([list('incoming'), list('outgoing')]);
      for (const [m, items] of [[state.support.incoming, inc], [state.support.outgoing, out]]) {
        m.clear();
        for (const r of items) m.set(r.id, r);
      }
      state.supportLoads = (state.supportLoads || 0) + 1;
      render();
    } catch { /* offline: the next event or round tries again */ }
  }
  function refreshSoon() {
    if (timer) return;
    timer = setTimeout(() => { timer = null; load(); }, Math.max(0, last + 1000 - Date.now()));
  }

  const regionName = (code) => state.regionNames?.[code] || code;
  const needs = (n) => [
    ...(n?.teams || []).map((x) => `${t(`cap.${x.capability}`)}×${x.count}`),
    ...(n?.items || []).map((x) => `${state.itemNames?.[x.item] || x.item}×${x.qty}`),
  ].join('，');

  function item(r) {
    const inc = state.incidents.get(r.incident);
    return h('li.support', { dataset: { id: r.id, status: r.status }, class: `support s-${r.status}${r.escalated ? ' escalated' : ''}` },
      h('span.title', {}, inc?.title || r.incident),
      waiting.includes(r.status)
        ? h('span.countdown', { dataset: { ackBy: r.respond_by } }, '')
        : h('span.status', { class: `status s-${r.status}` }, t(`status.${r.status}`)),
      h('span.meta', {}, [`${regionName(r.from)} → ${regionName(r.to)}`, needs(r.needs),
        r.escalated ? `${t('escalated')} (${regionName(r.escalated_from)})` : '', r.status === 'declined' ? r.reason : '']
        .filter(Boolean).join(' · ')));
  }

  function render() {
    const section = (key, m) => {
      const rs = [...m.values()].filter((r) => open.includes(r.status))
        .sort((a, b) => waiting.includes(b.status) - waiting.includes(a.status) || a.respond_by.localeCompare(b.respond_by));
      return [h('h3', {}, t(key)), h(`ol.list#support-${key}`, {}, rs.length ? rs.map(item) : [h('li.none', {}, t('noneOpen'))])];
    };
    panel.replaceChildren(h('h2', {}, t('supportPanel')),
      ...section('incoming', state.support.incoming), ...section('outgoing', state.support.outgoing));
  }

  // onEvent shows a support_request.* event at once, then asks the server
  // which lists the request belongs in.
  function onEvent(ev) {
    const r = ev.data;
    if (r?.id) {
      for (const m of [state.support.incoming, state.support.outgoing]) if (m.has(r.id)) m.set(r.id, r);
      render();
    }
    refreshSoon();
  }

  await load();
  setInterval(load, 30000);
  return { available: true, onEvent, render };
}
