/* The combined map (/map/): each module's layer as a Leaflet layer, toggled by the layer list.
   Without this script (or without tiles) the list beside the map shows the same points. */
(function () {
  "use strict";
  var el = document.getElementById("combined-map");
  var source = document.getElementById("combined-map-data");
  if (!el || !source || !window.L) { return; }
  var data = JSON.parse(source.textContent);
  el.setAttribute("role", "region");
  el.setAttribute("aria-label", el.dataset.mapLabel || "Map");
  var map = L.map(el, { scrollWheelZoom: false });
  var text = document.createElement("span");
  text.textContent = data.attribution || "";
  L.tileLayer(data.tiles, { attribution: text.innerHTML, maxZoom: 19 }).addTo(map);
  var colours = ["#b34700", "#1f5f3a", "#2b4c8c", "#6b2d83", "#595959"];
  var bounds = [];
  var groups = {};
  data.layers.forEach(function (layer, n) {
    var group = L.layerGroup();
    layer.features.forEach(function (f) {
      var node = document.createElement(f.url ? "a" : "span");
      if (f.url) { node.href = f.url; }
      node.textContent = f.label + (f.status ? " — " + f.status : "");
      group.addLayer(L.circleMarker([f.lat, f.lon], { radius: 8, weight: 2, color: "#ffffff", fillColor: colours[n % colours.length], fillOpacity: 1 }).bindPopup(node));
      bounds.push([f.lat, f.lon]);
    });
    group.addTo(map);
    groups[layer.key] = group;
  });
  if (bounds.length) { map.fitBounds(bounds, { maxZoom: 16 }); }
  else if (data.centre) { map.setView([data.centre[1], data.centre[0]], 13); }
  else { map.setView([46.6, 2.4], 5); }
  document.querySelectorAll("input[name=layer]").forEach(function (box) {
    box.addEventListener("change", function () {
      var group = groups[box.value];
      if (!group) { return; }
      if (box.checked) { group.addTo(map); } else { map.removeLayer(group); }
    });
  });
})();
