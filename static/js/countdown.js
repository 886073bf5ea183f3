/* POG Studio: the friendly wait.
 *
 * A request refused with 429 (rate_limited or busy) renders limbs/_error.html as a wait
 * panel carrying data-countdown="<seconds>". This counts it down, keeps the form's submit
 * button disabled meanwhile and turns it back on at zero, so nobody has to read a number
 * and watch a clock. Works for panels swapped in by htmx and for full-page renders.
 */
(function () {
  "use strict";

  var SUBMITS = 'button[type="submit"], button:not([type]), input[type="submit"]';

  /* The submit buttons of the forms whose results land where the panel is. */
  function buttonsFor(panel) {
    var found = [];
    var forms = document.querySelectorAll("form[hx-target]");
    for (var i = 0; i < forms.length; i++) {
      var target = forms[i].getAttribute("hx-target");
      var hit = false;
      try { hit = Boolean(target && panel.closest(target)); } catch (err) { hit = false; }
      if (hit) found = found.concat(Array.prototype.slice.call(forms[i].querySelectorAll(SUBMITS)));
    }
    return found;
  }

  function announce(text) {
    var region = document.getElementById("studio-announcer");
    if (!region) return;
    region.textContent = "";
    // A fresh text node after a tick makes screen readers speak it even if it repeats.
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  /* The words of an element without its decorations (emoji marked aria-hidden). */
  function spokenText(element) {
    var copy = element.cloneNode(true);
    var hidden = copy.querySelectorAll('[aria-hidden="true"]');
    for (var i = 0; i < hidden.length; i++) hidden[i].remove();
    return copy.textContent.trim();
  }

  function hold(buttons, on) {
    buttons.forEach(function (button) {
      button.disabled = on;
      if (on) button.setAttribute("data-waiting", "");
      else button.removeAttribute("data-waiting");
    });
  }

  function start(panel) {
    var seconds = parseInt(panel.getAttribute("data-countdown"), 10);
    if (!(seconds > 0)) return;
    panel.setAttribute("data-countdown-started", "");
    // Counted against the clock, not the ticks: background tabs slow timers down.
    var end = Date.now() + seconds * 1000;
    var shown = panel.querySelector("[data-countdown-seconds]");
    var waiting = panel.querySelector("[data-countdown-waiting]");
    var ready = panel.querySelector("[data-countdown-ready]");
    var buttons = buttonsFor(panel);
    hold(buttons, true);

    var timer = window.setInterval(tick, 250);
    function tick() {
      if (!document.contains(panel)) {
        // Replaced by a newer answer: let go of the buttons and stop counting.
        window.clearInterval(timer);
        hold(buttons, false);
        return;
      }
      var left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
      if (shown && shown.textContent !== String(left)) shown.textContent = String(left);
      if (left > 0) {
        hold(buttons, true); // htmx re-enables its hx-disabled-elt when the request ends
        return;
      }
      window.clearInterval(timer);
      hold(buttons, false);
      panel.setAttribute("data-countdown-done", "");
      if (waiting) waiting.hidden = true;
      if (ready) ready.hidden = false;
      announce(ready ? spokenText(ready) : "Ready! You can try again now.");
    }
    tick();
  }

  function scan() {
    var panels = document.querySelectorAll("[data-countdown]:not([data-countdown-started])");
    for (var i = 0; i < panels.length; i++) start(panels[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
  // afterRequest runs once htmx has swapped the panel in and re-enabled its buttons.
  document.addEventListener("htmx:afterRequest", scan);
  document.addEventListener("htmx:afterSettle", scan);
})();
