// Keyboard shortcuts for the review page. Every action is a plain form: this only presses
// its buttons. a/1 accept, 2/3 candidate, n N/A, s skip, e edit, / search, j/k or arrows move.
(function () {
  "use strict";
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
  if (!cards.length) return;
  var cur = -1;
  function select(i, scroll) {
    if (i < 0 || i >= cards.length) return;
    if (cur >= 0) cards[cur].classList.remove("current");
    cur = i;
    cards[cur].classList.add("current");
    if (scroll) cards[cur].scrollIntoView({ block: "start" });
  }
  var m = /^#card-(\d+)$/.exec(location.hash);
  var open = cards.findIndex(function (c) { return c.classList.contains("open"); });
  select(m ? Math.min(+m[1], cards.length - 1) : Math.max(open, 0), !!m);
  cards.forEach(function (c, i) {
    c.addEventListener("focusin", function () { select(i, false); });
    c.addEventListener("mousedown", function () { select(i, false); });
  });
  document.addEventListener("keydown", function (e) {
    var t = e.target, k = e.key;
    if (t.closest && t.closest("input, textarea, select")) {
      if (k === "Escape") t.blur();
      if (k === "Enter" && (e.ctrlKey || e.metaKey) && t.form) t.form.requestSubmit();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var c = cards[cur];
    if (k === "j" || k === "ArrowDown") { e.preventDefault(); select(cur + 1, true); return; }
    if (k === "k" || k === "ArrowUp") { e.preventDefault(); select(cur - 1, true); return; }
    if (k === "e" || k === "/") {
      var d = c.querySelector(k === "e" ? "details.edit" : "details.search");
      if (d) { e.preventDefault(); d.open = true; d.querySelector("textarea, input[type=search]").focus(); }
      return;
    }
    var b = c.querySelector('button[data-key="' + (k === "1" ? "a" : k.toLowerCase()) + '"]');
    if (b) { e.preventDefault(); b.click(); }
  });
})();
