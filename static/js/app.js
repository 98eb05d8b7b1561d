// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // After htmx swaps in a form that failed validation (422), move focus to
  // the first invalid field so keyboard and screen-reader users land on it.
  // With an outerHTML swap the event's element is the removed one, so look
  // in the document then.
  document.addEventListener("htmx:afterSettle", function (e) {
    var xhr = e.detail && e.detail.xhr;
    if (!xhr || xhr.status !== 422) return;
    var root = e.detail.elt && e.detail.elt.isConnected ? e.detail.elt : document;
    var bad = root.querySelector('[aria-invalid="true"]');
    if (bad) bad.focus();
  });
})();
