// "Near me" on the proposal list: a progressive enhancement. Without JavaScript the "near" field takes
// "longitude,latitude" by hand (and members get a "Near my home" link); with it, a button asks the device for its
// position, fills the field and submits the form. When the position is refused or unavailable, the member's home
// point (data-home) is used if there is one.
(function () {
  "use strict";
  var button = document.getElementById("near-me");
  var field = document.getElementById("f-near");
  var status = document.getElementById("near-me-status");
  if (!button || !field || !field.form) return;
  var home = button.getAttribute("data-home");
  if (!("geolocation" in navigator) && !home) return;
  button.hidden = false;

  function search(value, message) {
    field.value = value;
    status.textContent = message || "";
    if (field.form.requestSubmit) field.form.requestSubmit();
    else field.form.submit();
  }

  function fallback() {
    if (home) search(home, button.getAttribute("data-home-used"));
    else status.textContent = button.getAttribute("data-failed");
    button.disabled = false;
  }

  button.addEventListener("click", function () {
    if (!("geolocation" in navigator)) return fallback();
    button.disabled = true;
    status.textContent = button.getAttribute("data-busy");
    navigator.geolocation.getCurrentPosition(
      function (position) {
        button.disabled = false;
        search(position.coords.longitude.toFixed(5) + "," + position.coords.latitude.toFixed(5), "");
      },
      fallback,
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 }
    );
  });
})();
