// Taifeng live warnings page, on Leaflet (vendored, served by the gateway: no tiles or scripts from
// the internet). The server renders the state in force into the page (headlines, storm, warnings)
// and the model as JSON (#model); this script draws the map from it: the basin's land
// (/api/land), the regions (/api/regions) coloured by their signals (/signals.css), the storm's
// track, forecast and cone, analogs on demand. On every Server-Sent Event (/events) it fetches
// the model (/api/warnings) and the panel (/panel) again and swaps them in: no reload.
"use strict";
(function () {
  let map = null, layers = {}, regionLayers = {}, followed = false, model = null, drawn = "", view = "";
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
    map = L.map("map", { zoomSnap: 0.25, attributionControl: true });
    map.attributionControl.setPrefix("Leaflet").addAttribution("Land: Natural Earth");
    for (const [name, z] of [["land", 300], ["regions", 350], ["analogs", 420], ["cone", 430], ["track", 450]]) {
      map.createPane(name).style.zIndex = z;
      map.getPane(name).id = name;
    }
    for (const k of ["analogs", "cone", "track"]) layers[k] = L.layerGroup().addTo(map);
    map.setView([22.3, 113.8], 6);
    map.on("dragstart", () => { followed = true; });  // the user took the view: stop following
    map.on("resize", () => { if (model) follow(model); });  // a turned phone, a resized window
  }
  function drawRegions(regions) {
    for (const r of regions) {
      const latlngs = r.rings.map(ring => ring.map(([lon, lat]) => [lat, lon]));
      const layer = L.polygon(latlngs, { pane: "regions", className: "region", color: "#555", weight: 0.8 }).addTo(map);
      layer.bindTooltip(r.name + " " + r.name_en, { sticky: true });
      const e = layer.getElement();
      e.dataset.code = r.code;
      e.id = "region-" + r.code;
      regionLayers[r.code] = layer;
    }
  }
  // A region's colour: its highest typhoon or rainstorm signal fills it; a flood signal outlines it.
  function paintRegions(m) {
    const fill = {}, outline = {};
    for (const w of m.warnings.slice().sort((a, b) => b.rank - a.rank)) {
      const cls = signalClass(w);
      if (w.kind === "flood") { if (!outline[w.region]) outline[w.region] = "fl-" + cls; } else if (!fill[w.region]) fill[w.region] = cls;
    }
    for (const code in regionLayers)
      regionLayers[code].getElement().setAttribute("class", ["region", "leaflet-interactive", fill[code], outline[code]].filter(Boolean).join(" "));
  }
  function signalClass(w) {  // as the server names it (legend.h): the quadrant ("8ne") is of the signal "8"
    const j = (w.presentation || {}).jurisdiction || "";
    const card = document.querySelector('#warnings li[data-identifier="' + CSS.escape(w.identifier) + '"]');
    if (card) for (const c of card.classList) if (c.startsWith("sig-")) return c;
    return "sig-" + j + "-" + w.kind + "-" + w.signal;
  }
  function drawStorm(s) {
    for (const k of ["analogs", "cone", "track"]) layers[k].clearLayers();
    if (!s || !s.observed || !s.observed.length) return;
    const now = s.observed[s.observed.length - 1];
    for (const a of s.analogs || []) {
      L.polyline(a.track.map(q => [q.lat, q.lon]), { pane: "analogs", className: "analog", color: "#7a7a7a", weight: 1, opacity: 0.7 })
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
      if (/T00:00/.test(q.t)) m.bindTooltip(q.t.slice(5, 10) + " 00Z", { permanent: true, direction: "right", className: "tlabel" });
      m.addTo(layers.track);
    }
    L.polyline([[now.lat, now.lon]].concat(s.forecast.map(q => [q.lat, q.lon])), { pane: "track", className: "fc", color: "#c00", weight: 2, dashArray: "6 4" })
      .addTo(layers.track);
    for (const f of s.forecast) {
      if (f.lead_h % 24 !== 0) continue;
      L.circleMarker([f.lat, f.lon], { pane: "track", radius: 3, color: "#c00", fillColor: "#c00", fillOpacity: 1 })
        .bindTooltip("+" + f.lead_h + " h", { permanent: true, direction: "right", className: "tlabel fc" }).addTo(layers.track);
    }
    L.circleMarker([now.lat, now.lon], { pane: "track", radius: 8, className: "now", color: "#fff", weight: 2, fillColor: "#c00", fillOpacity: 1 })
      .bindTooltip(s.storm_name, { permanent: true, direction: "left", className: "tlabel fc" }).addTo(layers.track);
  }
  // The view: the storm now, its next 72 h, and the regions with a warning in force (all regions
  // when none is); followed on every update until the user pans.
  function follow(m) {
    if (followed) return;
    let b = null;
    const add = ll => { b = b ? b.extend(ll) : L.latLngBounds(ll, ll); };
    const s = m.situation;
    if (s && s.observed && s.observed.length) {
      const now = s.observed[s.observed.length - 1];
      add([now.lat, now.lon]);
      for (const f of s.forecast) if (f.lead_h <= 72) add([f.lat, f.lon]);
    }
    const atRisk = m.warnings.map(w => regionLayers[w.region]).filter(Boolean);
    for (const l of atRisk.length ? atRisk : Object.values(regionLayers)) { const lb = l.getBounds(); add(lb.getSouthWest()); add(lb.getNorthEast()); }
    if (!b) return;
    const key = b.toBBoxString() + " " + map.getSize().toString();
    if (key !== view) map.fitBounds(b.pad(0.06), { animate: false });  // unchanged: no work
    view = key;
  }
  function draw(m) {
    model = m;
    paintRegions(m);
    // The storm is drawn again only when it changed (most updates change warnings only).
    const analogs = document.getElementById("show-analogs").checked;
    const storm = JSON.stringify(m.situation) + analogs;
    if (storm !== drawn) {
      drawStorm(m.situation);
      if (!analogs) layers.analogs.clearLayers();
    }
    drawn = storm;
    follow(m);
    window.taifengSeq = m.seq;
  }
  // The panel as the server rendered it; the cards whose details were open stay open.
  function swapPanel(html) {
    const open = new Set(Array.from(document.querySelectorAll("#warnings li details[open]")).map(d => d.parentElement.dataset.identifier));
    const panel = document.getElementById("panel");
    panel.innerHTML = html;
    for (const li of panel.querySelectorAll("#warnings li")) if (open.has(li.dataset.identifier)) li.querySelector("details").open = true;
  }
  window.taifengRefresh = () => refresh();  // the benchmark times an update in the page
  function refresh() {
    return Promise.all([fetch("/api/warnings", { cache: "no-store" }).then(r => r.json()), fetch("/panel", { cache: "no-store" }).then(r => r.text())])
      .then(([m, html]) => { swapPanel(html); draw(m); window.taifengUpdates++; });
  }
  // zh/en without a reload; the choice is remembered on this device.
  function setLang(lang) {
    document.body.className = "lang-" + lang;
    document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
    try { localStorage.setItem("taifeng-lang", lang); } catch (e) { /* private mode: not remembered */ }
    history.replaceState(null, "", "/?lang=" + lang);
  }
  for (const lang of ["zh", "en"])
    document.getElementById("lang-" + lang).addEventListener("click", ev => { ev.preventDefault(); setLang(lang); });
  let saved = null;
  try { saved = localStorage.getItem("taifeng-lang"); } catch (e) { saved = null; }
  if ((saved === "zh" || saved === "en") && !/[?&]lang=/.test(location.search)) setLang(saved);

  makeMap();
  document.getElementById("show-analogs").addEventListener("change", () => draw(model));
  draw(JSON.parse(document.getElementById("model").textContent));  // the state the server rendered
  window.taifengUpdates++;
  Promise.all([fetch("/api/regions").then(r => r.json()), fetch("/api/land").then(r => r.json())]).then(([j, land]) => {
    L.geoJSON(land, { pane: "land", interactive: false, style: { color: "#9a8f78", weight: 0.6, fillColor: "#efe8d6", fillOpacity: 1 } }).addTo(map);
    drawRegions(j.regions);
    view = "";
    draw(model);
    window.taifengRegionsDrawn = true;
  }).then(connect);

  // Live updates by Server-Sent Events. When the gateway refuses the stream (it serves a bounded
  // number: 503) the page polls every 15 s and asks for a stream again a minute later.
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
        status.textContent = "live updates busy — refreshing every 15 s · 实时更新繁忙，每15秒刷新";
        return;
      }
      status.className = "status lost";
      status.textContent = "web gateway unreachable — reconnecting · 网关无法连接，正在重连";
    };
  }
})();
