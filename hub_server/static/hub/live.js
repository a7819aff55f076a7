/* Live regions: poll a change marker; when it moves, fetch this page again and swap every
   [data-live] region by id. No JavaScript: the region's "Show the newest" link reloads by hand.
   A region that holds the keyboard focus is not swapped under the reader's feet: its link is
   shown instead, until the focus leaves. */
(function () {
  "use strict";
  var regions = document.querySelectorAll("[data-live][data-live-marker]");
  if (!regions.length || !window.fetch || !window.DOMParser) { return; }
  var markerUrl = regions[0].getAttribute("data-live-marker");
  var seconds = 2;
  var last = null;
  var pending = false;
  var busy = false;
  var timer = null;
  document.documentElement.classList.add("js-live");

  function rowIds(region) {
    var ids = {};
    region.querySelectorAll("[data-id]").forEach(function (el) { ids[el.getAttribute("data-id")] = true; });
    return ids;
  }

  function say(region, text) {
    var status = region.querySelector(".live-status");
    if (status) { status.textContent = text; }
  }

  function swap(doc) {
    regions.forEach(function (region) {
      var fresh = doc.getElementById(region.id);
      if (!fresh) { return; }
      if (region.contains(document.activeElement) && document.activeElement !== document.body) {
        say(region, region.getAttribute("data-live-waiting") || "");
        pending = true;
        return;
      }
      var before = rowIds(region);
      region.innerHTML = fresh.innerHTML;
      var added = 0;
      region.querySelectorAll("[data-id]").forEach(function (el) {
        if (!before[el.getAttribute("data-id")]) { el.classList.add("is-new"); added += 1; }
      });
      var text = region.getAttribute("data-live-updated") || "";
      say(region, added ? text + " (+" + added + ")" : text);
    });
  }

  function refresh() {
    return fetch(window.location.href, {credentials: "same-origin", cache: "no-store",
                                        headers: {"X-Requested-With": "live"}})
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { pending = false; swap(new DOMParser().parseFromString(html, "text/html")); });
  }

  function poll() {
    if (busy) { return; }
    if (document.hidden) { return schedule(); }
    busy = true;
    fetch(markerUrl, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        seconds = Math.max(1, Math.min(60, data.poll || seconds));
        var changed = last !== null && data.v !== last;
        last = data.v;
        return (changed || pending) ? refresh() : null;
      })
      .catch(function () { seconds = Math.min(60, seconds * 2); })  /* hub away: back off, keep the page */
      .then(function () { busy = false; schedule(); });
  }

  function schedule() { window.clearTimeout(timer); timer = window.setTimeout(poll, seconds * 1000); }
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { window.clearTimeout(timer); poll(); }
  });
  poll();
}());
