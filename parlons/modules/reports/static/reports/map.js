/* The public map of reports: server-side clusters from map.geojson, the list beside it kept in step.
   Without this script (or without tiles) the list and its filters still work. */
(function () {
  "use strict";
  var el = document.getElementById("report-map");
  if (!el) { return; }
  var nearButton = document.getElementById("near-me");
  if (nearButton && "geolocation" in navigator) {
    nearButton.hidden = false;
    nearButton.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        window.location.href = el.dataset.list + "?near=" + pos.coords.longitude.toFixed(6) + "," + pos.coords.latitude.toFixed(6);
      });
    });
  }
  if (!window.L) { return; }
  var params = new URLSearchParams(window.location.search);
  var centre = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
  var zoom = parseInt(el.dataset.zoom, 10) || 14;
  var near = (params.get("near") || "").split(",");
  if (near.length === 2 && !isNaN(parseFloat(near[0]))) { centre = [parseFloat(near[1]), parseFloat(near[0])]; zoom = 16; }
  el.setAttribute("role", "region");
  el.setAttribute("aria-label", el.dataset.mapLabel || "Map");
  var map = L.map(el, { scrollWheelZoom: false }).setView(centre, zoom);
  var text = document.createElement("span");
  text.textContent = el.dataset.attribution || "";
  var tiles = L.tileLayer(el.dataset.tiles, { attribution: text.innerHTML, maxZoom: 19 });
  tiles.addTo(map);
  var layer = L.layerGroup().addTo(map);
  var listWrap = document.getElementById("report-list-wrap");
  var query = el.dataset.query || "";
  var base = el.dataset.list;
  var pending = null;

  function detailUrl(id) { return base + encodeURIComponent(id) + "/"; }

  function draw(data) {
    layer.clearLayers();
    (data.features || []).forEach(function (f) {
      var c = f.geometry.coordinates, p = f.properties, latlng = [c[1], c[0]];
      if (p.cluster) {
        var size = p.count < 10 ? 32 : p.count < 100 ? 40 : 48;
        var marker = L.marker(latlng, {
          icon: L.divIcon({ html: String(p.count), className: "cluster-icon", iconSize: [size, size] }),
          title: p.count + " " + (el.dataset.labelReports || ""),
          alt: p.count + " " + (el.dataset.labelReports || ""),
          keyboard: true
        });
        marker.on("click", function () { map.setView(latlng, Math.min(map.getZoom() + 2, 19)); });
        layer.addLayer(marker);
      } else {
        var link = document.createElement("a");
        link.href = detailUrl(p.id);
        link.textContent = p.category + " — " + p.status_label;
        layer.addLayer(L.circleMarker(latlng, { radius: 9, weight: 3, color: "#ffffff", fillColor: p.status === "fixed" ? "#1f5f3a" : p.status === "closed" ? "#595959" : "#b34700", fillOpacity: 1 }).bindPopup(link));
      }
    });
  }

  function refresh() {
    var bbox = map.getBounds().toBBoxString();
    var q = "bbox=" + bbox + (query ? "&" + query.replace(/(^|&)(bbox|near|page)=[^&]*/g, "") : "");
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(el.dataset.geojson + "?zoom=" + map.getZoom() + "&" + q, { signal: pending.signal, headers: { Accept: "application/geo+json" } })
      .then(function (r) { return r.json(); }).then(draw).catch(function () {});
    if (listWrap) {
      fetch(base + "?" + q, { headers: { "HX-Request": "true" } })
        .then(function (r) { return r.text(); })
        .then(function (html) { listWrap.innerHTML = html; })
        .catch(function () {});
    }
  }
  map.on("moveend", refresh);
  refresh();
})();
