// common.js: what every page shares: the login, the API client, the live
// connection (websocket with resume), an outbox for actions taken offline,
// and the Chinese/English strings.

// ---- strings ------------------------------------------------------------

const dict = {
  zh: {
    appTitle: '应急指挥调度', leadTitle: '队伍任务', depotTitle: '储备库调拨',
    login: '登录', username: '用户名', password: '密码', logout: '退出', lang: 'EN',
    live: '实时', connecting: '连接中…', offline: '离线', stale: '数据可能过期',
    loginFailed: '登录失败', roleRefused: '此页面不适用于该角色',
    incidents: '当前事件', waitingAck: '待签收任务', teamStatus: '队伍状态', shortfalls: '物资缺口',
    noneOpen: '无', escalated: '已升级', overdue: '已超时',
    level: ['', 'Ⅰ级', 'Ⅱ级', 'Ⅲ级', 'Ⅳ级'],
    status: {
      reported: '已报告', confirmed: '已确认', responding: '处置中', stabilized: '已控制', closed: '已关闭', cancelled: '已取消',
      assigned: '待签收', acknowledged: '已签收', en_route: '出发', on_scene: '到达', completed: '完成', declined: '已拒绝',
      requested: '待确认', shipped: '已发货', delivered: '已送达', rejected: '已拒绝',
      available: '待命', returning: '返回中', off_duty: '休整', unavailable: '不可用', answered: '已响应', escalated: '已升级',
    },
    kind: { fire_rescue: '消防救援', professional: '专业队伍', social: '社会力量', aviation: '航空救援', militia: '民兵', medical: '医疗' },
    tier: { national: '国家库', provincial: '省级库', municipal: '市级库', county: '县级库', township: '乡镇点' },
    type: {
      flood: '洪涝', typhoon: '台风', forest_fire: '森林火灾', fire: '火灾', hazmat: '危化品泄漏', building_collapse: '建筑坍塌',
      earthquake: '地震', mine_accident: '矿山事故', geological_hazard: '地质灾害', traffic_accident: '交通事故',
      drowning: '溺水', power_outage: '大面积停电', epidemic: '疫情', other: '其他',
    },
    cap: {
      water_rescue: '水域救援', flood_control: '防汛抢险', collapse_search: '坍塌搜救', hazmat: '危化品处置', forest_fire: '森林灭火',
      fire_fighting: '灭火', medical: '医疗救护', mine_rescue: '矿山救援', earthquake: '地震救援', traffic_rescue: '交通救援',
      high_angle_rescue: '高空救援', geological_hazard: '地质灾害', power_restoration: '电力抢修', communications: '通信保障',
      air_rescue: '航空救援', logistics: '后勤保障',
    },
    plan: '调度方案', dispatch: '一键调度', dispatched: '已下达', cancel: '取消', eta: '预计', km: '公里', min: '分钟',
    shortfall: '缺口', missesDeadline: '超出时限', redZone: '红区', zoneStart: '出发地在红色风险区', zoneEnd: '目的地在红色风险区', skipReason: '未选原因（可选）', alternates: '备选', newIncident: '新建事件（点击地图选点）',
    coverageShort: '覆盖',
    title: '标题', type_: '类型', level_: '级别', needsTeams: '需要队伍（能力×数量）', needsItems: '需要物资（编码×数量）',
    create: '创建', deadline: '时限（分钟）', stockOf: '库存显示物资', answers: '响应情况',
    ack: '签收', enRoute: '出发', onScene: '到达现场', complete: '完成', decline: '拒绝', reason: '原因',
    noTasks: '暂无任务', queued: '待发送', shareLocation: '共享位置', sharing: '正在共享位置',
    fenceIn: '到达(围栏)', fenceOut: '离开现场(围栏)', fenceArrived: '车辆到达(围栏)', fenceDeparted: '车辆已出库(围栏)',
    confirm: '确认', reject: '拒绝', ship: '发货', orders: '调拨单', stock: '库存', noOrders: '暂无调拨单',
    onHand: '在库', reserved: '已预留', available_: '可用', item: '物资', qty: '数量', depot: '储备库',
    regionsPanel: '辖区汇总', wholeDeployment: '全部辖区', total: '合计', region: '区域', openIncidents: '事件', byLevel: '分级',
    teamsShort: '队伍', teamsTitle: '队伍：待命/出动/总数', supportShort: '支援', supportTitle: '支援请求：收到/发出（未结）',
    noSubdivisions: '无下级区域', supportPanel: '支援请求', incoming: '收到的请求', outgoing: '发出的请求',
    desk: { general: '总指挥部', flood: '防汛抗旱', forest_fire: '森林防火', earthquake: '抗震救灾', geological: '地质灾害', work_safety: '安全生产' },
    instructions: '指令', ackBy: '签收时限', incident: '事件', sent: '已发送',
    replay: '回放', replayTag: '历史回放', backToLive: '返回实时', play: '播放', pause: '暂停', paused: '已暂停',
  },
  en: {
    appTitle: 'Emergency command', leadTitle: 'Team tasks', depotTitle: 'Depot orders',
    login: 'Log in', username: 'Username', password: 'Password', logout: 'Log out', lang: '中文',
    live: 'Live', connecting: 'Connecting…', offline: 'Offline', stale: 'Data may be stale',
    loginFailed: 'Login failed', roleRefused: 'This page is not for this role',
    incidents: 'Open incidents', waitingAck: 'Awaiting acknowledgement', teamStatus: 'Team status', shortfalls: 'Material shortfalls',
    noneOpen: 'None', escalated: 'Escalated', overdue: 'Overdue',
    level: ['', 'I', 'II', 'III', 'IV'],
    status: {
      reported: 'Reported', confirmed: 'Confirmed', responding: 'Responding', stabilized: 'Stabilized', closed: 'Closed', cancelled: 'Cancelled',
      assigned: 'Assigned', acknowledged: 'Acknowledged', en_route: 'En route', on_scene: 'On scene', completed: 'Completed', declined: 'Declined',
      requested: 'Requested', shipped: 'Shipped', delivered: 'Delivered', rejected: 'Rejected',
      available: 'Available', returning: 'Returning', off_duty: 'Off duty', unavailable: 'Unavailable', answered: 'Answered', escalated: 'Escalated',
    },
    kind: { fire_rescue: 'Fire & rescue', professional: 'Professional', social: 'Volunteer', aviation: 'Aviation', militia: 'Militia', medical: 'Medical' },
    tier: { national: 'National', provincial: 'Provincial', municipal: 'Municipal', county: 'County', township: 'Township' },
    type: {
      flood: 'Flood', typhoon: 'Typhoon', forest_fire: 'Forest fire', fire: 'Fire', hazmat: 'Hazmat leak', building_collapse: 'Building collapse',
      earthquake: 'Earthquake', mine_accident: 'Mine accident', geological_hazard: 'Landslide', traffic_accident: 'Traffic accident',
      drowning: 'Drowning', power_outage: 'Power outage', epidemic: 'Epidemic', other: 'Other',
    },
    cap: {},
    plan: 'Dispatch plan', dispatch: 'Dispatch', dispatched: 'Dispatched', cancel: 'Cancel', eta: 'ETA', km: 'km', min: 'min',
    shortfall: 'Shortfall', missesDeadline: 'misses deadline', redZone: 'red zone', zoneStart: 'starts in a red zone', zoneEnd: 'ends in a red zone', skipReason: 'Why not this one (optional)', alternates: 'Alternates', newIncident: 'New incident (click the map)',
    coverageShort: 'Coverage',
    title: 'Title', type_: 'Type', level_: 'Level', needsTeams: 'Teams needed (capability×count)', needsItems: 'Items needed (code×qty)',
    create: 'Create', deadline: 'Deadline (minutes)', stockOf: 'Depots sized by stock of', answers: 'Answers',
    ack: 'Acknowledge', enRoute: 'En route', onScene: 'On scene', complete: 'Completed', decline: 'Decline', reason: 'Reason',
    noTasks: 'No tasks', queued: 'Queued', shareLocation: 'Share location', sharing: 'Sharing location',
    fenceIn: 'Arrived (geofence)', fenceOut: 'Left the scene (geofence)', fenceArrived: 'Truck arrived (geofence)', fenceDeparted: 'Truck left the depot (geofence)',
    confirm: 'Confirm', reject: 'Reject', ship: 'Ship', orders: 'Orders', stock: 'Stock', noOrders: 'No orders',
    onHand: 'On hand', reserved: 'Reserved', available_: 'Available', item: 'Item', qty: 'Qty', depot: 'Depot',
    regionsPanel: 'Jurisdiction', wholeDeployment: 'Whole deployment', total: 'Total', region: 'Region', openIncidents: 'Incidents', byLevel: 'By level',
    teamsShort: 'Teams', teamsTitle: 'Teams: available/busy/total', supportShort: 'Support', supportTitle: 'Open support requests: received/made',
    noSubdivisions: 'No subdivisions', supportPanel: 'Support requests', incoming: 'Received', outgoing: 'Made',
    desk: { general: 'General', flood: 'Flood control', forest_fire: 'Forest fire', earthquake: 'Earthquake', geological: 'Geological hazards', work_safety: 'Work safety' },
    instructions: 'Instructions', ackBy: 'Acknowledge by', incident: 'Incident', sent: 'Sent',
    replay: 'Replay', replayTag: 'REPLAY', backToLive: 'Back to live', play: 'Play', pause: 'Pause', paused: 'paused',
  },
};

export let lang = localStorage.getItem('dispatchd.lang') === 'en' ? 'en' : 'zh';

// t returns the string for key (a dotted path such as "status.assigned"),
// or the last part of the key when there is none.
export function t(key) {
  let v = dict[lang];
  for (const k of key.split('.')) v = v?.[k];
  return v ?? key.split('.').pop();
}

// fenceNote is what a task's or order's geofence says, for its row: the
// team arrived at or left the scene, the truck arrived; null when nothing.
export function fenceNote(x) {
  const shipped = x.carrier && x.status === 'shipped';
  const key = x.fence === 'inside' ? 'fenceIn' : x.fence === 'outside' ? 'fenceOut'
    : shipped && x.arrived_at ? 'fenceArrived' : shipped && x.departed_at ? 'fenceDeparted' : '';
  return key ? h('span.fence', { dataset: { fence: key }, title: x.fence_at || x.arrived_at }, ` · ${t(key)}`) : null;
}

// onLang registers a redraw for when the language changes.
const langListeners = [];
export function onLang(f) { langListeners.push(f); }
export function toggleLang() {
  lang = lang === 'zh' ? 'en' : 'zh';
  localStorage.setItem('dispatchd.lang', lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const f of langListeners) f();
}

// h builds an element: h('div.card#x', {onclick}, child, ...).
export function h(spec, attrs, ...children) {
  const [, tag, rest] = spec.match(/^([a-z0-9]+)(.*)$/);
  const el = document.createElement(tag);
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === '.') el.classList.add(part.slice(1)); else el.id = part.slice(1);
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c != null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export function fmtTime(ts) {
  const d = new Date(ts);
  return isNaN(d) ? '' : d.toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });
}
export function fmtDuration(s) {
  s = Math.max(0, Math.round(s));
  const m = Math.floor(s / 60), r = s % 60;
  return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

// ---- session and API ----------------------------------------------------

const sessionKey = 'dispatchd.session';
export function session() {
  try {
    const s = JSON.parse(localStorage.getItem(sessionKey));
    if (s && s.token && new Date(s.expires_at) > new Date()) return s;
  } catch { /* a bad value is no session */ }
  return null;
}

export class APIError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter; // seconds, when the server asks to be asked again
  }
}

// api calls the API with the session's token. A 401 ends the session and
// shows the login again.
export async function api(method, path, body, { key, token } = {}) {
  const headers = { Accept: 'application/json' };
  const tok = token ?? session()?.token;
  if (tok) headers.Authorization = `Bearer ${tok}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (key) headers['Idempotency-Key'] = key;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text.slice(0, 200) }; }
  if (!res.ok) {
    // A 401 ends the login only if the token refused is still the one
    // stored: a refresh may have replaced it while this request ran.
    if (res.status === 401 && !token && session()?.token === tok) {
      localStorage.removeItem(sessionKey);
      location.reload();
    }
    const after = Number(res.headers.get('Retry-After')) || (res.status === 429 ? 1 : 0);
    throw new APIError(res.status, data, after);
  }
  return data;
}

// login resolves to the session, showing a login form when there is none.
// roles lists the roles the page is for.
export function login(roles) {
  const s = session();
  if (s && roles.includes(s.user.role)) {
    keepSession();
    return Promise.resolve(s);
  }
  return new Promise((resolve) => {
    const err = h('p.error#login-error');
    const user = h('input#login-user', { name: 'username', autocomplete: 'username', required: true });
    const pass = h('input#login-pass', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
    if (s) err.textContent = t('roleRefused');
    const form = h('form.login#login', {
      onsubmit: async (e) => {
        e.preventDefault();
        err.textContent = '';
        try {
          const r = await api('POST', '/api/v1/auth/login', { username: user.value.trim(), password: pass.value }, { token: '' });
          if (!roles.includes(r.user.role)) {
            err.textContent = t('roleRefused');
            return;
          }
          localStorage.setItem(sessionKey, JSON.stringify({ ...r, login_at: new Date().toISOString() }));
          form.remove();
          keepSession();
          resolve(r);
        } catch (e2) {
          err.textContent = `${t('loginFailed')}: ${e2.message}`;
        }
      },
    },
    h('h1', {}, 'dispatchd'),
    h('label', {}, h('span', { 'data-t': 'username' }, t('username')), user),
    h('label', {}, h('span', { 'data-t': 'password' }, t('password')), pass),
    h('button#login-submit', { type: 'submit', 'data-t': 'login' }, t('login')),
    err);
    document.body.append(form);
    user.focus();
  });
}

// keepSession exchanges the token for a new one at half its life, so that
// a page left running for days stays logged in while it runs. Tabs of one
// user share the session: whichever refreshes first, the others read the
// new token from storage.
let keeping = false;
function keepSession() {
  if (keeping) return;
  keeping = true;
  const check = async () => {
    const s = session();
    if (!s) return;
    const from = new Date(s.login_at || Date.now()), to = new Date(s.expires_at);
    const life = to - from;
    if (Date.now() < from.getTime() + life / 2) return;
    try {
      const r = await api('POST', '/api/v1/auth/refresh', undefined, { token: s.token });
      localStorage.setItem(sessionKey, JSON.stringify({ ...r, login_at: new Date().toISOString() }));
      window.dispatchdRefreshes = (window.dispatchdRefreshes || 0) + 1;
    } catch { /* offline, or another tab refreshed first: try again later */ }
  };
  const s = session();
  const every = s ? Math.max(1000, Math.min(60000, (new Date(s.expires_at) - new Date(s.login_at || Date.now())) / 10)) : 60000;
  setInterval(check, every);
}

export async function logout() {
  try { await api('POST', '/api/v1/auth/logout'); } catch { /* gone already */ }
  localStorage.removeItem(sessionKey);
  location.reload();
}

// ---- the live connection ------------------------------------------------

// Live keeps one websocket subscribed: it reconnects by itself with a
// growing delay, resumes from the last event it saw (the server replays
// what it missed, or sends a new snapshot), and pings so that a dead
// connection is noticed even when the network drops silently.
export class Live {
  constructor({ topics, bbox, onSnapshot, onEvent, onPositions, onStatus }) {
    Object.assign(this, { topics, bbox, onSnapshot, onEvent, onPositions, onStatus });
    this.since = null;
    this.delay = 500;
    this.lastMessage = 0;
    this.status = '';
    this.connect();
    setInterval(() => this.tick(), 5000);
    addEventListener('online', () => { if (this.status !== 'live') this.reconnect(0); });
  }

  setStatus(s, detail) {
    if (this.status === s && !detail) return;
    this.status = s;
    this.onStatus?.(s, detail);
  }

  connect() {
    clearTimeout(this.timer);
    const s = session();
    if (!s) {
      // The login ran out while the page was away: ask for it again.
      location.reload();
      return;
    }
    this.setStatus(this.since == null ? 'connecting' : 'offline');
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${proto}://${location.host}/api/v1/ws?access_token=${encodeURIComponent(s.token)}`);
    this.ws = ws;
    ws.onopen = () => {
      const sub = { op: 'subscribe', topics: this.topics };
      if (this.bbox) sub.bbox = this.bbox;
      if (this.since != null) sub.since = this.since;
      ws.send(JSON.stringify(sub));
      this.lastMessage = Date.now();
    };
    ws.onmessage = (m) => {
      this.lastMessage = Date.now();
      let msg;
      try { msg = JSON.parse(m.data); } catch { return; }
      switch (msg.type) {
        case 'snapshot':
          this.since = msg.event_id;
          this.delay = 500;
          this.onSnapshot?.(msg);
          this.setStatus('live');
          break;
        case 'resumed':
          this.since = Math.max(this.since ?? 0, msg.event_id);
          this.delay = 500;
          this.setStatus('live');
          break;
        case 'event':
          if (this.since != null && msg.id <= this.since) break;
          this.since = msg.id;
          this.onEvent?.(msg);
          break;
        case 'positions':
          this.onPositions?.(msg.items);
          break;
        case 'error':
          console.warn('dispatchd:', msg.message);
          break;
      }
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if ((e.code === 1008 || e.code === 4003) && session()) {
        // Refused, or the login or its rights ended: a 401 here shows the
        // login again. A refresh closes the old token's socket (4003) as it
        // answers, so ask a moment later, with the token stored by then.
        setTimeout(() => api('GET', '/api/v1/auth/me').catch(() => {}), e.code === 4003 ? 1000 : 0);
      }
      // Rights that changed may show more or less: start from a snapshot.
      if (e.code === 4003) this.since = null;
      this.setStatus('offline', e.reason);
      this.reconnect(this.delay);
      this.delay = Math.min(this.delay * 2, 15000);
    };
  }

  reconnect(after) {
    clearTimeout(this.timer);
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.close();
    }
    // Jitter keeps 200 screens from coming back in the same millisecond.
    this.timer = setTimeout(() => this.connect(), after + Math.random() * after * 0.5);
  }

  tick() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    const quiet = Date.now() - this.lastMessage;
    if (quiet > 45000) {
      this.setStatus('offline', 'no answer');
      this.reconnect(0);
    } else if (quiet > 20000) {
      this.setStatus('stale');
    }
    if (quiet > 10000) this.ws.send('{"op":"ping"}');
  }
}

// statusBadge shows the live connection's state.
export function statusBadge() {
  const el = h('div.conn#conn', { dataset: { state: 'connecting' } }, t('connecting'));
  el.update = (s, detail) => {
    el.dataset.state = s;
    el.textContent = t(s) + (detail && s === 'offline' ? ` (${detail})` : '');
  };
  onLang(() => el.update(el.dataset.state));
  return el;
}

// ---- outbox -------------------------------------------------------------

// Outbox keeps actions taken offline in localStorage and sends each once,
// in order, with its idempotency key: a retry after a lost answer returns
// the first answer and changes nothing twice.
export class Outbox {
  constructor(name, onChange) {
    this.key = `dispatchd.outbox.${name}`;
    this.onChange = onChange;
    this.sending = false;
    addEventListener('online', () => this.flush());
    setInterval(() => this.flush(), 5000);
  }

  items() {
    try { return JSON.parse(localStorage.getItem(this.key)) || []; } catch { return []; }
  }

  save(items) {
    localStorage.setItem(this.key, JSON.stringify(items));
    this.onChange?.(items);
  }

  // send queues an action and tries to send the queue.
  send(method, path, body, label) {
    const key = crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
    this.save([...this.items(), { method, path, body, key, label, at: Date.now() }]);
    return this.flush();
  }

  async flush() {
    if (this.sending) return;
    this.sending = true;
    try {
      for (;;) {
        const [next] = this.items();
        if (!next) return;
        try {
          await api(next.method, next.path, next.body, { key: next.key });
        } catch (e) {
          // The network or the server is down, or asks to be asked again
          // (Retry-After: over a rate limit, or the first send still
          // running): keep it for later. Anything else is final: drop it
          // and say why.
          if (!(e instanceof APIError) || e.status >= 500 || e.retryAfter) return;
          this.onError?.(next, e);
        }
        this.save(this.items().filter((x) => x.key !== next.key));
      }
    } finally {
      this.sending = false;
    }
  }
}

// header builds the page's top bar: title, connection, language, logout.
export function header(title, s) {
  const badge = statusBadge();
  const bar = h('header.top', {},
    h('div.brand', {}, h('span', { 'data-t': title }, t(title))),
    h('div.jurisdiction#jurisdiction'),
    h('div.who', {}, s.user.username),
    badge,
    h('button.lang#lang', { onclick: toggleLang, 'data-t': 'lang' }, t('lang')),
    h('button.logout#logout', { onclick: logout, 'data-t': 'logout' }, t('logout')));
  return { bar, badge };
}
