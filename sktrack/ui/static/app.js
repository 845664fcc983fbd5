// sktrack UI: small enhancements of server-rendered pages.
// User data reaches the page only through the server's escaped HTML, textContent, or
// JSON.parse: this file never writes HTML.
(function () {
  "use strict";

  // Times arrive in UTC; show them in the reader's time zone, to the second, with how long
  // ago ("3 min ago"): reruns minutes apart must not look alike.
  function ago(ms) {
    var s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    if (s < 60) { return s + " s ago"; }
    if (s < 3600) { return Math.floor(s / 60) + " min ago"; }
    if (s < 86400) { return Math.floor(s / 3600) + " h ago"; }
    var d = Math.floor(s / 86400);
    return d + (d === 1 ? " day ago" : " days ago");
  }
  document.querySelectorAll("time[datetime]").forEach(function (el) {
    var iso = el.getAttribute("datetime");
    var date = new Date(iso);
    if (!isNaN(date.getTime())) {
      el.textContent = date.toLocaleString(undefined, {
        year: "numeric", month: "short", day: "numeric",
        hour: "2-digit", minute: "2-digit", second: "2-digit",
      });
      var rel = document.createElement("span");
      rel.className = "ago";
      rel.textContent = ago(date.getTime());
      el.appendChild(rel);
      el.title = iso;
    }
  });

  // The differences of compared runs: fields equal on every run are hidden until asked.
  document.querySelectorAll("input[data-toggle-same]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.querySelectorAll("table.diff tr.same").forEach(function (row) { row.hidden = !box.checked; });
    });
  });

  // "+" unfolds the child runs of a search parent.
  document.querySelectorAll("button[data-fold]").forEach(function (button) {
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      var selector = 'tr[data-parent="' + CSS.escape(button.dataset.fold) + '"]';
      document.querySelectorAll(selector).forEach(function (row) { row.hidden = !open; });
      button.setAttribute("aria-expanded", String(open));
      button.textContent = open ? "\u2212" : "+";
      button.title = (open ? "Hide" : "Show") + button.title.replace(/^(Show|Hide)/, "");
    });
  });

  // Selected runs go to the compare page.
  var form = document.getElementById("compare-form");
  var compare = document.getElementById("compare-button");
  if (form && compare) {
    var boxes = function () {
      return Array.prototype.filter.call(
        document.querySelectorAll('input[type="checkbox"][name="run"]'),
        function (box) { return box.form === form; }
      );
    };
    var update = function () {
      var n = boxes().filter(function (box) { return box.checked; }).length;
      compare.disabled = n === 0;
      compare.textContent = n ? "Compare " + n + " selected" : "Compare selected";
    };
    document.addEventListener("change", function (event) {
      if (event.target.name === "run") { update(); }
    });
    var all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        boxes().forEach(function (box) {
          if (!box.closest("tr").hidden) { box.checked = all.checked; }
        });
        update();
      });
    }
    update();
  }

  // Copy buttons beside code snippets.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var text = document.getElementById(button.dataset.copy).textContent;
      navigator.clipboard.writeText(text).then(
        function () { button.textContent = "Copied"; },
        function () { button.textContent = "Select and copy"; }
      );
    });
  });

  // A select that applies as soon as it changes.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Running searches: refresh their progress every few seconds.
  var bars = document.querySelectorAll("[data-progress-run]");
  var url = document.body.dataset.progressUrl;
  if (bars.length && url) {
    var poll = function () {
      var params = new URLSearchParams();
      bars.forEach(function (bar) {
        if (!bar.dataset.done) { params.append("run", bar.dataset.progressRun); }
      });
      if (!params.has("run")) { return; }
      fetch(url + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          bars.forEach(function (bar) {
            var state = data.runs[bar.dataset.progressRun];
            if (!state) { return; }
            var progress = bar.querySelector("progress");
            var text = bar.querySelector(".progress-text");
            if (state.total !== null) {
              progress.max = state.total;
              progress.value = state.done;
              text.textContent = state.done + " / " + state.total + " candidates";
            }
            if (state.status !== "RUNNING") {
              bar.dataset.done = "true";
              text.textContent = state.status.toLowerCase() + " (reload for results)";
            }
          });
          window.setTimeout(poll, 3000);
        })
        .catch(function () { window.setTimeout(poll, 10000); });
    };
    window.setTimeout(poll, 3000);
  }
})();
