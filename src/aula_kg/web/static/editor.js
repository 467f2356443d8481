/* aula-kg: a small SPARQL editor. Sends the query to /sparql and shows the answer as a
   table. Everything from the server is inserted as text (textContent), never as HTML. */
(function () {
  "use strict";
  var form = document.getElementById("editor");
  var textarea = document.getElementById("query");
  var select = document.getElementById("example");
  var status = document.getElementById("status");
  var results = document.getElementById("results");
  var examples = JSON.parse(document.getElementById("examples").textContent);
  var errorTexts = JSON.parse(document.getElementById("error-texts").textContent);
  var share = document.getElementById("share");
  // CodeMirror 6 over the textarea when its bundle loaded (sparql-editor.js); the textarea
  // keeps the text either way, so what runs is textarea.value.
  var rich = window.aulaSparqlEditor ? window.aulaSparqlEditor(textarea, {
    terms: JSON.parse(document.getElementById("terms").textContent),
    analyse: "/editeur/analyse",
    run: function () { run(); }
  }) : null;
  window.aulaEditor = rich;
  var BASE = "https://w3id.org/aula-kg/";
  var PREFIXES = [
    ["aula:", "https://w3id.org/aula-kg/ontology#"], ["id:", "https://w3id.org/aula-kg/id/"],
    ["igeo:", "http://rdf.insee.fr/def/geo#"], ["skos:", "http://www.w3.org/2004/02/skos/core#"],
    ["rdfs:", "http://www.w3.org/2000/01/rdf-schema#"], ["rdf:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"],
    ["dcterms:", "http://purl.org/dc/terms/"], ["prov:", "http://www.w3.org/ns/prov#"],
    ["xsd:", "http://www.w3.org/2001/XMLSchema#"], ["owl:", "http://www.w3.org/2002/07/owl#"]
  ];

  function short(iri) {
    for (var i = 0; i < PREFIXES.length; i++) {
      if (iri.indexOf(PREFIXES[i][1]) === 0) return PREFIXES[i][0] + iri.slice(PREFIXES[i][1].length);
    }
    return iri;
  }

  function setStatus(text, isError) {
    status.textContent = text;
    status.className = isError ? "error" : "";
  }

  function cell(term) {
    var td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      var a = document.createElement("a");
      a.textContent = short(term.value);
      a.title = term.value;
      if (term.value.indexOf(BASE) === 0) a.href = "/" + term.value.slice(BASE.length);
      else if (/^https?:\/\//.test(term.value)) a.href = term.value;
      td.appendChild(a);
    } else {
      td.textContent = term.value;
      if (term["xml:lang"]) td.lang = term["xml:lang"];
      if (term.datatype && /#(integer|decimal|double|float|int|long)$/.test(term.datatype)) td.className = "num";
    }
    return td;
  }

  function table(data) {
    results.textContent = "";
    if (typeof data.boolean === "boolean") {
      var p = document.createElement("p");
      p.className = "boolean";
      p.textContent = "Réponse : " + (data.boolean ? "oui" : "non");
      results.appendChild(p);
      return;
    }
    var vars = data.head.vars || [];
    var rows = data.results.bindings;
    var count = document.createElement("p");
    count.className = "count";
    count.textContent = rows.length + (rows.length > 1 ? " lignes" : " ligne");
    results.appendChild(count);
    var wrap = document.createElement("div");
    wrap.className = "table-wrap";
    var t = document.createElement("table");
    t.className = "results";
    var head = t.createTHead().insertRow();
    vars.forEach(function (v) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = v;
      head.appendChild(th);
    });
    var body = t.createTBody();
    rows.forEach(function (row) {
      var tr = body.insertRow();
      vars.forEach(function (v) { tr.appendChild(cell(row[v])); });
    });
    wrap.appendChild(t);
    results.appendChild(wrap);
  }

  function graph(text) {
    results.textContent = "";
    var pre = document.createElement("pre");
    pre.textContent = text;
    results.appendChild(pre);
  }

  function run(event) {
    if (event) event.preventDefault();
    var query = textarea.value;
    var started = performance.now();
    // The query goes into the address, so the page can be shared and reruns from there.
    var address = "/editeur?query=" + encodeURIComponent(query);
    if (window.location.pathname + window.location.search !== address) {
      history.pushState(null, "", address);
    }
    share.href = address;
    share.hidden = false;
    setStatus("Exécution…", false);
    fetch("/sparql", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json, text/turtle;q=0.9"
      },
      body: new URLSearchParams({ query: query })
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      return response.text().then(function (text) {
        var seconds = ((performance.now() - started) / 1000).toFixed(2);
        if (!response.ok) {
          var detail = text, kind = "";
          try { var body = JSON.parse(text); detail = body.message; kind = body.error; } catch (e) { /* plain text */ }
          results.textContent = "";
          setStatus("Erreur " + response.status + " : " + (errorTexts[kind] || errorTexts["*"]), true);
          var p = document.createElement("p");
          p.className = "muted small";
          p.textContent = errorTexts.detail + " ";
          var code = document.createElement("code");
          code.lang = "en";
          code.textContent = detail;
          p.appendChild(code);
          results.appendChild(p);
          return;
        }
        if (type.indexOf("json") >= 0) table(JSON.parse(text)); else graph(text);
        var truncated = response.headers.get("Aula-Kg-Truncated");
        setStatus("Terminé en " + seconds + " s" + (truncated ? " (tronqué à " + truncated + " lignes)" : ""), false);
      });
    }).catch(function (error) {
      setStatus("Le serveur ne répond pas : " + error, true);
    });
  }

  form.addEventListener("submit", run);
  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) run(event);
    if (event.key === "Tab" && !event.shiftKey) {
      event.preventDefault();
      var s = textarea.selectionStart, e = textarea.selectionEnd;
      textarea.value = textarea.value.slice(0, s) + "  " + textarea.value.slice(e);
      textarea.selectionStart = textarea.selectionEnd = s + 2;
    }
  });
  select.addEventListener("change", function () {
    var chosen = examples.filter(function (e) { return e.name === select.value; })[0];
    if (chosen) {
      textarea.value = chosen.text;
      if (rich) rich.set(chosen.text);
      setStatus("Exemple chargé : paramètres libres (VALUES … { UNDEF }).", false);
    }
  });
  if (form.dataset.autorun) run();
})();
