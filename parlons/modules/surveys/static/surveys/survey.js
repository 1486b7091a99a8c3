// Progressive enhancement of the answering pages: a Leaflet map fills the latitude/longitude fields of
// position questions, or the list of points of a line or an area drawn on the map (the fields stay usable
// on their own), and the error summary takes the focus.
(function () {
  "use strict";
  // HTMX runs the page's scripts again after each swap: set things up once.
  if (window.parlonsSurveys) { window.parlonsSurveys(); return; }

  function initMap(el) {
    if (!window.L || el.dataset.ready) { return; }
    el.dataset.ready = "1";
    var lonInput = document.getElementById(el.dataset.lonInput);
    var latInput = document.getElementById(el.dataset.latInput);
    var lon = parseFloat(lonInput.value) || parseFloat(el.dataset.centreLon);
    var lat = parseFloat(latInput.value) || parseFloat(el.dataset.centreLat);
    el.hidden = false;
    el.setAttribute("role", "region");
    el.setAttribute("aria-label", el.dataset.label);
    var map = window.L.map(el).setView([lat, lon], 14);
    window.L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
    var marker = null;
    function place(latlng) {
      if (marker) { marker.setLatLng(latlng); } else { marker = window.L.marker(latlng).addTo(map); }
      latInput.value = latlng.lat.toFixed(6);
      lonInput.value = latlng.lng.toFixed(6);
    }
    if (lonInput.value && latInput.value) { place(window.L.latLng(lat, lon)); }
    map.on("click", function (event) { place(event.latlng); });
  }

  // Lines and areas: each click adds a vertex; "Undo" removes the last one, "Finish" stops adding points.
  // The textarea of "latitude longitude" lines stays the answer sent (and can still be typed in).
  function initDraw(el) {
    if (!window.L || el.dataset.ready) { return; }
    el.dataset.ready = "1";
    var input = document.getElementById(el.dataset.input);
    var area = el.dataset.kind === "area";
    var points = [];
    input.value.split("\n").forEach(function (line) {
      var parts = line.replace(/[;,]/g, " ").trim().split(/\s+/);
      if (parts.length === 2 && isFinite(parts[0]) && isFinite(parts[1])) {
        points.push(window.L.latLng(parseFloat(parts[0]), parseFloat(parts[1])));
      }
    });
    el.hidden = false;
    el.setAttribute("role", "region");
    el.setAttribute("aria-label", el.dataset.label);
    var start = points.length ? points[0] : window.L.latLng(parseFloat(el.dataset.centreLat), parseFloat(el.dataset.centreLon));
    var map = window.L.map(el).setView(start, 14);
    window.L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
    var shape = (area ? window.L.polygon([]) : window.L.polyline([])).addTo(map);
    var vertices = window.L.layerGroup().addTo(map);
    var finished = false;

    var tools = document.createElement("div");
    tools.className = "survey-draw-tools";
    var status = document.createElement("p");
    status.setAttribute("aria-live", "polite");
    function button(label) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "button button-secondary";
      b.textContent = label;
      tools.appendChild(b);
      return b;
    }
    var undo = button(el.dataset.undo);
    var finish = button(el.dataset.finish);
    tools.appendChild(status);
    el.parentNode.insertBefore(tools, el.nextSibling);

    function render(write) {
      shape.setLatLngs(points);
      vertices.clearLayers();
      points.forEach(function (p) { window.L.circleMarker(p, { radius: 5 }).addTo(vertices); });
      if (write) {
        input.value = points.map(function (p) { return p.lat.toFixed(6) + " " + p.lng.toFixed(6); }).join("\n");
      }
      undo.disabled = points.length === 0;
      finish.textContent = finished ? el.dataset.resume : el.dataset.finish;
      status.textContent = el.dataset.count + " " + points.length;
      el.classList.toggle("is-finished", finished);
    }
    map.on("click", function (event) {
      if (finished) { return; }
      points.push(event.latlng);
      render(true);
    });
    undo.addEventListener("click", function () {
      points.pop();
      finished = false;
      render(true);
    });
    finish.addEventListener("click", function () {
      finished = !finished;
      if (finished && points.length) { map.fitBounds(shape.getBounds(), { maxZoom: 17 }); }
      render(false);
    });
    input.addEventListener("change", function () {
      points = [];
      input.value.split("\n").forEach(function (line) {
        var parts = line.replace(/[;,]/g, " ").trim().split(/\s+/);
        if (parts.length === 2 && isFinite(parts[0]) && isFinite(parts[1])) {
          points.push(window.L.latLng(parseFloat(parts[0]), parseFloat(parts[1])));
        }
      });
      render(false);
    });
    if (points.length) { map.fitBounds(window.L.latLngBounds(points), { maxZoom: 17 }); }
    render(false);
  }

  function init() {
    document.querySelectorAll(".survey-map:not(.survey-draw)").forEach(initMap);
    document.querySelectorAll(".survey-draw").forEach(initDraw);
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  window.parlonsSurveys = init;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  document.addEventListener("htmx:afterSettle", init);
})();
