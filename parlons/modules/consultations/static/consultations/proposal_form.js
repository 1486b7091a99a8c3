/* The new-proposal form, enhanced: the topic suggestion. It is an HTMX fragment (insights' /insights/suggest/)
   loaded as the body is typed: a button per suggested topic selects it; a confident first suggestion
   pre-selects the topic only while the author has not chosen one themselves. */
(function () {
  "use strict";
  var topic = document.getElementById("id_topic"), suggestion = document.getElementById("topic-suggestion");
  if (!topic || !suggestion) { return; }
  var chosenByAuthor = !!topic.value;
  suggestion.addEventListener("click", function (e) {
    var b = e.target.closest("[data-suggest-value]");
    if (!b) { return; }
    topic.value = b.dataset.suggestValue; chosenByAuthor = true; suggestion.innerHTML = ""; topic.focus();
  });
  suggestion.addEventListener("htmx:afterSwap", function () {
    var first = suggestion.querySelector("[data-confident]");
    if (first && !chosenByAuthor) { topic.value = first.dataset.suggestValue; }
  });
  topic.addEventListener("input", function () { chosenByAuthor = true; });
  topic.addEventListener("change", function () { chosenByAuthor = true; });
})();
