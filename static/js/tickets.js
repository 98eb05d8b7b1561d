// Ticket desk enhancements; every page works without this file.
(function () {
  "use strict";

  // ---- Keyboard shortcuts: j/k/Enter on lists, r/n/e on a ticket, ? help.
  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }
  var sel = -1;
  function rows() {
    var list = document.querySelector("[data-shortcut-list]");
    return list ? list.querySelectorAll("tbody tr[data-href]") : [];
  }
  function select(i) {
    var rs = rows();
    if (!rs.length) return;
    sel = Math.max(0, Math.min(rs.length - 1, i));
    rs.forEach(function (r, j) { r.setAttribute("aria-selected", j === sel ? "true" : "false"); });
    var link = rs[sel].querySelector("a");
    if (link) link.focus();
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
    var help = document.getElementById("tk-shortcuts");
    switch (e.key) {
      case "?":
        if (help && help.showModal) { e.preventDefault(); help.showModal(); }
        return;
      case "j": if (rows().length) { e.preventDefault(); select(sel + 1); } return;
      case "k": if (rows().length) { e.preventDefault(); select(sel - 1); } return;
      case "Enter":
        var rs = rows();
        if (sel >= 0 && rs[sel]) { e.preventDefault(); window.location = rs[sel].getAttribute("data-href"); }
        return;
      case "r": case "n":
        var ta = document.getElementById("tk-reply-text");
        if (ta) {
          e.preventDefault();
          ta.focus();
          ta.setAttribute("data-kind", e.key === "n" ? "note" : "reply");
          ta.placeholder = e.key === "n" ? "Internal note (agents only)" : "Public reply to the requester";
        }
        return;
      case "e":
        var solve = document.querySelector('[data-shortcut="e"]');
        if (solve) { e.preventDefault(); solve.click(); }
        return;
    }
  });
  document.addEventListener("click", function (e) {
    var open = e.target.closest && e.target.closest("[data-shortcuts-open]");
    if (open) {
      var help = document.getElementById("tk-shortcuts");
      if (help && help.showModal) help.showModal();
    }
  });

  // ---- The reply textarea tells the presence heartbeat that we type.
  document.addEventListener("input", function (e) {
    if (e.target && e.target.id === "tk-reply-text") {
      var f = document.getElementById("tk-replying");
      if (f) f.value = e.target.value ? "1" : "0";
    }
  });

  // ---- Attachments: drag and drop onto the file field, size check before
  // sending, and upload progress (the server checks the size again).
  function fmt(n) { return n >= 1048576 ? (n / 1048576).toFixed(1) + " MB" : Math.ceil(n / 1024) + " KB"; }
  document.querySelectorAll("[data-dropzone]").forEach(function (zone) {
    var input = zone.querySelector("input[type=file]");
    if (!input) return;
    ["dragenter", "dragover"].forEach(function (ev) {
      zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.add("tk-dragover"); });
    });
    ["dragleave", "drop"].forEach(function (ev) {
      zone.addEventListener(ev, function () { zone.classList.remove("tk-dragover"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      if (!e.dataTransfer || !e.dataTransfer.files.length) return;
      var dt = new DataTransfer();
      Array.prototype.forEach.call(input.files, function (f) { dt.items.add(f); });
      Array.prototype.forEach.call(e.dataTransfer.files, function (f) { dt.items.add(f); });
      input.files = dt.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var max = parseInt(form.getAttribute("data-max-bytes") || "0", 10);
    var input = form.querySelector("input[type=file]");
    if (!max || !input || !input.files.length || !window.FormData || !window.XMLHttpRequest) return;
    for (var i = 0; i < input.files.length; i++) {
      if (input.files[i].size > max) {
        e.preventDefault();
        alert(input.files[i].name + " is larger than the " + fmt(max) + " limit per file.");
        return;
      }
    }
    // Send with progress; the server answers a redirect (followed by the
    // XHR) or a page with the form's errors, which replaces this one.
    e.preventDefault();
    var bar = form.querySelector(".tk-progress");
    var data = new FormData(form);
    if (e.submitter && e.submitter.name) data.append(e.submitter.name, e.submitter.value);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    if (bar) { bar.hidden = false; bar.value = 0; }
    xhr.upload.onprogress = function (ev) {
      if (bar && ev.lengthComputable) bar.value = Math.round(100 * ev.loaded / ev.total);
    };
    xhr.onload = function () {
      if (xhr.responseURL && xhr.status < 400 && xhr.responseURL !== window.location.href.split("#")[0]) {
        window.location = xhr.responseURL;
        return;
      }
      document.open();
      document.write(xhr.responseText);
      document.close();
    };
    xhr.onerror = function () { form.submit(); };
    xhr.send(data);
  });
})();
