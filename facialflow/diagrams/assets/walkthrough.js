(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("ff-data").textContent);
  var steps = data.steps;
  var list = document.getElementById("steps");
  var viewport = document.getElementById("viewport");
  var stage = document.getElementById("stage");
  var svg = document.querySelector("#diagram svg");
  var detail = document.getElementById("detail");
  var followButton = document.getElementById("follow");
  var buttons = [];
  var current = -1;

  // the active step's label is kept at least this big, in CSS pixels, while following
  var LEGIBLE_PX = 16;
  var MIN_SCALE = 0.1;
  var MAX_SCALE = 6;
  var view = {scale: 1, x: 0, y: 0, follow: true};

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function stepText(step) {
    var text = (step.number ? step.number + ". " : "") + step.label;
    if (step.status === "skipped") text += " (skipped)";
    return text;
  }

  steps.forEach(function (step, i) {
    var li = el("li");
    if (step.parent) li.classList.add("child");
    if (step.other && !(i > 0 && steps[i - 1].other)) li.classList.add("other-start");
    var button = el("button", stepText(step), step.status || "");
    button.type = "button";
    button.dataset.state = step.id;
    button.setAttribute("aria-controls", "detail");
    button.addEventListener("click", function () { select(i, {reveal: true}); });
    li.appendChild(button);
    list.appendChild(li);
    buttons.push(button);
  });

  function facts(step) {
    var out = [];
    if (step.status === "route") {
      out.push(["On this route", step.number ? "step " + step.number : "yes"]);
    }
    if (step.status === "skipped") out.push(["Skipped for this client", step.skipped]);
    if (step.status === "off") out.push(["On this route", "no"]);
    out.push(["What happens", step.does]);
    if (step.why) out.push(["Why", step.why]);
    if (step.skipped_when) out.push(["Skipped when", step.skipped_when]);
    if (step.reached_when.length) out.push(["Reached", step.reached_when]);
    if (step.leads_to.length) out.push(["Next", step.leads_to]);
    if (step.products && step.products.length) {
      out.push(["Products for this client", step.products.map(function (p) {
        return p.name + " (" + p.ingredients.join(", ") + ")";
      })]);
    }
    if (step.findings && step.findings.length) {
      out.push(["Screening for this client", step.findings]);
    }
    return out;
  }

  function fillFacts(dl, step) {
    dl.textContent = "";
    facts(step).forEach(function (pair) {
      dl.appendChild(el("dt", pair[0]));
      var dd = el("dd");
      if (Array.isArray(pair[1])) {
        var ul = el("ul");
        pair[1].forEach(function (line) { ul.appendChild(el("li", line)); });
        dd.appendChild(ul);
      } else {
        dd.textContent = pair[1];
      }
      dl.appendChild(dd);
    });
  }

  function statusText(step) {
    if (step.compound) return "A group of steps";
    if (step.parent) return "Part of " + step.parent;
    return step.final ? "Final state" : "";
  }

  // -- zoom and pan ----------------------------------------------------------------------------

  var box = svg.viewBox.baseVal;
  // one SVG unit is one CSS pixel at 100%; the stage's transform does all the zooming
  svg.setAttribute("width", box.width);
  svg.setAttribute("height", box.height);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", document.title);

  function apply() {
    stage.style.transform =
      "translate(" + view.x + "px, " + view.y + "px) scale(" + view.scale + ")";
    viewport.dataset.scale = view.scale.toFixed(4);
    document.getElementById("zoom-level").textContent = Math.round(view.scale * 100) + "%";
  }

  function clampScale(s) { return Math.max(MIN_SCALE, Math.min(MAX_SCALE, s)); }

  function zoomAt(factor, cx, cy) {
    var s = clampScale(view.scale * factor);
    view.x = cx - (cx - view.x) * (s / view.scale);
    view.y = cy - (cy - view.y) * (s / view.scale);
    view.scale = s;
    apply();
  }

  function zoomCentre(factor) {
    zoomAt(factor, viewport.clientWidth / 2, viewport.clientHeight / 2);
  }

  function setFollow(on) {
    view.follow = on;
    followButton.setAttribute("aria-pressed", on ? "true" : "false");
  }

  function fitWidth() {
    setFollow(false);
    view.scale = clampScale(viewport.clientWidth / box.width);
    view.x = 0;
    view.y = Math.max(0, (viewport.clientHeight - box.height * view.scale) / 2);
    apply();
  }

  // where an element of the diagram sits, in unscaled stage pixels
  function stageBox(node) {
    var r = node.getBoundingClientRect();
    var s = stage.getBoundingClientRect();
    return {
      x: (r.left - s.left) / view.scale, y: (r.top - s.top) / view.scale,
      w: r.width / view.scale, h: r.height / view.scale
    };
  }

  function labelUnits(node) {
    var text = node.querySelector("text");
    return text ? parseFloat(text.getAttribute("font-size")) || 12 : 12;
  }

  function centreOn(node) {
    var legible = LEGIBLE_PX / labelUnits(node);
    if (view.scale < legible) view.scale = clampScale(legible);
    var b = stageBox(node);
    view.x = viewport.clientWidth / 2 - (b.x + b.w / 2) * view.scale;
    view.y = viewport.clientHeight / 2 - (b.y + b.h / 2) * view.scale;
    apply();
  }

  document.getElementById("zoom-in").addEventListener("click", function () { zoomCentre(1.25); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoomCentre(0.8); });
  document.getElementById("fit").addEventListener("click", fitWidth);
  followButton.addEventListener("click", function () {
    setFollow(!view.follow);
    if (view.follow && current >= 0) centreOn(target(steps[current].id) || svg);
  });

  viewport.addEventListener("wheel", function (e) {
    e.preventDefault();
    var r = viewport.getBoundingClientRect();
    // a trackpad pinch arrives as a wheel event with ctrlKey; both zoom around the pointer
    zoomAt(Math.exp(-e.deltaY * (e.ctrlKey ? 0.01 : 0.0015)), e.clientX - r.left, e.clientY - r.top);
  }, {passive: false});

  var pointers = {};
  var gesture = null;
  var dragged = false;

  function pointerList() {
    return Object.keys(pointers).map(function (k) { return pointers[k]; });
  }

  function startGesture() {
    var p = pointerList();
    var r = viewport.getBoundingClientRect();
    if (p.length === 1) {
      gesture = {kind: "pan", x: p[0].x, y: p[0].y, vx: view.x, vy: view.y};
    } else if (p.length === 2) {
      gesture = {
        kind: "pinch", d: Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y) || 1,
        cx: (p[0].x + p[1].x) / 2 - r.left, cy: (p[0].y + p[1].y) / 2 - r.top,
        scale: view.scale, vx: view.x, vy: view.y
      };
    } else {
      gesture = null;
    }
  }

  viewport.addEventListener("pointerdown", function (e) {
    pointers[e.pointerId] = {x: e.clientX, y: e.clientY};
    dragged = false;
    startGesture();
  });
  viewport.addEventListener("pointermove", function (e) {
    if (!(e.pointerId in pointers) || !gesture) return;
    pointers[e.pointerId] = {x: e.clientX, y: e.clientY};
    var p = pointerList();
    if (gesture.kind === "pan" && p.length === 1) {
      var dx = p[0].x - gesture.x, dy = p[0].y - gesture.y;
      if (!dragged && Math.hypot(dx, dy) < 5) return;
      if (!dragged) {
        dragged = true;
        viewport.classList.add("dragging");
        if (viewport.setPointerCapture) viewport.setPointerCapture(e.pointerId);
      }
      view.x = gesture.vx + dx;
      view.y = gesture.vy + dy;
      apply();
    } else if (gesture.kind === "pinch" && p.length === 2) {
      dragged = true;
      var d = Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y) || 1;
      var s = clampScale(gesture.scale * d / gesture.d);
      view.x = gesture.cx - (gesture.cx - gesture.vx) * (s / gesture.scale);
      view.y = gesture.cy - (gesture.cy - gesture.vy) * (s / gesture.scale);
      view.scale = s;
      apply();
    }
  });
  function endPointer(e) {
    delete pointers[e.pointerId];
    viewport.classList.remove("dragging");
    startGesture();
  }
  viewport.addEventListener("pointerup", endPointer);
  viewport.addEventListener("pointercancel", endPointer);

  viewport.addEventListener("keydown", function (e) {
    var pan = {ArrowLeft: [60, 0], ArrowRight: [-60, 0], ArrowUp: [0, 60], ArrowDown: [0, -60]};
    var d = pan[e.key];
    if (!d) return;
    e.preventDefault();
    e.stopPropagation();
    view.x += d[0];
    view.y += d[1];
    apply();
  });

  // -- selecting a step ------------------------------------------------------------------------

  function target(id) { return svg.querySelector("#state-" + CSS.escape(id)); }

  function highlight(id) {
    svg.querySelectorAll(".ff-current, .ff-edge").forEach(function (g) {
      g.classList.remove("ff-current", "ff-edge");
    });
    var node = target(id);
    if (node) node.classList.add("ff-current");
    svg.querySelectorAll("g.edge").forEach(function (g) {
      if (g.id.indexOf("-" + id + "-") !== -1 && g.id.lastIndexOf("edge-", 0) === 0) {
        g.classList.add("ff-edge");
      }
    });
    return node;
  }

  function inView(node) {
    var r = node.getBoundingClientRect();
    return r.top >= 0 && r.top < window.innerHeight - 40;
  }

  function select(i, how) {
    if (i < 0 || i >= steps.length) return;
    how = how || {};
    current = i;
    var step = steps[i];
    // one tab stop for the whole list (the current step); the arrow keys move within it
    buttons.forEach(function (b, j) {
      if (j === i) b.setAttribute("aria-current", "step"); else b.removeAttribute("aria-current");
      b.tabIndex = j === i ? 0 : -1;
    });
    var node = highlight(step.id);
    document.getElementById("detail-title").textContent = stepText(step).replace(" (skipped)", "");
    document.getElementById("detail-status").textContent = statusText(step);
    fillFacts(document.getElementById("detail-facts"), step);
    document.body.dataset.current = step.id;
    // keep the chosen step visible in a scrolling strip without scrolling the page
    var b = buttons[i];
    if (list.scrollWidth > list.clientWidth) {
      var left = b.offsetLeft - list.offsetLeft;
      if (left < list.scrollLeft || left + b.offsetWidth > list.scrollLeft + list.clientWidth) {
        list.scrollLeft = left - 8;
      }
    }
    if (view.follow && node) centreOn(node);
    if (how.reveal && !inView(detail)) detail.scrollIntoView({block: "nearest"});
    if (history.replaceState) history.replaceState(null, "", "#" + step.id);
  }

  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || typing(e)) return;
    var zoom = {"+": 1.25, "=": 1.25, "-": 0.8, "_": 0.8}[e.key];
    if (zoom) { e.preventDefault(); zoomCentre(zoom); return; }
    if (e.key === "0") { e.preventDefault(); fitWidth(); return; }
    if (e.key === "f" || e.key === "F") { e.preventDefault(); followButton.click(); return; }
    var next = {ArrowDown: current + 1, ArrowRight: current + 1, ArrowUp: current - 1,
                ArrowLeft: current - 1, Home: 0, End: steps.length - 1}[e.key];
    if (next === undefined) return;
    e.preventDefault();
    select(Math.max(0, Math.min(steps.length - 1, next)));
    buttons[current].focus({preventScroll: true});
  });

  svg.querySelectorAll("g.node, g.cluster").forEach(function (g) {
    if (g.id.lastIndexOf("state-", 0) !== 0) return;
    var id = g.id.slice(6);
    g.addEventListener("click", function (e) {
      e.stopPropagation();
      if (dragged) return;
      var i = steps.findIndex(function (s) { return s.id === id; });
      if (i !== -1) select(i, {reveal: true});
    });
  });

  function recentre() {
    if (view.follow && current >= 0) centreOn(target(steps[current].id) || svg);
  }
  // the viewer's size changes with the window, a rotated phone, or the page settling
  if (window.ResizeObserver) new ResizeObserver(recentre).observe(viewport);
  else window.addEventListener("resize", recentre);

  // -- the storyboard: one printed frame per step ----------------------------------------------

  function midpoints() {
    var out = {};
    svg.querySelectorAll("g.edge").forEach(function (g) {
      var path = g.querySelector("path");
      if (!path || !path.getTotalLength) return;
      var p = path.getPointAtLength(path.getTotalLength() / 2);
      out[g.id] = {x: p.x, y: p.y};
    });
    return out;
  }

  function edgeFor(root, pair) {
    var prefix = "edge-" + pair[0] + "-" + pair[1] + "-";
    var found = null;
    root.querySelectorAll("g.edge").forEach(function (g) {
      if (!found && g.dataset.ffId.lastIndexOf(prefix, 0) === 0) found = g;
    });
    return found;
  }

  function badge(g, n, at) {
    var ns = svg.namespaceURI;
    var b = document.createElementNS(ns, "g");
    b.setAttribute("class", "ff-badge");
    var c = document.createElementNS(ns, "circle");
    c.setAttribute("cx", at.x); c.setAttribute("cy", at.y); c.setAttribute("r", 8);
    var t = document.createElementNS(ns, "text");
    t.setAttribute("x", at.x); t.setAttribute("y", at.y + 4);
    t.setAttribute("text-anchor", "middle");
    t.textContent = String(n);
    b.appendChild(c); b.appendChild(t);
    g.appendChild(b);
  }

  function buildStoryboard() {
    var board = document.getElementById("storyboard");
    var mids = midpoints();
    var byId = {};
    steps.forEach(function (s) { byId[s.id] = s; });
    var last = data.frames.length ? data.frames[data.frames.length - 1].edges : [];
    data.frames.forEach(function (frame, k) {
      var section = el("section", undefined, "frame");
      section.dataset.state = frame.id;
      var head = el("header");
      head.appendChild(el("h2", "Step " + frame.number + " of " + data.frames.length + ": " +
        frame.label));
      head.appendChild(el("p", data.heading, "frame-sub"));
      section.appendChild(head);
      var holder = el("div", undefined, "frame-diagram");
      var copy = svg.cloneNode(true);
      copy.removeAttribute("width");
      copy.removeAttribute("height");
      copy.setAttribute("aria-label", "Step " + frame.number + ": " + frame.label);
      // ids must stay unique in the page: the copy keeps them as data attributes
      copy.querySelectorAll("[id]").forEach(function (n) {
        n.dataset.ffId = n.id;
        n.removeAttribute("id");
      });
      copy.querySelectorAll(".ff-current, .ff-edge").forEach(function (n) {
        n.classList.remove("ff-current", "ff-edge");
      });
      var node = copy.querySelector('[data-ff-id="state-' + frame.id + '"]');
      if (node) node.classList.add("ff-current");
      frame.edges.forEach(function (pair, n) {
        var g = edgeFor(copy, pair);
        if (!g) return;
        g.classList.add("ff-visited");
        var at = mids[g.dataset.ffId];
        if (at) badge(g, n + 1, at);
      });
      // what the route does after this step is faded: the frame shows the story so far
      data.frames.slice(k + 1).forEach(function (later) {
        var n = copy.querySelector('[data-ff-id="state-' + later.id + '"]');
        if (n) n.classList.add("ff-later");
      });
      last.slice(k).forEach(function (pair) {
        var g = edgeFor(copy, pair);
        if (g) g.classList.add("ff-later");
      });
      holder.appendChild(copy);
      section.appendChild(holder);
      var dl = el("dl");
      if (byId[frame.id]) fillFacts(dl, byId[frame.id]);
      section.appendChild(dl);
      board.appendChild(section);
    });
  }

  apply();
  buildStoryboard();
  var wanted = decodeURIComponent(location.hash.slice(1));
  var start = steps.findIndex(function (s) { return s.id === wanted; });
  select(start === -1 ? 0 : start);
})();
