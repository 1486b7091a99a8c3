/* Back office: choosing an answer template fills the answer and the status. */
(function () {
  "use strict";
  var select = document.getElementById("answer-template");
  if (!select) { return; }
  select.addEventListener("change", function () {
    var option = select.options[select.selectedIndex];
    var body = document.getElementById("answer-body"), status = document.getElementById("answer-status");
    if (option.dataset.body && !body.value.trim()) { body.value = option.dataset.body; }
    if (option.dataset.status) { status.value = option.dataset.status; }
  });
})();
