// Taifeng live warnings page: draws the regions from /api/regions, the warnings and the storm
// from /api/warnings, and fetches them again whenever /events (Server-Sent Events) says so.
"use strict";
// The cone is drawn to +72 h, as the union of the forecast points' circles (one translucent layer).
// Taifeng live warnings page, on Leaflet (vendored, served by the gateway: no tiles or scripts from
// the internet). Draws the basin's land (/api/land) and the regions (/api/regions) as vector
// layers, the warnings and the storm from /api/warnings, and fetches them again whenever /events
// (Server-Sent Events) says so. Pan and zoom; the view follows the storm and the regions at risk.
"use strict";
(function () {
  let regions = [], map = null, layers = {}, regionLayers = {}, followed = false;
  window.taifengLoadedAt = Date.now();  // a reload would change it (the browser test checks)
  window.taifengUpdates = 0;

  // China's scale (GB/T 19201, 10-minute wind, m/s) and a colour per category.
  const GRADES = [[51.0, "#8b1a9b", "SuperTY"], [41.5, "#e03131", "STY"], [32.7, "#f08c00", "TY"], [24.5, "#e6b800", "STS"],
                  [17.2, "#2f9e44", "TS"], [10.8, "#1c7ed6", "TD"], [-1, "#adb5bd", "< TD"]];
  function grade(wind) {
    if (wind == null) return GRADES[GRADES.length - 1];
    for (const g of GRADES) if (wind >= g[0]) return g;
    return GRADES[GRADES.length - 1];
  }
  function makeMap() {
    map = L.map("map", { zoomSnap: 0.25, preferCanvas: false, attributionControl: true, worldCopyJump: false });
    map.attributionControl.setPrefix("Leaflet").addAttribution("Land: Natural Earth");
    for (const [name, z] of [["land", 300], ["regions", 350], ["analogs", 420], ["cone", 430], ["track", 450]]) {
      map.createPane(name).style.zIndex = z;
      map.getPane(name).id = name;
    }
    layers.analogs = L.layerGroup().addTo(map);
    layers.cone = L.layerGroup().addTo(map);
    layers.track = L.layerGroup().addTo(map);
    map.setView([22.3, 113.8], 6);
  }
  function drawLand(geojson) {
    L.geoJSON(geojson, { pane: "land", interactive: false, style: { color: "#9a8f78", weight: 0.6, fillColor: "#efe8d6", fillOpacity: 1 } }).addTo(map);
  }
  function drawRegions() {
    for (const r of regions) {
      const latlngs = r.rings.map(ring => ring.map(([lon, lat]) => [lat, lon]));
      const layer = L.polygon(latlngs, { pane: "regions", className: "region", weight: 0.8 }).addTo(map);
      layer.bindTooltip(r.name + " " + r.name_en, { sticky: true });
      const e = layer.getElement();
      e.dataset.code = r.code;
      e.id = "region-" + r.code;
      regionLayers[r.code] = layer;
    }
  }
  function drawStorm(s) {
    for (const k of ["analogs", "cone", "track"]) layers[k].clearLayers();
    const storm = document.getElementById("storm");
    if (!s || !s.observed || !s.observed.length) { storm.textContent = "No storm on the feed · 暂无台风"; return; }
    const now = s.observed[s.observed.length - 1];
    for (const a of s.analogs || []) {
      L.polyline(a.track.map(q => [q.lat, q.lon]), { pane: "analogs", className: "analog", color: "#7a7a7a", weight: 1, opacity: 0.6 })
        .bindTooltip(a.name + " (" + a.id + "), weight " + Math.round(a.weight * 100) + "%").addTo(layers.analogs);
    }
    // The cone as the service computed it (one polygon, the envelope of the circles to +72 h).
    const cone = (s.cone || []).map(([lon, lat]) => [lat, lon]);
    if (cone.length) L.polygon(cone, { pane: "cone", className: "cone", stroke: false, fillColor: "#dc1e1e", fillOpacity: 0.18 }).addTo(layers.cone);
    // The observed track, each segment in the category of its end, with the date at 00 UTC.
    for (let i = 1; i < s.observed.length; i++) {
      const p = s.observed[i - 1], q = s.observed[i];
      L.polyline([[p.lat, p.lon], [q.lat, q.lon]], { pane: "track", className: "obs", color: grade(q.wind_ms)[1], weight: 4 }).addTo(layers.track);
    }
    for (const q of s.observed) {
      const m = L.circleMarker([q.lat, q.lon], { pane: "track", radius: 3, color: "#000", weight: 0.5, fillColor: grade(q.wind_ms)[1], fillOpacity: 1 });
      m.bindTooltip(q.t + " · " + (q.wind_ms == null ? "?" : Math.round(q.wind_ms)) + " m/s (10-min) · " + grade(q.wind_ms)[2]);
      if (/T00:00/.test(q.t)) m.bindTooltip(q.t.slice(5, 10), { permanent: true, direction: "right", className: "tlabel" });
      m.addTo(layers.track);
    }
    L.polyline([[now.lat, now.lon]].concat(s.forecast.map(q => [q.lat, q.lon])), { pane: "track", className: "fc", color: "#c00", weight: 2, dashArray: "6 4" })
      .addTo(layers.track);
    for (const f of s.forecast) {
      if (f.lead_h % 24 !== 0) continue;
      L.circleMarker([f.lat, f.lon], { pane: "track", radius: 3, color: "#c00", fillColor: "#c00", fillOpacity: 1 })
        .bindTooltip("+" + f.lead_h + " h", { permanent: true, direction: "right", className: "tlabel fc" }).addTo(layers.track);
    }
    L.circleMarker([now.lat, now.lon], { pane: "track", radius: 7, className: "now", color: "#fff", weight: 2, fillColor: "#c00", fillOpacity: 1 }).addTo(layers.track);
    const pos = Math.abs(now.lat).toFixed(1) + (now.lat >= 0 ? "N " : "S ") + Math.abs(now.lon).toFixed(1) + (now.lon >= 0 ? "E" : "W");
    storm.textContent = s.storm_name + " at " + now.t + ": " + pos + ", " + (now.wind_ms == null ? "?" : Math.round(now.wind_ms)) +
      " m/s (10-min mean), " + (now.pressure_hpa == null ? "?" : Math.round(now.pressure_hpa)) + " hPa · forecast " + s.method + ", " +
      s.forecast.length + " points to +" + (s.forecast.length ? s.forecast[s.forecast.length - 1].lead_h : 0) + " h";
  }
  // The view: the storm now, its next 72 h, and the regions with a warning in force (all regions
  // when none is); followed on every update until the user pans or zooms.
  function follow(model) {
    if (followed) return;
    let b = null;
    const add = ll => { b = b ? b.extend(ll) : L.latLngBounds(ll, ll); };
    const s = model.situation;
    if (s && s.observed && s.observed.length) {
      const now = s.observed[s.observed.length - 1];
      add([now.lat, now.lon]);
      for (const f of s.forecast) if (f.lead_h <= 72) add([f.lat, f.lon]);
    }
    const atRisk = model.warnings.map(w => regionLayers[w.region]).filter(Boolean);
    for (const l of atRisk.length ? atRisk : Object.values(regionLayers)) { const lb = l.getBounds(); add(lb.getSouthWest()); add(lb.getNorthEast()); }
    if (b) map.fitBounds(b.pad(0.08), { animate: false });
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
    for (const code in regionLayers) regionLayers[code].getElement().setAttribute("class", "region leaflet-interactive");
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
    follow(model);
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
  makeMap();
  map.on("dragstart", () => { followed = true; });  // the user took the view: stop following
  Promise.all([fetch("/api/regions").then(r => r.json()), fetch("/api/warnings", { cache: "no-store" }).then(r => r.json()),
               fetch("/api/land").then(r => r.json())]).then(([j, m, land]) => {
    drawLand(land);
    regions = j.regions;
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
