/* The report form, enhanced: device position, map tap, address search, category suggestion and the live
   duplicate check. Every part degrades: without it the address, the photo's position or typed coordinates work. */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var lat = document.getElementById("id_lat"), lon = document.getElementById("id_lon");
  var category = document.getElementById("id_category"), description = document.getElementById("id_description");
  var status = document.getElementById("position-status"), nearby = document.getElementById("nearby");
  var address = document.getElementById("id_address"), results = document.getElementById("address-results");
  var mapEl = document.getElementById("pick-map"), map = null, marker = null;

  function checkNearby() {
    if (!lat.value || !lon.value) { return; }
    var q = new URLSearchParams({ lat: lat.value, lon: lon.value, category: category.value || "" });
    fetch(form.dataset.nearby + "?" + q.toString()).then(function (r) { return r.text(); })
      .then(function (html) { nearby.innerHTML = html; }).catch(function () {});
  }

  function setPosition(latitude, longitude, label) {
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
    if (map) {
      if (marker) { marker.setLatLng([latitude, longitude]); } else { marker = L.marker([latitude, longitude], { keyboard: false, alt: "" }).addTo(map); }
      map.setView([latitude, longitude], Math.max(map.getZoom(), 17));
    }
    status.textContent = label || (lat.value + ", " + lon.value);
    checkNearby();
  }

  if (mapEl && window.L) {
    mapEl.hidden = false;
    mapEl.setAttribute("role", "region");
    mapEl.setAttribute("aria-label", mapEl.dataset.mapLabel || "Map");
    var start = lat.value && lon.value ? [parseFloat(lat.value), parseFloat(lon.value)] : [parseFloat(mapEl.dataset.lat), parseFloat(mapEl.dataset.lon)];
    map = L.map(mapEl, { scrollWheelZoom: false }).setView(start, parseInt(mapEl.dataset.zoom, 10) || 15);
    var text = document.createElement("span");
    text.textContent = mapEl.dataset.attribution || "";
    L.tileLayer(mapEl.dataset.tiles, { attribution: text.innerHTML, maxZoom: 19 }).addTo(map);
    if (lat.value && lon.value) { marker = L.marker(start, { keyboard: false, alt: "" }).addTo(map); }
    map.on("click", function (e) { setPosition(e.latlng.lat, e.latlng.lng); });
  }

  var useButton = document.getElementById("use-position");
  if (useButton && "geolocation" in navigator) {
    useButton.hidden = false;
    useButton.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) { setPosition(pos.coords.latitude, pos.coords.longitude); },
        function (err) { status.textContent = err.message; }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }

  var searchButton = document.getElementById("search-address");
  if (searchButton) {
    searchButton.hidden = false;
    searchButton.addEventListener("click", function () {
      if (!address.value.trim()) { return; }
      fetch(form.dataset.geocode + "?q=" + encodeURIComponent(address.value)).then(function (r) { return r.json(); })
        .then(function (data) {
          results.innerHTML = "";
          (data.results || []).forEach(function (place) {
            var li = document.createElement("li"), b = document.createElement("button");
            b.type = "button"; b.className = "button-secondary button-small"; b.textContent = place.label;
            b.addEventListener("click", function () { address.value = place.label; results.innerHTML = ""; setPosition(place.lat, place.lon, place.label); });
            li.appendChild(b); results.appendChild(li);
          });
        }).catch(function () {});
    });
  }

  // The category suggestion is an HTMX fragment (insights' /insights/suggest/) loaded as the description is
  // typed: a button per suggested category selects it; a confident first suggestion pre-selects the category
  // while the person has not chosen one themselves.
  var suggestion = document.getElementById("category-suggestion"), chosenByPerson = !!category.value;
  if (suggestion) {
    suggestion.addEventListener("click", function (e) {
      var b = e.target.closest("[data-suggest-value]");
      if (!b) { return; }
      category.value = b.dataset.suggestValue; chosenByPerson = true; suggestion.innerHTML = ""; checkNearby();
    });
    suggestion.addEventListener("htmx:afterSwap", function () {
      var first = suggestion.querySelector("[data-confident]");
      if (first && !chosenByPerson) { category.value = first.dataset.suggestValue; checkNearby(); }
    });
  }
  category.addEventListener("input", function () { chosenByPerson = true; });
  category.addEventListener("change", checkNearby);
  lat.addEventListener("change", checkNearby);
  lon.addEventListener("change", checkNearby);
  form.addEventListener("submit", function (e) {
    var submitter = e.submitter;
    if (submitter && !submitter.hasAttribute("formaction")) { submitter.setAttribute("aria-disabled", "true"); }
  });
})();
