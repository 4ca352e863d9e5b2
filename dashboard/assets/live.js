// The live page: the server redraws the status line and the charts from
// the run's feed and sends them as server-sent events; this swaps them in.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || !window.EventSource) { return; }
  var status = document.getElementById("live-status");
  var charts = document.getElementById("live-charts");
  var es = new EventSource(root.getAttribute("data-events"));
  root.setAttribute("data-updates", "0");
  es.addEventListener("update", function (e) {
    var d = JSON.parse(e.data);
    status.innerHTML = d.status;
    charts.innerHTML = d.charts;
    root.setAttribute("data-ticks", String(d.ticks));
    root.setAttribute("data-updates", String(Number(root.getAttribute("data-updates")) + 1));
  });
  function finish(state) {
    return function (e) {
      var d = JSON.parse(e.data);
      if (d.status) { status.innerHTML = d.status; }
      root.setAttribute("data-state", state);
      es.close();
    };
  }
  es.addEventListener("end", finish("ended"));
  es.addEventListener("died", finish("died"));
  es.addEventListener("failed", finish("failed"));
})();
