// Progressive enhancement of the answering pages: a Leaflet map fills the latitude/longitude fields of
// position questions (the fields stay usable on their own), and the error summary takes the focus.
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

  function init() {
    document.querySelectorAll(".survey-map").forEach(initMap);
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
