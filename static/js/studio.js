/* POG Studio page behaviour. Plain JS, no build, no globals.
 *
 * - idea chips and "Surprise me" fill the intent box
 * - number boxes and their sliders stay in sync
 * - results: syntax highlighting, field errors, scrolling/focus, announcements
 * - live generations: the htmx ws extension does the work; when the socket cannot
 *   connect we poll /generations/<id>/fragment every 1.5 s instead
 * - streamed answers (the world bible): the text is shown while a model writes it
 * - previews: Yarn and GLSL grammars for highlight.js (its common bundle has neither),
 *   a played-so-far veil over audio waveforms, click the waveform to jump there
 */
(function () {
  "use strict";

  var DONE = { succeeded: true, failed: true };
  var POLL_MS = 1500;
  var WS_GRACE_MS = 4000;
  var MAX_POLL_FAILURES = 4;
  var ANNOUNCE_GAP_MS = 2500;
  var live = new WeakMap(); // wrapper element -> watch state

  function prefersReducedMotion() {
    return !!(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  function announce(text) {
    var region = document.getElementById("studio-announcer");
    if (!region || !text) return;
    region.textContent = "";
    // A fresh text node after a tick makes screen readers speak repeated messages too.
    window.setTimeout(function () { region.textContent = text; }, 60);
  }

  // ---------------------------------------------------------------- extra grammars

  function yarnLanguage(hljs) {
    var variable = { scope: "variable", match: /\$[A-Za-z_][A-Za-z0-9_]*/ };
    var string = { scope: "string", begin: /"/, end: /"/, contains: [hljs.BACKSLASH_ESCAPE] };
    return {
      name: "Yarn Spinner",
      aliases: ["yarnspinner"],
      contains: [
        hljs.C_LINE_COMMENT_MODE,
        // A node's header runs from "title:" to the --- that opens its body.
        {
          begin: /^title:/, end: /^---[ \t]*$/, returnBegin: true, returnEnd: true,
          contains: [
            { scope: "section", match: /^title:.*$/ },
            { scope: "attr", match: /^[A-Za-z_][A-Za-z0-9_]*(?=:)/ }
          ]
        },
        { scope: "meta", match: /^[ \t]*(---|===)[ \t]*$/ },
        {
          scope: "meta", begin: /<</, end: />>/,
          keywords: { keyword: "jump set declare if elseif else endif stop wait call to as and or not is eq neq gt lt gte lte", literal: "true false null" },
          contains: [variable, string, hljs.NUMBER_MODE]
        },
        { scope: "bullet", match: /^[ \t]*->/ },
        { scope: "template-variable", begin: /\{/, end: /\}/, contains: [variable, string, hljs.NUMBER_MODE] },
        { scope: "symbol", match: /#[A-Za-z0-9_:\-]+/ },
        { scope: "name", match: /^[ \t]*[A-Za-z][A-Za-z0-9_ ]{0,30}(?=:\s)/ },
        variable
      ]
    };
  }

  function glslLanguage(hljs) {
    return {
      name: "GLSL",
      aliases: ["frag", "vert"],
      keywords: {
        keyword: "attribute const uniform varying layout centroid flat smooth break continue do for while switch case default " +
          "if else in out inout return discard struct precision highp mediump lowp invariant",
        type: "void bool int uint float double vec2 vec3 vec4 dvec2 dvec3 dvec4 bvec2 bvec3 bvec4 ivec2 ivec3 ivec4 " +
          "uvec2 uvec3 uvec4 mat2 mat3 mat4 mat2x2 mat3x3 mat4x4 sampler2D sampler3D samplerCube sampler2DArray",
        built_in: "gl_FragCoord gl_FragColor gl_Position radians degrees sin cos tan asin acos atan pow exp log exp2 log2 " +
          "sqrt inversesqrt abs sign floor ceil fract mod min max clamp mix step smoothstep length distance dot cross " +
          "normalize reflect refract texture texture2D textureLod dFdx dFdy fwidth",
        literal: "true false"
      },
      contains: [
        hljs.C_LINE_COMMENT_MODE,
        hljs.C_BLOCK_COMMENT_MODE,
        hljs.C_NUMBER_MODE,
        { scope: "meta", begin: /^[ \t]*#/, end: /$/ }
      ]
    };
  }

  var grammarsAdded = false;
  function addGrammars() {
    if (grammarsAdded || !window.hljs) return;
    grammarsAdded = true;
    if (!window.hljs.getLanguage("yarn")) window.hljs.registerLanguage("yarn", yarnLanguage);
    if (!window.hljs.getLanguage("glsl")) window.hljs.registerLanguage("glsl", glslLanguage);
  }

  function highlight(root) {
    if (!window.hljs || !root || !root.querySelectorAll) return;
    addGrammars();
    var blocks = root.querySelectorAll('pre code[class*="language-"]:not(.hljs)');
    for (var i = 0; i < blocks.length; i++) {
      try { window.hljs.highlightElement(blocks[i]); } catch (err) { /* plain text is fine */ }
    }
  }

  function byId(id) { return id ? document.getElementById(id) : null; }

  // ---------------------------------------------------------------- intent box

  function fillIntent(text, targetId) {
    var box = byId(targetId || "intent");
    if (!box || !text) return;
    box.value = text;
    clearInvalid(box);
    box.focus();
    try { box.setSelectionRange(text.length, text.length); } catch (err) { /* not a text control */ }
    box.classList.remove("just-filled");
    void box.offsetWidth; // restart the flash animation
    box.classList.add("just-filled");
  }

  function examples() {
    var data = byId("intent-examples");
    if (!data) return [];
    try { return JSON.parse(data.textContent) || []; } catch (err) { return []; }
  }

  function surprise(button) {
    var box = byId(button.getAttribute("data-target") || "intent");
    var current = box ? box.value.trim() : "";
    var pool = examples().filter(function (e) { return e && e !== current; });
    var first = button.getAttribute("data-surprise");
    var pick;
    if (first && first !== current && !button.hasAttribute("data-used")) {
      pick = first;
      button.setAttribute("data-used", "");
    } else if (pool.length) {
      pick = pool[Math.floor(Math.random() * pool.length)];
    } else {
      pick = first;
    }
    fillIntent(pick, button.getAttribute("data-target"));
  }

  // ---------------------------------------------------------------- field errors

  function clearInvalid(input) {
    input.removeAttribute("aria-invalid");
    var field = input.closest(".field");
    if (field) {
      field.classList.remove("field--error");
      var notes = field.querySelectorAll(".field-error[data-js]");
      for (var i = 0; i < notes.length; i++) notes[i].remove();
    }
  }

  function clearFieldErrors(form) {
    var marked = form.querySelectorAll(".field--error");
    for (var i = 0; i < marked.length; i++) marked[i].classList.remove("field--error");
    var invalid = form.querySelectorAll('[aria-invalid="true"]');
    for (var j = 0; j < invalid.length; j++) invalid[j].removeAttribute("aria-invalid");
    var notes = form.querySelectorAll(".field-error");
    for (var k = 0; k < notes.length; k++) notes[k].remove();
  }

  function controlsOf(target) {
    if (target.matches("input, textarea, select")) return [target];
    return Array.prototype.slice.call(target.querySelectorAll('input:not([type="hidden"]), textarea, select'));
  }

  /* After the _error.html partial is swapped in, point at the field it names. */
  function markFieldErrors(container) {
    var form = byId("generate-form");
    if (!form) return;
    clearFieldErrors(form);
    var panel = container.querySelector(".error-panel[data-field]");
    var link = panel && panel.querySelector("[data-focus]");
    var target = link && byId(link.getAttribute("data-focus"));
    if (!target || !form.contains(target)) return;
    var field = target.closest(".field") || target;
    field.classList.add("field--error");
    var details = field.closest("details");
    if (details) details.open = true;
    var message = panel.querySelector(".error-message");
    var note = document.createElement("p");
    note.className = "field-error";
    note.setAttribute("data-js", "");
    note.id = target.id + "-js-error";
    note.textContent = "⚠️ " + (message ? message.textContent.trim() : "Please check this.");
    var label = field.querySelector(".field-label");
    if (label) label.insertAdjacentElement("afterend", note); else field.prepend(note);
    controlsOf(target).forEach(function (input) {
      input.setAttribute("aria-invalid", "true");
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(note.id) < 0) described.push(note.id);
      input.setAttribute("aria-describedby", described.join(" "));
    });
  }

  function focusField(id) {
    var target = byId(id);
    if (!target) return false;
    var details = target.closest("details");
    if (details) details.open = true;
    var control = controlsOf(target).filter(function (c) { return !c.disabled && c.type !== "range"; })[0] || target;
    control.focus();
    if (control.scrollIntoView) control.scrollIntoView({ block: "center", behavior: prefersReducedMotion() ? "auto" : "smooth" });
    return true;
  }

  // ---------------------------------------------------------------- results

  function revealResult(section) {
    var rect = section.getBoundingClientRect();
    var visible = rect.top >= 0 && rect.top < window.innerHeight * 0.6;
    if (!visible && section.scrollIntoView) {
      section.scrollIntoView({ block: "start", behavior: prefersReducedMotion() ? "auto" : "smooth" });
    }
  }

  function showProblem(target, title, message) {
    var panel = document.createElement("div");
    panel.className = "error-panel";
    panel.setAttribute("role", "alert");
    var art = document.createElement("span");
    art.className = "error-art";
    art.setAttribute("aria-hidden", "true");
    art.textContent = "🛠️";
    var body = document.createElement("div");
    var heading = document.createElement("h2");
    heading.className = "error-title";
    heading.textContent = title;
    var text = document.createElement("p");
    text.className = "error-message";
    text.textContent = message;
    body.append(heading, text);
    panel.append(art, body);
    target.removeAttribute("aria-busy");
    target.replaceChildren(panel);
  }

  function resultSectionFor(elt) {
    return elt && elt.closest ? elt.closest("#current-generation") : null;
  }

  // ---------------------------------------------------------------- live generations

  function articleIn(wrapper) {
    return wrapper.querySelector("article.generation");
  }

  function isDone(wrapper) {
    var article = articleIn(wrapper);
    return !!(article && DONE[article.getAttribute("data-status")]);
  }

  function setBusy(wrapper, busy) {
    var section = resultSectionFor(wrapper);
    if (!section) return;
    if (busy) section.setAttribute("aria-busy", "true");
    else section.removeAttribute("aria-busy");
  }

  /* Called after every push or poll: speak progress now and then, and the end once. */
  function onUpdate(wrapper) {
    var state = live.get(wrapper);
    var article = articleIn(wrapper);
    if (!state || !article) return;
    highlight(article);
    var status = article.getAttribute("data-status");
    var message = article.getAttribute("data-announce") || "";
    if (DONE[status]) {
      if (state.finished) return;
      state.finished = true;
      setBusy(wrapper, false);
      finish(article, message);
      // Lets other parts of the page (the recent results list) refresh themselves.
      document.body.dispatchEvent(new CustomEvent("pog:generation-done", { detail: { status: status } }));
      return;
    }
    setBusy(wrapper, true);
    var now = Date.now();
    if (message && message !== state.lastMessage && now - state.lastAnnounced > ANNOUNCE_GAP_MS) {
      announce(message);
      state.lastAnnounced = now;
    }
    state.lastMessage = message;
  }

  function finish(article, message) {
    announce(message);
    var active = document.activeElement;
    var section = resultSectionFor(article);
    // Move focus to the result only if the person is not busy typing somewhere else.
    var idle = !active || active === document.body || active.id === "generate-button" ||
      (section && section.contains(active)) || active.classList.contains("make-3d");
    var title = article.querySelector(".generation-title");
    if (idle && title) {
      title.focus({ preventScroll: true });
      var rect = title.getBoundingClientRect();
      if (rect.top < 0 || rect.bottom > window.innerHeight) {
        title.scrollIntoView({ block: "start", behavior: prefersReducedMotion() ? "auto" : "smooth" });
      }
    }
  }

  /* While a generation waits in line its place changes as other people's jobs finish, with
     no event of its own: read the partial again now and then and update only the place. */
  function refreshPlace(wrapper) {
    window.setTimeout(function () {
      if (!document.body.contains(wrapper) || wrapper.getAttribute("data-status") !== "queued") return;
      var url = wrapper.getAttribute("data-fragment-url");
      fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".progress-queue");
          var shown = wrapper.querySelector(".progress-queue");
          if (fresh && shown) shown.innerHTML = fresh.innerHTML;
          refreshPlace(wrapper);
        })
        .catch(function () { refreshPlace(wrapper); });
    }, 3000);
  }

  function watch(wrapper) {
    if (live.has(wrapper)) return;
    refreshPlace(wrapper);
    var state = { finished: isDone(wrapper), lastMessage: "", lastAnnounced: 0, open: false, polling: false, failures: 0 };
    live.set(wrapper, state);
    if (state.finished) return;
    setBusy(wrapper, true);
    if (!("WebSocket" in window) || !wrapper.hasAttribute("ws-connect") || !window.htmx) {
      startPolling(wrapper);
      return;
    }
    window.setTimeout(function () {
      if (!state.open && !isDone(wrapper) && document.body.contains(wrapper)) startPolling(wrapper);
    }, WS_GRACE_MS);
  }

  /* Swap the wrapper for a copy without ws-connect (the extension then drops its
     socket and stops reconnecting), and fetch the same partial every 1.5 s. */
  function startPolling(wrapper) {
    var state = live.get(wrapper);
    if (!state || state.polling || isDone(wrapper) || !document.body.contains(wrapper)) return;
    var target = wrapper;
    if (wrapper.hasAttribute("ws-connect")) {
      target = wrapper.cloneNode(true);
      target.removeAttribute("ws-connect");
      target.removeAttribute("hx-ext");
      wrapper.replaceWith(target);
    }
    state.polling = true;
    live.set(target, state);
    poll(target, state);
  }

  function poll(wrapper, state) {
    if (!document.body.contains(wrapper) || isDone(wrapper)) return;
    var url = wrapper.getAttribute("data-fragment-url");
    fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true", Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.text();
      })
      .then(function (html) {
        state.failures = 0;
        var template = document.createElement("template");
        template.innerHTML = html.trim();
        var fresh = template.content.querySelector("article.generation");
        var old = articleIn(wrapper);
        if (fresh && old) {
          old.replaceWith(fresh);
          if (window.htmx) window.htmx.process(fresh);
          onUpdate(wrapper);
        }
      })
      .catch(function () { state.failures += 1; })
      .then(function () {
        if (isDone(wrapper)) return;
        if (state.failures >= MAX_POLL_FAILURES) {
          var section = resultSectionFor(wrapper);
          setBusy(wrapper, false);
          if (section) {
            showProblem(section, "We lost touch with the studio",
              "Your request may still be running. Reload the page in a moment to see it.");
          }
          return;
        }
        window.setTimeout(function () { poll(wrapper, state); }, POLL_MS);
      });
  }

  // ---------------------------------------------------------------- streamed answers

  /* A text action a model writes token by token (the world bible): instead of htmx's
     request, post the same form to the stream URL and show the words as they come
     (server-sent events read from fetch). If a helper stumbles half-way the text
     starts again, and the page says so. At the end the finished result replaces it,
     exactly as every other action shows its result. */
  function streamForm(form) {
    var section = byId("current-generation");
    var button = byId("generate-button");
    if (!section) return;
    if (button) button.disabled = true;
    section.setAttribute("aria-busy", "true");
    var article = document.createElement("article");
    article.className = "generation generation--writing";
    article.setAttribute("data-status", "running");
    var title = document.createElement("h3");
    title.className = "generation-title";
    title.tabIndex = -1;
    title.textContent = "Writing it for you…";
    var note = document.createElement("p");
    note.className = "stream-note";
    note.hidden = true;
    var text = document.createElement("pre");
    text.className = "stream-text";
    text.setAttribute("aria-label", "The answer so far");
    article.append(title, note, text);
    section.replaceChildren(article);
    revealResult(section);
    announce("Writing it for you.");
    var generationId = null;
    var ended = false;

    function handle(block) {
      var kind = "";
      var data = "";
      block.split("\n").forEach(function (line) {
        if (line.indexOf("event: ") === 0) kind = line.slice(7);
        else if (line.indexOf("data: ") === 0) data += line.slice(6);
      });
      if (!kind) return;
      var payload = {};
      try { payload = JSON.parse(data || "{}"); } catch (e) { return; }
      if (kind === "token") {
        text.textContent += payload.text || "";
        text.scrollTop = text.scrollHeight;
      } else if (kind === "switched") {
        text.textContent = "";
        note.hidden = false;
        note.textContent = "One helper stumbled halfway, so another one is starting again from the top.";
        announce("Starting again with another helper.");
      } else if (kind === "done" || kind === "failed") {
        ended = true;
        generationId = payload.generation || generationId;
        showFinished(section, generationId);
      }
    }

    fetch(form.getAttribute("data-stream-url"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "HX-Request": "true", Accept: "text/event-stream" }
    })
      .then(function (response) {
        generationId = response.headers.get("X-POG-Generation");
        if (!response.ok || !response.body) {
          return response.text().then(function (html) {
            // The same error partial htmx would have shown, fields marked.
            section.removeAttribute("aria-busy");
            section.innerHTML = html;
            markFieldErrors(section);
            revealResult(section);
          });
        }
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) return;
            buffer += decoder.decode(chunk.value, { stream: true });
            var blocks = buffer.split("\n\n");
            buffer = blocks.pop();
            blocks.forEach(handle);
            return pump();
          });
        }
        return pump().then(function () {
          if (!ended && generationId) showFinished(section, generationId);
        });
      })
      .catch(function () {
        if (generationId) {
          showFinished(section, generationId);  // the studio keeps the work even if we lost the line
        } else {
          showProblem(section, "Can't reach the studio",
            "Check that you are connected to the internet, then press the button again.");
        }
      })
      .then(function () { if (button) button.disabled = false; });
  }

  /* The finished result, as the websocket or polling would have shown it. */
  function showFinished(section, generationId) {
    var wrapper = document.createElement("div");
    wrapper.className = "generation-live";
    wrapper.setAttribute("data-generation", generationId);
    wrapper.setAttribute("data-fragment-url", "/generations/" + generationId + "/fragment");
    var placeholder = document.createElement("article");
    placeholder.className = "generation";
    placeholder.setAttribute("data-status", "running");
    wrapper.append(placeholder);
    section.replaceChildren(wrapper);
    section.removeAttribute("aria-busy");
    watch(wrapper);  // no socket to wait for: it fetches the finished partial at once
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (!form || form.id !== "generate-form" || !form.getAttribute("data-stream-url")) return;
    if (!window.fetch || !window.ReadableStream || !window.TextDecoder) return;  // htmx's way still works
    event.preventDefault();
    streamForm(form);
  });

  function setup(root) {
    if (!root || !root.querySelectorAll) return;
    highlight(root);
    var wrappers = root.matches && root.matches(".generation-live") ? [root] : [];
    wrappers = wrappers.concat(Array.prototype.slice.call(root.querySelectorAll(".generation-live")));
    wrappers.forEach(watch);
  }

  // ---------------------------------------------------------------- waveforms

  function waveOf(audio) {
    var stage = audio.closest && audio.closest(".audio-stage--wave");
    return stage ? stage.querySelector("[data-waveform]") : null;
  }

  function showPlayed(event) {
    var audio = event.target;
    if (!(audio instanceof HTMLAudioElement)) return;
    var wave = waveOf(audio);
    if (!wave || !audio.duration) return;
    wave.classList.add("is-started");
    wave.style.setProperty("--played", (100 * audio.currentTime / audio.duration).toFixed(2) + "%");
  }

  // Media events do not bubble, so listen in the capture phase.
  ["timeupdate", "seeked", "ended"].forEach(function (name) {
    document.addEventListener(name, showPlayed, true);
  });

  // ---------------------------------------------------------------- copying

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
      area.remove();
      if (ok) resolve(); else reject(new Error("copy failed"));
    });
  }

  // ---------------------------------------------------------------- events

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;

    var chip = target.closest(".example-chip");
    if (chip) {
      fillIntent(chip.getAttribute("data-example"), chip.getAttribute("data-target"));
      return;
    }
    var surpriseButton = target.closest("#surprise-button");
    if (surpriseButton) {
      surprise(surpriseButton);
      return;
    }
    var copyButton = target.closest("[data-copy]");
    if (copyButton) {
      var original = copyButton.getAttribute("data-label") || copyButton.textContent;
      copyButton.setAttribute("data-label", original);
      copyText(copyButton.getAttribute("data-copy")).then(function () {
        copyButton.textContent = "Copied!";
        copyButton.classList.add("is-copied");
        announce("Copied.");
        window.setTimeout(function () {
          copyButton.textContent = original;
          copyButton.classList.remove("is-copied");
        }, 2000);
      }, function () { announce("Could not copy. Select the text and copy it by hand."); });
      return;
    }
    var wave = target.closest("[data-waveform]");
    if (wave) {
      // A mouse or finger on the picture jumps there; keyboards use the player's own controls.
      var player = wave.parentElement && wave.parentElement.querySelector("audio");
      if (player && player.duration) {
        var box = wave.getBoundingClientRect();
        player.currentTime = Math.max(0, Math.min(1, (event.clientX - box.left) / box.width)) * player.duration;
        if (player.paused) player.play().catch(function () { /* autoplay rules: the veil still moves */ });
      }
      return;
    }
    var focusLink = target.closest("a[data-focus]");
    if (focusLink && focusField(focusLink.getAttribute("data-focus"))) {
      event.preventDefault();
    }
  });

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement || input instanceof HTMLTextAreaElement)) return;
    if (input.type === "range" && input.hasAttribute("data-sync")) {
      var number = byId(input.getAttribute("data-sync"));
      if (number) {
        number.value = input.value;
        clearInvalid(number);
      }
    } else if (input.type === "number" && input.id) {
      var range = document.querySelector('input[type="range"][data-sync="' + CSS.escape(input.id) + '"]');
      if (range && input.value !== "" && !isNaN(Number(input.value))) range.value = input.value;
    }
    if (input.getAttribute("aria-invalid") === "true") clearInvalid(input);
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && (input.type === "radio" || input.type === "checkbox")) {
      var field = input.closest(".field--error");
      if (field) clearInvalid(input);
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target) return;
    highlight(target);
    if (target.id === "current-generation") {
      // A new answer replaced whatever was running; a live one marks itself busy again on load.
      target.removeAttribute("aria-busy");
      markFieldErrors(target);
      revealResult(target);
    }
  });

  document.addEventListener("htmx:wsOpen", function (event) {
    var state = live.get(event.target);
    if (state) state.open = true;
  });

  document.addEventListener("htmx:wsAfterMessage", function (event) {
    var wrapper = event.target;
    if (wrapper && live.has(wrapper)) onUpdate(wrapper);
    else highlight(document);
  });

  document.addEventListener("htmx:wsClose", function (event) {
    var wrapper = event.target;
    if (!wrapper || !live.has(wrapper) || isDone(wrapper)) return;
    // Closed before the end (a proxy without websockets, a restart): keep going by polling.
    window.setTimeout(function () { startPolling(wrapper); }, 300);
  });

  document.addEventListener("htmx:responseError", function (event) {
    var detail = event.detail || {};
    var section = resultSectionFor(detail.target) || (detail.target && detail.target.id === "current-generation" ? detail.target : null);
    var status = detail.xhr ? detail.xhr.status : 0;
    if (section) {
      showProblem(section, "The studio hit a bump",
        "Something went wrong on our side (error " + status + "). It's not your fault. Please try again in a moment.");
      revealResult(section);
    } else {
      announce("Something went wrong. Please try again.");
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    var detail = event.detail || {};
    var section = resultSectionFor(detail.target);
    if (section) {
      showProblem(section, "Can't reach the studio",
        "Check that you are connected to the internet, then press the button again.");
      revealResult(section);
    } else {
      announce("Can't reach the studio. Check your connection.");
    }
  });

  // Both paths are idempotent (watch() remembers wrappers, highlight() skips done blocks).
  if (window.htmx) window.htmx.onLoad(setup);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setup(document.body); });
  } else {
    setup(document.body);
  }
})();
