// Herald monitoring dashboard: plain JS over Herald's JSON API (the session cookie authenticates GETs) and the
// live stream /api/v1/stream (Server-Sent Events). No build step; Chart.js (vendor/) draws the charts.
'use strict';
(() => {
  const RANGES = {
    '1h': { minutes: 60, granularity: 'minute', label: '1 h' },
    '24h': { minutes: 1440, granularity: 'hour', label: '24 h' },
    '7d': { minutes: 10080, granularity: 'day', label: '7 d' },
    '30d': { minutes: 43200, granularity: 'day', label: '30 d' },
  };
  const DIMENSIONS = ['channel', 'provider', 'country', 'campaign', 'account', 'route', 'kind', 'direction'];
  const DELIVERED = new Set(['delivered', 'read', 'replied', 'completed']);
  const FAILED = new Set(['failed', 'undelivered', 'expired', 'busy', 'no-answer', 'canceled', 'cancelled']);
  const COLORS = { good: '#16a34a', bad: '#dc2626', accent: '#3b6ef5', p50: '#0ea5e9', p90: '#7c4dff', p95: '#f59e0b', p99: '#dc2626' };
  const FEED_MAX = 50;
  const CHART_REFRESH_MS = 10000;

  const TABS = ['overview', 'alerts', 'campaigns', 'trends', 'compliance', 'messages', 'insights', 'deliveries', 'audit'];

  const state = { range: '24h', team: null, filters: [], errorCode: null, session: null, tab: 'overview' };
  let charts = {};
  let source = null;
  let lastTick = null;
  let lastChartLoad = 0;
  let chartReloadTimer = null;
  let loadGeneration = 0;
  let reconnectTimer = null;

  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  /** Builds an element: el('td', {class: 'num'}, 'text', childNode). Text is always set as text, never as HTML. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'style') node.setAttribute('style', v);
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(node.dataset, v);
      else node.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
    return node;
  }

  // ---------- formatting ----------
  const intFmt = new Intl.NumberFormat('en-US');
  const fmtInt = (n) => (n === null || n === undefined ? '–' : intFmt.format(n));
  const fmtPct = (p) => (p === null || p === undefined ? '–' : `${p.toFixed(1)} %`);
  function fmtSeconds(s) {
    if (s === null || s === undefined) return '–';
    if (s < 1) return `${Math.round(s * 1000)} ms`;
    if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
    if (s < 3600) return `${(s / 60).toFixed(1)} min`;
    return `${(s / 3600).toFixed(1)} h`;
  }
  /** A round duration for an axis tick: 100 ms, 1 s, 10 min, 6 h. */
  function fmtTick(s) {
    const units = [[86400, 'd'], [3600, 'h'], [60, 'min'], [1, 's'], [0.001, 'ms']];
    for (const [size, unit] of units) if (s >= size) return `${+(s / size).toFixed(1)} ${unit}`;
    return `${s} s`;
  }
  function fmtUptime(s) {
    if (s === null || s === undefined) return '–';
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d > 0) return `${d} d ${h} h`;
    if (h > 0) return `${h} h ${m} m`;
    if (m > 0) return `${m} m ${s % 60} s`;
    return `${s} s`;
  }
  function fmtRate(r) {
    if (r === null || r === undefined) return '–';
    return r >= 100 ? intFmt.format(Math.round(r)) : r >= 10 ? r.toFixed(1) : r.toFixed(2);
  }
  const utc = (opts) => new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', ...opts });
  const fmtHm = utc({ hour: '2-digit', minute: '2-digit' });
  const fmtHms = utc({ hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const fmtDay = utc({ month: 'short', day: 'numeric' });
  const fmtFull = utc({ year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  function bucketLabel(iso, granularity) {
    const d = new Date(iso);
    if (granularity === 'day') return fmtDay.format(d);
    if (granularity === 'hour' && d.getUTCHours() === 0) return `${fmtDay.format(d)} 00:00`;
    return fmtHm.format(d);
  }
  const outcomeOf = (status) => (DELIVERED.has(status) ? 'delivered' : FAILED.has(status) ? 'failed' : 'pending');
  const statusChip = (status, outcome) => el('span', { class: `status ${outcome || outcomeOf(status)}` }, status);
  const isoMinute = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

  // ---------- state in the URL fragment (never the key) ----------
  function readHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    if (RANGES[p.get('range')]) state.range = p.get('range');
    state.team = p.get('team') || null;
    state.errorCode = p.get('error_code') || null;
    state.tab = TABS.includes(p.get('tab')) ? p.get('tab') : 'overview';
    state.filters = [];
    for (const d of DIMENSIONS) for (const v of p.getAll(d)) state.filters.push({ dim: d, value: v });
  }
  function writeHash() {
    const p = new URLSearchParams();
    if (state.tab !== 'overview') p.set('tab', state.tab);
    if (state.range !== '24h') p.set('range', state.range);
    if (state.team) p.set('team', state.team);
    for (const f of state.filters) p.append(f.dim, f.value);
    if (state.errorCode) p.set('error_code', state.errorCode);
    const text = p.toString();
    history.replaceState(null, '', text ? `#${text}` : location.pathname);
  }

  // ---------- API ----------
  function scopeParams(extra) {
    const p = new URLSearchParams();
    if (state.team) p.set('team', state.team);
    const byDim = {};
    for (const f of state.filters) (byDim[f.dim] ||= []).push(f.value);
    for (const [d, values] of Object.entries(byDim)) p.set(d, values.join(','));
    for (const [k, v] of Object.entries(extra || {})) if (v !== null && v !== undefined) p.set(k, v);
    return p;
  }
  function windowParams() {
    const r = RANGES[state.range];
    const to = Math.floor(Date.now() / 60000) * 60000 + 60000;
    return { from: isoMinute(to - r.minutes * 60000), to: isoMinute(to) };
  }
  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }
  async function api(path, params) {
    const url = params && [...params].length ? `${path}?${params}` : path;
    const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    let body = null;
    try { body = await response.json(); } catch { /* not JSON */ }
    if (response.status === 401) {
      location.href = '/monitoring/login';
      throw new ApiError(401, 'signed out');
    }
    if (!response.ok) throw new ApiError(response.status, body?.error?.message || `${response.status} ${response.statusText}`);
    return body.data;
  }
  /** A change made with the session cookie: it needs the session's CSRF token (X-Herald-CSRF) and Herald's own origin. */
  async function apiSend(method, path, params, data) {
    const url = params && [...params].length ? `${path}?${params}` : path;
    const headers = { Accept: 'application/json', 'X-Herald-CSRF': state.session?.csrf_token || '' };
    if (data !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(url, { method, credentials: 'same-origin', headers, body: data === undefined ? undefined : JSON.stringify(data) });
    let body = null;
    try { body = await response.json(); } catch { /* not JSON */ }
    if (!response.ok) throw new ApiError(response.status, body?.error?.message || `${response.status} ${response.statusText}`);
    return body?.data;
  }
  function showBanner(message) {
    const b = $('#banner');
    b.textContent = message || '';
    b.hidden = !message;
  }

  // ---------- KPIs ----------
  function setKpi(name, value, text) {
    const node = $(`[data-kpi="${name}"]`);
    if (!node) return;
    const old = node.dataset.value;
    node.dataset.value = value === null || value === undefined ? '' : String(value);
    if (node.textContent !== text) {
      node.textContent = text;
      if (old !== undefined && old !== node.dataset.value) {
        node.classList.remove('flash');
        void node.offsetWidth;
        node.classList.add('flash');
      }
    }
  }
  function showSummary(s) {
    setKpi('total', s.total, fmtInt(s.total));
    $('#kpi-volume-sub').textContent = `items · ${fmtInt(s.events)} events`;
    setKpi('delivery_rate_percent', s.delivery_rate_percent, fmtPct(s.delivery_rate_percent));
    $('#kpi-delivery-sub').textContent = `${fmtInt(s.delivered)} delivered`;
    setKpi('failure_rate_percent', s.failure_rate_percent, fmtPct(s.failure_rate_percent));
    $('#kpi-failure-sub').textContent = `${fmtInt(s.failed)} failed · ${fmtInt(s.pending)} pending`;
    const p95 = s.latency_seconds ? s.latency_seconds.p95 : null;
    setKpi('latency_p95', p95, fmtSeconds(p95));
    $('#kpi-latency-sub').textContent = s.latency_seconds ? `p50 ${fmtSeconds(s.latency_seconds.p50)} · p99 ${fmtSeconds(s.latency_seconds.p99)}` : 'nothing delivered yet';
  }
  function showUptime(seconds) { setKpi('uptime', seconds, fmtUptime(seconds)); }

  // ---------- charts ----------
  function baseOptions(yTitle) {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: 'index', intersect: false },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12, usePointStyle: true } } },
      scales: {
        x: { title: { display: true, text: 'time (UTC)' }, grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
        y: { beginAtZero: true, title: { display: true, text: yTitle }, ticks: { precision: 0 } },
      },
    };
  }
  function ensureCharts() {
    if (!window.Chart || charts.volume) return;
    Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
    Chart.defaults.color = '#5f6b7c';
    const volumeOptions = baseOptions('events');
    volumeOptions.scales.y1 = { position: 'right', min: 0, max: 100, title: { display: true, text: 'delivery rate %' }, grid: { drawOnChartArea: false } };
    volumeOptions.plugins.tooltip = {
      callbacks: {
        title: (items) => items.length ? items[0].chart.$points[items[0].dataIndex].title : '',
        label: (ctx) => ctx.dataset.yAxisID === 'y1'
          ? ` delivery rate: ${ctx.parsed.y === null ? '–' : ctx.parsed.y.toFixed(1) + ' %'}`
          : ` events: ${fmtInt(ctx.parsed.y)}`,
        afterBody: (items) => {
          if (!items.length) return '';
          const p = items[0].chart.$points[items[0].dataIndex].point;
          return `items: ${fmtInt(p.total)} (${fmtInt(p.delivered)} delivered, ${fmtInt(p.failed)} failed)`;
        },
      },
    };
    charts.volume = new Chart($('#chart-volume'), {
      type: 'bar',
      data: {
        labels: [],
        datasets: [
          { type: 'bar', label: 'Events', data: [], yAxisID: 'y', backgroundColor: 'rgba(59,110,245,.55)', borderRadius: 3, order: 2 },
          { type: 'line', label: 'Delivery rate %', data: [], yAxisID: 'y1', borderColor: COLORS.good, backgroundColor: COLORS.good, pointRadius: 2, tension: 0.25, spanGaps: true, order: 1 },
        ],
      },
      options: volumeOptions,
    });
    // Latencies of different kinds span milliseconds (OTP) to hours (parcels): a log scale with human ticks.
    const latencyOptions = baseOptions('latency (log scale)');
    latencyOptions.scales.y = {
      type: 'logarithmic',
      title: { display: true, text: 'latency (log scale)' },
      afterBuildTicks: (axis) => {
        const nice = [0.01, 0.1, 1, 10, 60, 600, 3600, 6 * 3600, 86400, 7 * 86400];
        const inRange = nice.filter((v) => v >= axis.min * 0.999 && v <= axis.max * 1.001);
        if (inRange.length >= 2) axis.ticks = inRange.map((value) => ({ value }));
      },
      ticks: { callback: (v) => fmtTick(Number(v)) },
    };
    latencyOptions.plugins.tooltip = {
      callbacks: {
        title: (items) => items.length ? items[0].chart.$points[items[0].dataIndex].title : '',
        label: (ctx) => ` ${ctx.dataset.label}: ${fmtSeconds(ctx.parsed.y)}`,
      },
    };
    const line = (label, color) => ({ label, data: [], borderColor: color, backgroundColor: color, pointRadius: 2, tension: 0.25, spanGaps: true, borderWidth: 2 });
    charts.latency = new Chart($('#chart-latency'), {
      type: 'line',
      data: { labels: [], datasets: [line('p50', COLORS.p50), line('p90', COLORS.p90), line('p95', COLORS.p95), line('p99', COLORS.p99)] },
      options: latencyOptions,
    });
  }
  function showSeries(ts) {
    ensureCharts();
    if (!charts.volume) return;
    const g = ts.granularity;
    const points = ts.points.map((p) => ({ point: p, title: fmtFull.format(new Date(p.timestamp)) + ' UTC' }));
    const labels = ts.points.map((p) => bucketLabel(p.timestamp, g));
    charts.volume.$points = points;
    charts.volume.data.labels = labels;
    charts.volume.data.datasets[0].data = ts.points.map((p) => p.events);
    charts.volume.data.datasets[1].data = ts.points.map((p) => (p.total > 0 ? p.delivery_rate_percent : null));
    charts.volume.update();
    charts.latency.$points = points;
    charts.latency.data.labels = labels;
    ['p50', 'p90', 'p95', 'p99'].forEach((k, i) => {
      charts.latency.data.datasets[i].data = ts.points.map((p) => (p.latency_seconds && p.latency_seconds[k] > 0 ? p.latency_seconds[k] : null));
    });
    charts.latency.update();
    $('#volume-granularity').textContent = `per ${g} · events by occurred time, rate by first event`;
  }

  // ---------- breakdowns ----------
  function showBreakdown(card, data) {
    const dim = card.dataset.dimension;
    const tbody = $('tbody', card);
    tbody.replaceChildren();
    const rows = data.rows.filter((r) => r.total > 0 || r.events > 0).slice(0, 8);
    if (rows.length === 0) {
      tbody.append(el('tr', {}, el('td', { colspan: 4, class: 'empty' }, 'No traffic in this window')));
      return;
    }
    const max = Math.max(...rows.map((r) => r.total), 1);
    for (const r of rows) {
      const share = (r.total / max) * 100;
      const seg = (n, cls) => (r.total > 0 && n > 0 ? el('span', { class: cls, style: `width:${(n / r.total) * 100}%` }) : null);
      const selected = state.filters.some((f) => f.dim === dim && f.value === r.key);
      const tr = el('tr', {
        class: `${r.key === null ? '' : 'clickable'} ${selected ? 'selected' : ''}`,
        dataset: { key: r.key ?? '' },
        title: r.key === null ? 'items without this dimension' : `Filter by ${dim} ${r.key}`,
        tabindex: r.key === null ? null : 0,
        onclick: r.key === null ? null : () => addFilter(dim, r.key),
        onkeydown: r.key === null ? null : (ev) => { if (ev.key === 'Enter') addFilter(dim, r.key); },
      },
        el('td', { class: 'key-cell' },
          el('span', { class: r.key === null ? 'key none' : 'key' }, r.key === null ? '(none)' : r.key),
          el('div', { class: 'bar', style: `width:${Math.max(share, 2)}%` }, seg(r.delivered, 'b-good'), seg(r.failed, 'b-bad'), seg(r.pending, 'b-wait'))),
        el('td', { class: 'num' }, fmtInt(r.total)),
        el('td', { class: 'num pct-good' }, fmtPct(r.delivery_rate_percent)),
        el('td', { class: 'num pct-bad' }, fmtPct(r.failure_rate_percent)));
      tbody.append(tr);
    }
  }

  // ---------- errors ----------
  function showFailures(f) {
    const tbody = $('#errors tbody');
    tbody.replaceChildren();
    const trend = f.trend === 'stable' ? 'stable' : `${f.trend}${f.change_percent === null ? '' : ` ${f.change_percent > 0 ? '+' : ''}${f.change_percent.toFixed(0)} %`}`;
    $('#errors-total').textContent = `${fmtInt(f.total_failures)} failures · ${trend} vs previous window`;
    let codes = f.by_code.filter((c) => c.count > 0);
    if (state.errorCode) codes = codes.filter((c) => c.code === state.errorCode);
    if (codes.length === 0) {
      tbody.append(el('tr', {}, el('td', { colspan: 4, class: 'empty' }, state.errorCode ? `No ${state.errorCode} failures in this window` : 'No failures in this window')));
      return;
    }
    const max = Math.max(...codes.map((c) => c.count), 1);
    for (const c of codes) {
      tbody.append(el('tr', { class: `clickable ${state.errorCode === c.code ? 'selected' : ''}`, dataset: { code: c.code }, title: `Filter by error code ${c.code}`, tabindex: 0,
        onclick: () => setErrorCode(c.code), onkeydown: (ev) => { if (ev.key === 'Enter') setErrorCode(c.code); } },
        el('td', {}, el('span', { class: 'code-link' }, c.code), el('span', { class: 'desc' }, c.provider_family)),
        el('td', {}, el('span', { class: 'cat', dataset: { group: c.group } }, c.category.replace(/_/g, ' ')), el('span', { class: 'desc' }, c.description)),
        el('td', { class: 'num' }, fmtInt(c.count), el('div', { class: 'bar', style: `width:${Math.max((c.count / max) * 100, 4)}%;margin-left:auto` }, el('span', { class: 'b-bad', style: 'width:100%' })),
          el('span', { class: 'desc' }, `${c.percentage.toFixed(1)} %`)),
        el('td', { class: 'resolution' }, c.resolution)));
    }
  }

  // ---------- OTP ----------
  function showOtp(health, alerts) {
    const badge = $('#otp-status');
    const services = $('#otp-services');
    const list = $('#otp-alerts');
    services.replaceChildren();
    list.replaceChildren();
    if (!health) {
      badge.dataset.status = 'unknown';
      badge.textContent = '–';
      services.append(el('li', {}, el('span', { class: 'muted' }, 'Pick a team to see its OTP services.')));
      return;
    }
    badge.dataset.status = health.status;
    badge.textContent = health.status;
    if (health.services.length === 0) services.append(el('li', {}, el('span', { class: 'muted' }, 'No OTP services configured.')));
    for (const s of health.services) {
      services.append(el('li', { title: s.reason },
        el('span', {}, el('b', {}, s.name), ' ', el('span', { class: 'muted small' }, `${s.sender} · ${s.enabled ? `priority ${s.priority}` : 'disabled'}`)),
        el('span', { class: 'health-badge', dataset: { status: s.status } }, s.status)));
    }
    if (!alerts || alerts.alerts.length === 0) list.append(el('li', { class: 'muted', style: 'border-left-color:#16a34a' }, 'No active alerts.'));
    else for (const a of alerts.alerts) list.append(el('li', { dataset: { severity: a.severity } }, el('span', { class: 'sev' }, a.severity), a.message));
  }

  // ---------- loading ----------
  async function loadCharts(generation) {
    const w = windowParams();
    const r = RANGES[state.range];
    const [series, failures, ...breakdowns] = await Promise.all([
      api('/api/v1/metrics/timeseries', scopeParams({ ...w, granularity: r.granularity })),
      api('/api/v1/failures', scopeParams({ ...w, limit: 10 })),
      ...$$('.breakdown').map((card) => api('/api/v1/metrics/breakdown', scopeParams({ ...w, by: card.dataset.dimension }))),
    ]);
    if (generation !== loadGeneration) return;
    showSeries(series);
    showFailures(failures);
    $$('.breakdown').forEach((card, i) => showBreakdown(card, breakdowns[i]));
    if (state.range === '24h' && !lastTick) {
      const campaigns = breakdowns[$$('.breakdown').findIndex((c) => c.dataset.dimension === 'campaign')];
      const active = campaigns.rows.filter((x) => x.key !== null && (x.total > 0 || x.events > 0)).length;
      setKpi('active_campaigns', active, fmtInt(active));
    }
    lastChartLoad = Date.now();
  }
  // The query of a per-team route: the admin's picked team (a team key's is implied); null while an admin has picked none.
  function oneTeamParams() {
    const team = state.session.is_admin ? state.team : state.session.team?.id;
    if (!team) return null;
    const p = new URLSearchParams();
    if (state.session.is_admin) p.set('team', team);
    return p;
  }
  async function loadOtp(generation) {
    const p = oneTeamParams();
    if (!p) { showOtp(null, null); return; }
    const [health, alerts] = await Promise.all([api('/api/delivery-metrics/health', p), api('/api/delivery-metrics/alerts', p)]);
    if (generation === loadGeneration) showOtp(health, alerts);
  }
  // Consent comes from inbound STOP/START keywords (/api/v1/analytics/consent), per team.
  async function loadConsent(generation) {
    const p = oneTeamParams();
    const sub = $('#kpi-optin-sub');
    if (!p) { setKpi('opt_in_rate', null, '—'); sub.textContent = 'pick a team'; return; }
    const c = await api('/api/v1/analytics/consent', p);
    if (generation !== loadGeneration) return;
    if (c.contacts_with_consent === 0) { setKpi('opt_in_rate', null, '—'); sub.textContent = 'no STOP/START replies yet'; return; }
    setKpi('opt_in_rate', c.opt_in_rate_percent, `${c.opt_in_rate_percent.toFixed(1)} %`);
    sub.textContent = `${fmtInt(c.opted_in)} of ${fmtInt(c.contacts_with_consent)} contacts who replied`;
  }
  // Seed 003's Total Users: the team's distinct recipients and contact records (/api/v1/analytics/users).
  async function loadUsers(generation) {
    const p = oneTeamParams();
    const sub = $('#kpi-users-sub');
    if (!p) { setKpi('total_users', null, '—'); sub.textContent = 'pick a team'; return; }
    const u = await api('/api/v1/analytics/users', p);
    if (generation !== loadGeneration) return;
    setKpi('total_users', u.total_users, fmtInt(u.total_users));
    const trends = u.user_demographics.signup_trends;
    sub.textContent = `${fmtInt(trends.last_30_days)} joined in 30 days${trends.growth_rate ? ` (${trends.growth_rate})` : ''}`;
  }
  async function loadAll() {
    const generation = ++loadGeneration;
    document.body.dataset.loading = 'true';
    showBanner(null);
    $$('.range-label').forEach((n) => { n.textContent = RANGES[state.range].label; });
    try {
      const summary = await api('/api/v1/metrics/summary', scopeParams(windowParams()));
      if (generation !== loadGeneration) return;
      showSummary(summary);
      await Promise.all([loadCharts(generation), loadOtp(generation), loadConsent(generation), loadUsers(generation)]);
    } catch (e) {
      if (e.status !== 401) showBanner(`Could not load the dashboard: ${e.message}`);
    } finally {
      if (generation === loadGeneration) {
        document.body.dataset.loading = 'false';
        document.body.dataset.loaded = String(generation);
      }
    }
  }
  function scheduleChartReload() {
    if (chartReloadTimer) return;
    const wait = Math.max(0, CHART_REFRESH_MS - (Date.now() - lastChartLoad));
    chartReloadTimer = setTimeout(async () => {
      chartReloadTimer = null;
      try { await loadCharts(loadGeneration); } catch (e) { if (e.status !== 401) showBanner(`Could not refresh: ${e.message}`); }
    }, wait);
  }

  // ---------- live stream ----------
  function setLive(mode, text) {
    const live = $('#live');
    live.dataset.state = mode;
    $('#live-text').textContent = text;
  }
  function connect() {
    if (source) source.close();
    clearTimeout(reconnectTimer);
    lastTick = null;
    const params = scopeParams({ window: state.range });
    const es = new EventSource(`/api/v1/stream?${params}`, { withCredentials: true });
    source = es;
    setLive('connecting', 'Connecting…');
    es.addEventListener('tick', (ev) => {
      if (es !== source) return;
      const t = JSON.parse(ev.data);
      if (t.window_minutes !== RANGES[state.range].minutes) return;
      const previous = lastTick;
      lastTick = t;
      setLive('live', 'Live');
      showSummary(t.summary);
      setKpi('events_per_second', t.events_per_second, fmtRate(t.events_per_second));
      $('#kpi-tps-sub').textContent = `events/s · ${fmtInt(t.events_last_minute)} in the last full minute`;
      setKpi('active_campaigns', t.active_campaigns, fmtInt(t.active_campaigns));
      showUptime(t.uptime_seconds);
      document.body.dataset.ticks = String((Number(document.body.dataset.ticks) || 0) + 1);
      if (previous && (previous.summary.events !== t.summary.events || previous.summary.total !== t.summary.total)) scheduleChartReload();
    });
    es.addEventListener('activity', (ev) => {
      if (es !== source) return;
      addActivity(JSON.parse(ev.data));
    });
    es.onerror = () => {
      if (es !== source) return;
      if (es.readyState === EventSource.CLOSED) {
        // The server refused the stream (signed out?) or is gone: check the session, then try again.
        setLive('offline', 'Offline — retrying');
        reconnectTimer = setTimeout(async () => {
          try { await api('/api/v1/dashboard/session'); } catch { return; }
          connect();
        }, 5000);
      } else {
        setLive('reconnecting', 'Reconnecting…');
      }
    };
  }
  function addActivity(entries) {
    const feed = $('#feed');
    for (const a of entries) {
      if (state.errorCode && a.error_code !== state.errorCode) continue;
      const dims = [a.channel, a.provider].filter(Boolean).join(' · ') || a.kind;
      const started = a.event_type === 'campaign_started';
      const detail = started ? `started${a.estimated_recipients ? ` · ${fmtInt(a.estimated_recipients)} recipients` : ''}`
        : a.delivery_time_seconds !== undefined ? `delivered in ${fmtSeconds(a.delivery_time_seconds)}` : '';
      const li = el('li', { class: 'new', dataset: { item: a.item_id, outcome: a.outcome, eventType: a.event_type } },
        el('time', { datetime: a.occurred_at, title: `${fmtFull.format(new Date(a.occurred_at))} UTC (received ${fmtHms.format(new Date(a.received_at))})` }, fmtHms.format(new Date(a.occurred_at))),
        el('button', { type: 'button', class: 'item link-button', title: `Open ${a.item_id}`, onclick: () => openItem(a.item_id) }, a.item_id),
        el('span', {}, statusChip(a.status, a.outcome)),
        el('span', { class: 'dim' }, dims, a.error_code ? ` · ${a.error_code}` : '', detail && !started ? ` · ${detail}` : ''),
        el('span', { class: 'dim' }, a.campaign_name || a.campaign || '', started ? ` ${detail}` : ''),
        el('span', { class: 'country' }, a.country || ''));
      feed.prepend(li);
    }
    while (feed.children.length > FEED_MAX) feed.lastElementChild.remove();
    $('#feed-empty').hidden = feed.children.length > 0;
  }

  // ---------- filters ----------
  function renderChips() {
    const chips = $('#chips');
    chips.replaceChildren();
    const all = state.filters.map((f) => ({ ...f, remove: () => removeFilter(f.dim, f.value) }));
    if (state.errorCode) all.push({ dim: 'error code', value: state.errorCode, remove: () => setErrorCode(null) });
    for (const f of all) {
      chips.append(el('span', { class: 'chip', dataset: { dim: f.dim, value: f.value } },
        el('span', {}, `${f.dim} `, el('b', {}, f.value)),
        el('button', { type: 'button', 'aria-label': `Remove filter ${f.dim} ${f.value}`, onclick: f.remove }, '×')));
    }
    $('#filterbar').hidden = all.length === 0;
    $('#filter-note').hidden = !state.errorCode;
  }
  function changed({ reconnect = true } = {}) {
    writeHash();
    if (state.tab !== 'overview') window.HeraldPanels?.show(state.tab);
    renderChips();
    $$('.range button').forEach((b) => b.classList.toggle('active', b.dataset.range === state.range));
    $('#feed').replaceChildren();
    $('#feed-empty').hidden = false;
    loadAll();
    if (reconnect) connect();
  }
  function addFilter(dim, value) {
    if (state.filters.some((f) => f.dim === dim && f.value === value)) return;
    state.filters.push({ dim, value });
    changed();
  }
  function removeFilter(dim, value) {
    state.filters = state.filters.filter((f) => !(f.dim === dim && f.value === value));
    changed();
  }
  function setErrorCode(code) {
    state.errorCode = state.errorCode === code ? null : code;
    changed({ reconnect: true });
  }

  // ---------- item timeline and search ----------
  function openDialog(title, body) {
    $('#detail-title').textContent = title;
    $('#detail-body').replaceChildren(body);
    const d = $('#detail');
    if (!d.open) d.showModal();
  }
  function fact(label, value) {
    return el('div', {}, el('dt', {}, label), el('dd', {}, value === null || value === undefined || value === '' ? '–' : value));
  }
  function itemView(item) {
    const facts = el('dl', { class: 'facts' },
      fact('Status', statusChip(item.status, item.outcome)),
      fact('Kind', item.kind),
      fact('Team', item.team),
      fact('Channel', item.channel),
      fact('Provider', item.provider),
      fact('Country', item.country),
      fact('Campaign', item.campaign),
      fact('Recipient', item.recipient),
      fact('Account', item.account),
      fact('Route', item.route),
      fact('Latency', item.latency_seconds === null ? null : fmtSeconds(item.latency_seconds)),
      fact('Cost', item.cost ? item.cost.toFixed(4) : null),
      fact('First event', `${fmtFull.format(new Date(item.earliest_at))} UTC`),
      fact('Events', fmtInt(item.event_count)));
    const events = [...(item.events || [])].sort((a, b) => (a.occurred_at < b.occurred_at ? -1 : a.occurred_at > b.occurred_at ? 1 : 0));
    const timeline = el('ol', { class: 'timeline', id: 'timeline' }, events.map((e) => el('li', { dataset: { outcome: outcomeOf(e.status), status: e.status } },
      el('div', { class: 'when' }, `${fmtFull.format(new Date(e.occurred_at))} UTC`),
      el('div', { class: 'what' }, statusChip(e.status), [e.channel, e.provider, e.country].filter(Boolean).join(' · '),
        e.attempt ? el('span', { class: 'muted small' }, `attempt ${e.attempt}`) : null,
        e.event_id ? el('span', { class: 'muted small' }, e.event_id) : null),
      e.error_code || e.error_message ? el('div', { class: 'err' }, [e.error_code, e.error_message].filter(Boolean).join(' — ')) : null)));
    return el('div', {}, facts, el('h3', { class: 'subhead' }, 'Timeline'), events.length ? timeline : el('p', { class: 'empty' }, 'No events.'));
  }
  async function openItem(id) {
    try {
      const item = await api(`/api/v1/items/${encodeURIComponent(id)}`, state.team ? new URLSearchParams({ team: state.team }) : null);
      openDialog(`Item ${item.item_id}`, itemView(item));
    } catch (e) {
      openDialog(`Item ${id}`, el('p', { class: 'banner error' }, e.message));
    }
  }
  async function search(text) {
    const q = text.trim();
    if (!q) return;
    const teamParams = state.team ? new URLSearchParams({ team: state.team }) : null;
    try {
      const item = await api(`/api/v1/items/${encodeURIComponent(q)}`, teamParams);
      openDialog(`Item ${item.item_id}`, itemView(item));
      return;
    } catch (e) {
      if (e.status !== 404) { openDialog(`Search “${q}”`, el('p', { class: 'banner error' }, e.message)); return; }
    }
    try {
      const items = await api(`/api/v1/recipients/${encodeURIComponent(q)}/history`, teamParams);
      if (items.length === 0) {
        openDialog(`Search “${q}”`, el('p', { class: 'empty', id: 'search-empty' }, `No item with id “${q}” and nothing sent to that recipient.`));
        return;
      }
      openDialog(`Recipient ${q}`, el('div', {},
        el('p', { class: 'muted' }, `${items.length} latest item${items.length === 1 ? '' : 's'} sent to this recipient:`),
        el('ul', { class: 'results' }, items.map((i) => el('li', {},
          el('button', { type: 'button', class: 'link-button code-link', onclick: () => openItem(i.item_id) }, i.item_id),
          el('span', {}, statusChip(i.status, i.outcome), ' ', el('span', { class: 'muted small' }, `${[i.channel, i.provider].filter(Boolean).join(' · ')} · ${fmtFull.format(new Date(i.earliest_at))} UTC`)))))));
    } catch (e) {
      openDialog(`Search “${q}”`, el('p', { class: 'banner error' }, e.message));
    }
  }

  // ---------- tabs (the other panels' script is loaded the first time one of them is opened) ----------
  let panelsScript = null;
  function loadPanels() {
    panelsScript ||= new Promise((resolve, reject) => {
      const script = el('script', { src: '/monitoring/assets/panels.js' });
      script.addEventListener('load', () => (window.HeraldPanels ? resolve(window.HeraldPanels) : reject(new Error('panels.js did not start'))));
      script.addEventListener('error', () => { panelsScript = null; reject(new Error('could not load panels.js')); });
      document.head.append(script);
    });
    return panelsScript;
  }
  async function selectTab(tab, { focus = false } = {}) {
    if (!TABS.includes(tab) || $(`#tab-${tab}`).hidden) tab = 'overview';
    const previous = state.tab;
    state.tab = tab;
    document.body.dataset.tab = tab;
    for (const button of $$('#tabs [role="tab"]')) {
      const selected = button.dataset.tab === tab;
      button.setAttribute('aria-selected', String(selected));
      button.tabIndex = selected ? 0 : -1;
      if (selected && focus) button.focus();
    }
    for (const t of TABS) $(`#panel-${t}`).hidden = t !== tab;
    writeHash();
    if (previous !== tab && previous !== 'overview') window.HeraldPanels?.hide(previous);
    if (tab === 'overview') return;
    const panel = $(`#panel-${tab}`);
    try {
      const panels = await loadPanels();
      if (state.tab === tab) panels.show(tab);
    } catch (e) {
      panel.replaceChildren(el('p', { class: 'banner error', role: 'alert' }, `Could not open this tab: ${e.message}`));
    }
  }
  function setUpTabs() {
    // The audit trail is a tab only for sessions that may read it (an admin key, or a team key with audit:read).
    $('#tab-audit').hidden = !(state.session.is_admin || state.session.scopes.includes('audit:read'));
    const buttons = $$('#tabs [role="tab"]').filter((b) => !b.hidden);
    buttons.forEach((button, i) => {
      button.addEventListener('click', () => selectTab(button.dataset.tab));
      button.addEventListener('keydown', (ev) => {
        const moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: buttons.length - 1 };
        if (!(ev.key in moves)) return;
        ev.preventDefault();
        selectTab(buttons[(moves[ev.key] + buttons.length) % buttons.length].dataset.tab, { focus: true });
      });
    });
    window.addEventListener('hashchange', () => {
      const tab = new URLSearchParams(location.hash.slice(1)).get('tab') || 'overview';
      if (tab !== state.tab) selectTab(tab);
    });
  }

  // What panels.js uses of this page (one copy of the formatting, the API calls and the session).
  window.HeraldDashboard = {
    state, api, apiSend, el, $, $$, COLORS, ApiError, RANGES, openItem, statusChip,
    fmt: { int: fmtInt, pct: fmtPct, seconds: fmtSeconds, rate: fmtRate, uptime: fmtUptime, full: fmtFull, hm: fmtHm, day: fmtDay, bucketLabel },
    scopeParams,
    /** The team the per-team panels are about: the key's own, or the admin's picked one (null: all teams). */
    team: () => (state.session?.is_admin ? state.team : state.session?.team?.id ?? null),
    /** Query parameters naming the team for an admin key (a team key's team is implied). */
    teamParams: (extra) => {
      const p = new URLSearchParams();
      if (state.session?.is_admin && state.team) p.set('team', state.team);
      for (const [k, v] of Object.entries(extra || {})) if (v !== null && v !== undefined) p.set(k, v);
      return p;
    },
  };

  // ---------- start ----------
  async function start() {
    readHash();
    try {
      state.session = await api('/api/v1/dashboard/session');
    } catch (e) {
      if (e.status !== 401) showBanner(`Could not load the session: ${e.message}`);
      return;
    }
    const s = state.session;
    if (s.is_admin) {
      const select = $('#team-select');
      select.append(el('option', { value: '' }, 'All teams'));
      for (const t of s.teams) select.append(el('option', { value: t.id }, t.name));
      if (state.team && !s.teams.some((t) => t.id === state.team)) state.team = null;
      select.value = state.team || '';
      select.addEventListener('change', () => { state.team = select.value || null; changed(); });
      $('#team-picker').hidden = false;
    } else {
      state.team = null;
      $('#team-name').textContent = s.team ? s.team.name : '';
    }
    showUptime(s.uptime_seconds);
    $$('.range button').forEach((b) => b.addEventListener('click', () => { if (state.range !== b.dataset.range) { state.range = b.dataset.range; changed(); } }));
    $('#clear-filters').addEventListener('click', () => { state.filters = []; state.errorCode = null; changed(); });
    $('#search-form').addEventListener('submit', (ev) => { ev.preventDefault(); search($('#search-input').value); });
    $('#detail-close').addEventListener('click', () => $('#detail').close());
    $('#detail').addEventListener('click', (ev) => { if (ev.target === ev.currentTarget) ev.currentTarget.close(); });
    setInterval(() => { if (lastTick === null) return; loadOtp(loadGeneration).catch(() => {}); }, 30000);
    setUpTabs();
    changed();
    if (state.tab !== 'overview') selectTab(state.tab);
    else document.body.dataset.tab = 'overview';
  }
  document.addEventListener('DOMContentLoaded', start);
})();
