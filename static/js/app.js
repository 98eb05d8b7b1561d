// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // After htmx swaps in a form that failed validation, move focus to the
  // first invalid field so keyboard and screen-reader users land on it.
  document.addEventListener("htmx:afterSwap", function (e) {
    var bad = e.detail.target && e.detail.target.querySelector('[aria-invalid="true"]');
    if (bad) bad.focus();
  });
})();
