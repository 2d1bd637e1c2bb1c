// Taifeng live warnings page: draws the regions from /api/regions, the warnings and the storm
// from /api/warnings, and fetches them again whenever /events (Server-Sent Events) says so.
"use strict";
// The cone is drawn to +72 h, as the union of the forecast points' circles (one translucent layer).
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const map = document.getElementById("map");
  const W = 1000, H = 700;
  let regions = [], view = null, layers = {};
  window.taifengLoadedAt = Date.now();  // a reload would change it (the browser test checks)
  window.taifengUpdates = 0;

  function el(name, attrs, parent) {
    const e = document.createElementNS(SVG, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  // The regions, and the storm's position and next 72 h when they are near (within 8° of the regions).
  function fitView(situation) {
    let minLon = 180, maxLon = -180, minLat = 90, maxLat = -90;
    for (const r of regions) for (const ring of r.rings) for (const [lon, lat] of ring) {
      minLon = Math.min(minLon, lon); maxLon = Math.max(maxLon, lon); minLat = Math.min(minLat, lat); maxLat = Math.max(maxLat, lat);
    }
    const box = [minLon - 8, maxLon + 8, minLat - 8, maxLat + 8];
    minLon -= 1.5; maxLon += 1.5; minLat -= 1.5; maxLat += 1;
    if (situation && situation.observed && situation.observed.length) {
      const pts = [situation.observed[situation.observed.length - 1]].concat(situation.forecast.filter(f => f.lead_h <= 72));
      for (const p of pts) {
        const lon = Math.min(Math.max(p.lon, box[0]), box[1]), lat = Math.min(Math.max(p.lat, box[2]), box[3]);
        minLon = Math.min(minLon, lon - 1); maxLon = Math.max(maxLon, lon + 1); minLat = Math.min(minLat, lat - 1); maxLat = Math.max(maxLat, lat + 1);
      }
    }
    const k = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180);
    const scale = Math.min(W / ((maxLon - minLon) * k), H / (maxLat - minLat));
    view = { minLon, maxLat, k, scale, ox: (W - (maxLon - minLon) * k * scale) / 2, oy: (H - (maxLat - minLat) * scale) / 2 };
  }
  function xy(lon, lat) {
    return [view.ox + (lon - view.minLon) * view.k * view.scale, view.oy + (view.maxLat - lat) * view.scale];
  }
  function path(points) {
    return points.map((p, i) => (i ? "L" : "M") + xy(p[0], p[1]).map(v => v.toFixed(1)).join(",")).join("");
  }
  function drawRegions() {
    layers.regions = el("g", { id: "regions" }, map);
    layers.analogs = el("g", { id: "analogs" }, map);
    layers.cone = el("g", { id: "cone" }, map);
    layers.track = el("g", { id: "track" }, map);
    layers.labels = el("g", { id: "labels" }, map);
    for (const r of regions) {
      const d = r.rings.map(ring => path(ring) + "Z").join("");
      const p = el("path", { d, class: "region", "data-code": r.code, id: "region-" + r.code }, layers.regions);
      const t = el("title", {}, p);
      t.textContent = r.name + " " + r.name_en;
      let sx = 0, sy = 0, n = 0;
      for (const [lon, lat] of r.rings[0]) { const [x, y] = xy(lon, lat); sx += x; sy += y; n++; }
      const label = el("text", { x: (sx / n).toFixed(1), y: (sy / n).toFixed(1), class: "label" }, layers.labels);
      label.textContent = r.name.replace(/市$/, "");
    }
  }
  function kmToPx(km, lat) { return (km / 111.32) * view.scale; }
  function drawStorm(s) {
    for (const k of ["analogs", "cone", "track"]) while (layers[k].firstChild) layers[k].removeChild(layers[k].firstChild);
    const storm = document.getElementById("storm");
    if (!s || !s.observed || !s.observed.length) { storm.textContent = "No storm on the feed · 暂无台风"; return; }
    const now = s.observed[s.observed.length - 1];
    for (const a of s.analogs || []) {
      const p = el("path", { d: path(a.track.map(q => [q.lon, q.lat])), class: "analog" }, layers.analogs);
      el("title", {}, p).textContent = a.name + " (" + a.id + "), weight " + Math.round(a.weight * 100) + "%";
    }
    for (const f of s.forecast) if (f.cone_km && f.lead_h <= 72) el("circle", { cx: xy(f.lon, f.lat)[0].toFixed(1), cy: xy(f.lon, f.lat)[1].toFixed(1), r: kmToPx(f.cone_km, f.lat).toFixed(1), class: "cone" }, layers.cone);
    el("path", { d: path(s.observed.map(q => [q.lon, q.lat])), class: "obs", id: "observed" }, layers.track);
    el("path", { d: path([[now.lon, now.lat]].concat(s.forecast.map(q => [q.lon, q.lat]))), class: "fc", id: "forecast" }, layers.track);
    const [x, y] = xy(now.lon, now.lat);
    el("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 6, class: "now" }, layers.track);
    const pos = Math.abs(now.lat).toFixed(1) + (now.lat >= 0 ? "N " : "S ") + Math.abs(now.lon).toFixed(1) + (now.lon >= 0 ? "E" : "W");
    storm.textContent = s.storm_name + " at " + now.t + ": " + pos + ", " + (now.wind_ms == null ? "?" : Math.round(now.wind_ms)) +
      " m/s (10-min mean), " + (now.pressure_hpa == null ? "?" : Math.round(now.pressure_hpa)) + " hPa · forecast " + s.method + ", " +
      s.forecast.length + " points to +" + (s.forecast.length ? s.forecast[s.forecast.length - 1].lead_h : 0) + " h";
  }
  function show(model) {
    const status = document.getElementById("status");
    status.className = "status " + model.feed;
    status.textContent = (model.feed === "lost" ? "FEED LOST 信号中断 — may be out of date" : model.feed === "live" ? "live 实时" : "syncing") +
      " · seq " + model.seq + " · updated " + model.now_utc;
    const ex = model.warnings.find(w => w.status !== "Actual");
    const banner = document.getElementById("exercise");
    banner.hidden = !ex;
    if (ex) banner.textContent = ex.status.toUpperCase() + " — 演习/测试信息，非真实预警 — not a real warning";
    for (const p of layers.regions.children) p.setAttribute("class", "region");
    const list = document.getElementById("warnings");
    while (list.firstChild) list.removeChild(list.firstChild);
    const sorted = model.warnings.slice().sort((a, b) => b.rank - a.rank || a.region.localeCompare(b.region));
    for (const w of sorted) {
      const region = document.getElementById("region-" + w.region);
      if (region) {
        const cls = region.getAttribute("class");
        region.setAttribute("class", cls + (w.kind === "typhoon" || w.kind === "rainstorm" ? " s-" : " f-") + w.signal);
      }
      const li = document.createElement("li");
      li.className = "s-" + w.signal;
      li.dataset.identifier = w.identifier;
      li.dataset.region = w.region;
      const add = (cls, text, lang) => { const e = document.createElement("div"); e.className = cls; e.textContent = text; if (lang) e.lang = lang; li.appendChild(e); return e; };
      // Each jurisdiction's own language and local time (Hong Kong: zh-HK, HKT; Guangdong: zh-CN, 北京时间).
      const p = w.presentation || { language_zh: "zh-CN", time_label_en: "Beijing time", short_label_en: "" };
      add("hl", w.headline_zh, p.language_zh);
      add("hl", w.headline_en, "en");
      add("meta", w.msg_type + " (" + w.change + ") · sent " + localTime(w.sent_utc, w.sent) + " " + p.time_label_en + " · until " +
        localTime(w.expires_utc, w.sent) + " " + p.time_label_en +
        (w.storm_distance_km == null ? "" : " · storm " + Math.round(w.storm_distance_km) + " km") + " · " + w.status);
      if (w.description_zh) add("desc", w.description_zh, p.language_zh);
      if (w.description_en) add("desc", w.description_en, "en");
      const a = document.createElement("a");
      a.href = w.cap_url; a.textContent = "CAP " + w.identifier; a.className = "meta";
      li.appendChild(a);
      list.appendChild(li);
    }
    document.getElementById("count").textContent = "(" + model.warnings.length + ")";
    drawStorm(model.situation);
    window.taifengSeq = model.seq;
  }
  // "2018-09-16 08:00": a UTC time in the offset of the message's CAP `sent` ("…+08:00").
  function localTime(utc, sent) {
    const m = /([+-])(\d\d):(\d\d)$/.exec(sent || "");
    const offset = m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
    const t = new Date(Date.parse(utc) + offset * 60000).toISOString();
    return t.slice(0, 10) + " " + t.slice(11, 16);
  }
  function refresh() {
    return fetch("/api/warnings", { cache: "no-store" }).then(r => r.json()).then(m => { show(m); window.taifengUpdates++; });
  }
  Promise.all([fetch("/api/regions").then(r => r.json()), fetch("/api/warnings", { cache: "no-store" }).then(r => r.json())]).then(([j, m]) => {
    regions = j.regions;
    fitView(m.situation);
    drawRegions();
    show(m);
    window.taifengUpdates++;
  }).then(connect);

  // Live updates by Server-Sent Events. When the gateway refuses the stream (it serves a bounded
  // number: 503) the page polls /api/warnings every 15 s and asks for a stream again a minute later.
  let poll = null;
  function connect() {
    const events = new EventSource("/events");
    events.addEventListener("update", () => refresh());
    events.onopen = () => {
      if (poll) clearInterval(poll);
      poll = null;
    };
    events.onerror = () => {
      const status = document.getElementById("status");
      if (events.readyState === EventSource.CLOSED) {
        events.close();
        if (!poll) poll = setInterval(() => refresh().catch(() => {}), 15000);
        setTimeout(connect, 60000);
        status.textContent = "live updates busy — refreshing every 15 s";
        return;
      }
      status.className = "status lost";
      status.textContent = "web gateway unreachable — reconnecting";
    };
  }
})();
