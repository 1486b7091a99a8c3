// Progressive enhancement of the ballot: a live "budget used" bar and points counter.
// The form works without this file; the server checks every ballot again.
(function () {
  "use strict";
  var form = document.getElementById("ballot");
  if (!form) return;
  var amount = parseInt(form.dataset.amount, 10) || 0;
  var totalPoints = parseInt(form.dataset.points, 10) || 0;
  var meter = document.getElementById("budget-meter");
  var output = document.getElementById("budget-output");
  var pointsOutput = document.getElementById("points-output");
  var number = new Intl.NumberFormat(document.documentElement.lang || undefined);

  function template(id) {
    var node = document.getElementById(id);
    return node ? node.innerHTML.trim() : "";
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function update() {
    if (meter && output) {
      var used = 0;
      form.querySelectorAll("input[data-cost]:checked").forEach(function (box) {
        used += parseInt(box.dataset.cost, 10) || 0;
      });
      meter.value = used;
      var text = fill(template("budget-text"), { used: number.format(used), amount: number.format(amount) });
      if (form.dataset.type === "knapsack" && used > amount) text += " " + template("budget-over");
      output.textContent = text;
    }
    if (pointsOutput) {
      var given = 0;
      form.querySelectorAll("input[data-points-input]").forEach(function (input) {
        given += Math.max(0, parseInt(input.value, 10) || 0);
      });
      pointsOutput.textContent = fill(template("points-text"), { used: given, total: totalPoints });
    }
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
})();
