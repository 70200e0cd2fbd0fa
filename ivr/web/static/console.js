// The agents' console: refresh the live part every two seconds; reload the page when the
// call in hand or its case changes (so the action forms belong to them); "采用" copies a
// knowledge-base answer into the reply box.
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root) { return; }
  var live = document.getElementById("live");
  var url = root.getAttribute("data-live-url");
  var busy = false;

  function refresh() {
    if (busy) { return; }
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.redirected || !response.ok) { throw new Error("session"); }
        return response.json();
      })
      .then(function (data) {
        if (data.key !== root.getAttribute("data-key")) {
          window.location.reload();
          return;
        }
        live.innerHTML = data.html;
      })
      .catch(function () { /* the next round tries again */ })
      .then(function () { busy = false; });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".use-answer") : null;
    if (!button) { return; }
    var reply = document.getElementById("reply");
    if (reply) {
      reply.value = button.getAttribute("data-answer");
      reply.focus();
    }
  });

  window.setInterval(refresh, 2000);
})();
