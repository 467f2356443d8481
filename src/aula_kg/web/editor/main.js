// aula-kg: the SPARQL editor of /editeur, CodeMirror 6 over the page's <textarea>.
// Highlighting (the SPARQL mode of @codemirror/legacy-modes), completion of prefixes and of
// the ontology's classes and properties (the page lists them), error markers from the
// server's parser (/editeur/analyse: it parses, never runs). The textarea keeps the text,
// so the page's script (editor.js) runs what it holds; it is the fallback without script.
import { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection } from "@codemirror/view";
import { EditorState } from "@codemirror/state";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  StreamLanguage, syntaxHighlighting, defaultHighlightStyle, bracketMatching
} from "@codemirror/language";
import { classHighlighter } from "@lezer/highlight";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";
import { autocompletion, completionKeymap, closeBrackets } from "@codemirror/autocomplete";
import { linter, lintGutter } from "@codemirror/lint";

function completions(terms) {
  return function (context) {
    const word = context.matchBefore(/[A-Za-z][\w-]*:[\w-]*|[A-Za-z][\w-]*/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    return {
      from: word.from,
      options: terms.map((t) => ({ label: t.label, detail: t.detail, info: t.info, type: t.type })),
      validFor: /^[\w:-]*$/
    };
  };
}

function serverLinter(url) {
  return linter(async (view) => {
    const text = view.state.doc.toString();
    if (!text.trim()) return [];
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ query: text })
    });
    if (!response.ok) return [];
    const found = await response.json();
    if (!found.error) return [];
    const doc = view.state.doc;
    const lineNumber = Math.min(Math.max(found.error.line || 1, 1), doc.lines);
    const line = doc.line(lineNumber);
    const from = Math.min(line.from + Math.max((found.error.column || 1) - 1, 0), line.to);
    const to = Math.min(Math.max(from + 1, line.to), doc.length);
    return [{ from: Math.min(from, Math.max(to - 1, 0)), to: to, severity: "error",
              message: found.error.message }];
  }, { delay: 600 });
}

window.aulaSparqlEditor = function (textarea, options) {
  const run = options.run;
  const view = new EditorView({
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        lineNumbers(), history(), drawSelection(), highlightActiveLine(), bracketMatching(),
        closeBrackets(),
        StreamLanguage.define(sparql),
        syntaxHighlighting(defaultHighlightStyle), syntaxHighlighting(classHighlighter),
        autocompletion({ override: [completions(options.terms)] }),
        lintGutter(), serverLinter(options.analyse), EditorView.lineWrapping,
        keymap.of([
          { key: "Mod-Enter", run: () => { run(); return true; } },
          ...completionKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab
        ]),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) textarea.value = update.state.doc.toString();
        }),
        EditorView.contentAttributes.of({ "aria-label": "Requête SPARQL", lang: "en" })
      ]
    })
  });
  textarea.parentNode.insertBefore(view.dom, textarea.nextSibling);
  textarea.hidden = true;
  return {
    view: view,
    set: function (text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    }
  };
};
