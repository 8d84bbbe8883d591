// The kiosk page's idle sign-out and card focus. The server ends the kiosk session on its
// own after the same idle time; this only brings the screen back to sign-in, so the next
// person never sees the previous one's jobs.
(function () {
  "use strict";
  var script = document.currentScript;
  var idleMs = Number(script.getAttribute("data-idle-seconds")) * 1000;
  var signedIn = script.getAttribute("data-signed-in") === "yes";
  var timer = null;

  function idle() {
    var form = document.querySelector('form[action$="/sign-out"]');
    if (form) { form.submit(); } else { window.location.reload(); }
  }
  function restart() {
    if (timer !== null) { window.clearTimeout(timer); }
    timer = window.setTimeout(idle, idleMs);
  }
  if (signedIn) {
    ["pointerdown", "keydown", "touchstart", "scroll"].forEach(function (name) {
      window.addEventListener(name, restart, { passive: true });
    });
    restart();
  } else {
    // A keyboard-wedge reader types into whatever has focus: keep it on the card field
    // unless the person opened another way of signing in.
    var card = document.querySelector('[data-testid="card"]');
    document.addEventListener("click", function () {
      var active = document.activeElement;
      if (card && (!active || active === document.body)) { card.focus(); }
    });
  }
})();
