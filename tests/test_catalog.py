"""Stored queries: every query parses, matches its golden result, binds parameters safely."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from aula_kg.answering import run_query
from aula_kg.catalog import Catalog, parse_stored_query
from aula_kg.cli import main
from aula_kg.config import Settings
from aula_kg.errors import AmbiguousName, InputError, ParameterError
from aula_kg.store import EmbeddedStore, open_store
from aula_kg.territories import NameIndex, normalise

sys.path.insert(0, str(Path(__file__).parent / "golden"))
from regenerate import golden_csv  # noqa: E402

CATALOG = Catalog.load(Settings.from_env().queries_dir)
INTERNAL = Catalog.load_internal(Settings.from_env().queries_dir)
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def names(store):
    return NameIndex(store)


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_catalogue_has_at_least_fifteen_questions_and_checks():
    questions = [q for q in CATALOG if not q.name.endswith("-violation")]
    checks = [q for q in CATALOG if q.name.endswith("-violation")]
    assert len(questions) >= 15
    assert len(checks) >= 3


@pytest.mark.parametrize("query", list(CATALOG), ids=lambda q: q.name)
def test_query_matches_its_golden_result(store, names, query):
    golden = GOLDEN / f"{query.name}.csv"
    assert golden.is_file(), "no golden result: run tests/golden/regenerate.py"
    assert golden_csv(store, query, names) == golden.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def both_stores(built_settings):
    """The session's build in memory and as the prebuilt on-disk store, with their name
    indexes."""
    on_disk = open_store(built_settings)
    assert isinstance(on_disk, EmbeddedStore) and on_disk.path is not None, "no prebuilt store"
    in_memory = EmbeddedStore.from_file(built_settings.graph_file)
    return (in_memory, NameIndex(in_memory)), (on_disk, NameIndex(on_disk))


@pytest.mark.parametrize("query", list(CATALOG), ids=lambda q: q.name)
def test_query_gives_the_same_csv_in_memory_and_on_disk(both_stores, query):
    # GROUP_CONCAT's order is the engine's, and the two pyoxigraph stores iterate in different
    # orders: every stored query feeds its concatenations from an ordered sub-select.
    (in_memory, memory_names), (on_disk, disk_names) = both_stores
    assert golden_csv(in_memory, query, memory_names) == golden_csv(on_disk, query, disk_names)


def test_internal_queries_are_a_catalogue_of_their_own():
    """The pictures' and forms' own SPARQL is in queries/internal/, never listed to planners."""
    assert {"recommendations", "action_statuses", "map_communes", "concept_values",
            "programme_values"} <= set(INTERNAL.queries)
    assert not set(INTERNAL.queries) & set(CATALOG.queries)
    assert all(q.path.parent.name == "internal" for q in INTERNAL)


@pytest.mark.parametrize("query", list(INTERNAL), ids=lambda q: q.name)
def test_internal_query_matches_its_golden_result(store, names, query):
    golden = GOLDEN / "internal" / f"{query.name}.csv"
    assert golden.is_file(), f"no golden result: run tests/golden/regenerate.py {query.name}"
    assert golden_csv(store, query, names) == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("query", list(INTERNAL), ids=lambda q: q.name)
def test_internal_query_gives_the_same_csv_in_memory_and_on_disk(both_stores, query):
    (in_memory, memory_names), (on_disk, disk_names) = both_stores
    assert golden_csv(in_memory, query, memory_names) == golden_csv(on_disk, query, disk_names)


def test_a_map_territory_is_bound_as_a_term_not_pasted(store, names):
    """The map's territory goes through the typed binding: a name resolves to its IRI, and
    an injection attempt is an unknown name (the old picture code pasted it in)."""
    query = INTERNAL.get("map_communes")
    result = run_query(store, query, {"territory": "CALL"}, names)
    assert len(result.rows) >= 36
    with pytest.raises(ParameterError, match="parameter 'territory'"):
        run_query(store, query, {"territory": "> } ?s ?p ?o { <x"}, names)


@pytest.mark.parametrize("query", [q for q in CATALOG if q.name.endswith("-violation")], ids=lambda q: q.name)
def test_violation_checks_return_no_rows(store, query):
    assert run_query(store, query, {}).rows == []


def unexplored(store, names, territory):
    result = run_query(store, CATALOG.get("unexplored_recommendations"), {"territory": territory}, names)
    return [(str(row[2]), "" if row[3] is None else str(row[3])) for row in result.rows]


def test_unexplored_in_lens_lievin_are_organisation_and_regulation(store, names):
    # "Ainsi sur ces questions d'organisation, les programmes d'actions des différents
    # communes lauréates le mentionnent peu" and no action of Lens or Liévin serves
    # regulation: "les démarches de régulation sont mises en œuvre en amont des actions ACV".
    # The SCoT revision "devra prendre en compte" revitalisation: upstream, not an action.
    assert unexplored(store, names, "Lens-Liévin") == [
        ("Organisation", "SCoT de Lens-Liévin-Hénin-Carvin"),
        ("Régulation", "SCoT de Lens-Liévin-Hénin-Carvin"),
    ]


def test_unexplored_in_bethune_bruay(store, names):
    # Béthune and Bruay-La-Buissière serve organisation ("plusieurs actions de l'ordre de
    # l'organisation à l'échelle de la commune sur les dynamiques de mobilités (Béthune et
    # Bruay-La-Buissière)"), opérationnel (the 4 laureate communes) and innovation (Béthune's
    # electric bikes and library). For usages the seed names only Lens ("L'exemple le plus
    # notable concerne la ville de Lens"); the other usages actions are "par les différentes
    # communes ACV", unnamed. Regulation is upstream: "sur la CABBALR, un schéma
    # d'aménagement commercial a été co-construit et approuvé par les élus en 2020".
    assert unexplored(store, names, "Béthune-Bruay") == [
        ("Usages", ""),
        # Case ignored: "Schéma" before "SCoT" (code points would put "SCoT" first).
        ("Régulation", "Schéma d'aménagement commercial de la CABBALR ; SCoT de l'Artois"),
    ]


def test_cli_unexplored_lens_lievin(cli_env, capsys):
    code, out, _ = run(capsys, "query", "unexplored_recommendations", "-p", "territory=lens lievin",
                       "--format", "json")
    assert code == 0
    labels = [row["label"] for row in json.loads(out)["rows"]]
    assert labels == ["Organisation", "Régulation"]


@pytest.mark.parametrize("spelling", ["Lens-Liévin", "lens lievin", "Lens - Liévin", "LENS LIÉVIN"])
def test_territory_spellings_resolve_to_the_pair(names, spelling):
    assert names.resolve(spelling, {"pair", "epci", "commune", "territory"}, "territory").iri.endswith(
        "/pair/lens-lievin")


@pytest.mark.parametrize("value, expected", [
    ("CA de Lens-Liévin", "/epci/246200364"), ("CALL", "/epci/246200364"), ("246200364", "/epci/246200364"),
    ("62498", "/commune/62498"), ("Lens", "/commune/62498"), ("216204982", "/commune/62498"),
    ("62461", "/commune/62447"),  # Huby-Saint-Leu's former code -> Hesdin-la-Forêt
    ("territoire de l'AULA", "/territory/aula"),
])
def test_codes_and_aliases(names, value, expected):
    assert names.resolve(value, {"pair", "epci", "commune", "territory"}, "territory").iri.endswith(expected)


def test_ambiguous_name_lists_candidates(names):
    # Two communes share a name in the AULA territory? Build one ambiguity deliberately
    # through the index's rank rules: an alias shared by two resources of the same rank.
    with pytest.raises(AmbiguousName) as excinfo:
        names._add("Artois", 3, type(names.resolve("Lens", {"commune"}, "t"))(
            names.resolve("CABBALR", {"epci"}, "t").iri, "CA de Béthune-Bruay", "epci"))
        names._add("Artois", 3, type(names.resolve("Lens", {"commune"}, "t"))(
            names.resolve("Hénin-Carvin", {"epci"}, "t").iri, "CA d'Hénin-Carvin", "epci"))
        names.resolve("artois", {"epci"}, "territory")
    assert len(excinfo.value.candidates) == 2
    assert "ambiguous" in excinfo.value.message


def test_normalise():
    assert normalise(" Lens - Liévin ") == normalise("lens lievin") == "lens lievin"
    assert normalise("Béthune-Bruay-La-Buissière") == "bethune bruay la buissiere"


INJECTIONS = ['x" } UNION { ?s ?p ?o } #', 'x\\u0022 } UNION { ?s ?p ?o }', "} } DROP ALL {",
              "<file:///etc/passwd>", "'; DELETE WHERE { ?s ?p ?o } #"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_text_injection_is_just_a_string(store, value):
    result = run_query(store, CATALOG.get("search_actions"), {"text": value})
    assert result.rows == []


@pytest.mark.parametrize("value", INJECTIONS)
def test_territory_injection_is_an_unknown_name(store, names, value):
    with pytest.raises(ParameterError, match="parameter 'territory'"):
        run_query(store, CATALOG.get("unexplored_recommendations"), {"territory": value}, names)


def test_rendered_text_escapes_the_value():
    query = CATALOG.get("search_actions")
    from rdflib import Literal

    rendered = query.render({"text": Literal('x" } UNION { ?s ?p ?o } #')})
    assert 'VALUES ?text { "x\\" } UNION { ?s ?p ?o } #" }' in rendered
    assert query.text.count("UNION") == rendered.count("UNION") - 1  # only inside the string


@pytest.mark.parametrize("params, message", [
    ({"territory": "Lens", "colour": "red"}, "unknown parameter 'colour'"),
    ({}, "missing parameter 'territory'"),
    ({"territory": "x" * 500}, "at most 200 characters"),
    ({"territory": "Lens\x00"}, "no control characters"),
    ({"territory": "file:///etc/passwd"}, "no commune/epci/pair/territory is named"),
    ({"territory": "https://example.org/not-ours"}, "is not a known"),
])
def test_parameter_errors_name_the_parameter(store, names, params, message):
    with pytest.raises(ParameterError, match=message):
        run_query(store, CATALOG.get("unexplored_recommendations"), params, names)


@pytest.mark.parametrize("value, message", [
    ("2014.5", "expected a year"), ("99999999999999999999", "expected a year"), ("-5", "expected a year"),
    ("abc", "expected a year"),
])
def test_year_type_errors(store, value, message):
    with pytest.raises(ParameterError, match=f"parameter 'year': {message}"):
        run_query(store, CATALOG.get("jobs_by_commune"), {"year": value})


def test_year_parameter_filters(store):
    assert len(run_query(store, CATALOG.get("jobs_by_commune"), {"year": "2014"}).rows) == 7
    assert run_query(store, CATALOG.get("jobs_by_commune"), {"year": "2015"}).rows == []


def test_cli_exit_codes(cli_env, capsys, tmp_path, monkeypatch):
    assert run(capsys, "query", "unexplored_recommendations")[0] == 2
    code, _, err = run(capsys, "query", "unexplored_recommendations", "-p", "territory=Béthne")
    assert code == 2 and "did you mean 'Béthune'" in err
    assert run(capsys, "query", "../../etc/passwd")[0] == 2
    assert run(capsys, "query", "%2e%2e%2fetc")[0] == 2
    assert run(capsys, "query", "jobs_by_commune", "-p", "year")[0] == 2
    monkeypatch.setenv("AULA_KG_BUILD_DIR", str(tmp_path / "nothing"))
    code, _, err = run(capsys, "query", "workshops_in_date_order")
    assert code == 3 and "aula-kg build" in err


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "md"])
def test_cli_formats(cli_env, capsys, fmt):
    code, out, _ = run(capsys, "query", "workshops_in_date_order", "--format", fmt)
    assert code == 0 and "Réinventons nos zones commerciales" in out


def test_catalogue_lists_parameters(cli_env, capsys):
    code, out, _ = run(capsys, "queries")
    assert code == 0 and "territory:territory" in out


def test_catalogue_is_queryable_as_rdf(store):
    result = store.select("""
        PREFIX sh: <http://www.w3.org/ns/shacl#>
        PREFIX schema: <https://schema.org/>
        SELECT ?name WHERE { ?q a sh:SPARQLExecutable ; schema:identifier ?name ;
                               sh:parameter/sh:name "territory" } ORDER BY ?name""")
    assert "unexplored_recommendations" in {str(r[0]) for r in result.rows}


@pytest.mark.parametrize("header, message", [
    ("#+ title.fr = 'x'\n", "title.fr and title.en"),
    ("#+ title = [\n", "not valid TOML"),
    ("#+ title.fr='a'\n#+ title.en='a'\n#+ description.fr='a'\n#+ description.en='a'\n"
     "#+ [params.t]\n#+ type='territory'\n#+ description.fr='a'\n#+ description.en='a'\n", "needs a slot"),
    ("#+ title.fr='a'\n#+ title.en='a'\n#+ description.fr='a'\n#+ description.en='a'\n"
     "#+ [params.t]\n#+ type='colour'\n#+ description.fr='a'\n#+ description.en='a'\n", "unknown type"),
])
def test_malformed_query_files_are_reported(tmp_path, header, message):
    path = tmp_path / "bad_query.rq"
    path.write_text(header + "SELECT * WHERE { ?s ?p ?o }\n")
    with pytest.raises(InputError, match=message):
        parse_stored_query(path)


# -- no SPARQL built by pasting strings -----------------------------------------------------

SPARQL_WORD = re.compile(r"\b(SELECT|WHERE|FILTER|VALUES|PREFIX|ASK|CONSTRUCT|DESCRIBE|INSERT|"
                         r"DELETE|GRAPH|SERVICE|UNDEF|BIND)\b")
#: (module, function) -> why its formatted SPARQL holds no value a user typed. A new place
#: that formats SPARQL must bind its values instead (catalog parameters, VALUES of n3() terms)
#: or be reviewed and listed here.
FORMATTED_SPARQL_ALLOWED = {
    ("catalog.py", "render"): "the slot receives term.n3() of a checked, bound term",
    ("federation.py", "remote_query"): "VALUES of n3() terms from the local answer",
    ("federation.py", "values_query"): "VALUES of n3() terms from the joined answer",
    ("sparql_policy.py", "_scan"): "error messages, not queries",
    ("reasoning.py", "<module>"): "rule text from the ontology's own constants",
    ("reasoning.py", "_rules_fixpoint"): "IRIs of the ontology's classes and properties",
    ("shacl_sparql.py", "_targets"): "IRIs read from the shapes files",
    ("shacl_sparql.py", "compile_shapes"): "IRIs and terms read from the shapes files",
    ("store/remote.py", "_values_clause"): "VALUES of n3() terms (the Store protocol's bindings)",
    ("store/remote.py", "publish"): "graph IRIs of the build being published",
    ("store/remote.py", "quads"): "VALUES of n3() terms of the lookup's pattern",
    ("store/remote.py", "describe"): "the described IRI as URIRef(...).n3(); hop variables",
    ("store/remote.py", "dump_graph"): "a named graph's IRI as URIRef(...).n3()",
    ("web/pages/resources.py", "collect"): "a named graph's IRI, checked to be one of the "
                                           "store's",
    ("web/sparql.py", "service_description"): "the service description's English text",
    ("web/pages/editor.py", "completion_terms"): "the editor's completion text for a "
                                                 "prefix declaration; never run",
}


def formatted_sparql(root: Path) -> set[tuple[str, str]]:
    """Every (module, function) of ``root`` that formats a string holding SPARQL words:
    f-strings with a replacement field, ``.format``/``.replace``/``re.sub`` on such text,
    and ``%`` formatting."""
    import ast

    found: set[tuple[str, str]] = set()
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

        def function_of(node, parents=parents) -> str:
            while node in parents:
                node = parents[node]
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    return node.name
            return "<module>"

        def constants(nodes) -> list[str]:
            return [n.value for n in nodes
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)]

        for node in ast.walk(tree):
            texts: list[str] = []
            if isinstance(node, ast.JoinedStr) and any(
                    isinstance(v, ast.FormattedValue) for v in node.values):
                texts = ["".join(constants(node.values))]
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr in ("replace", "format", "sub")):
                texts = constants([*node.args, node.func.value])
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
                texts = constants([node.left])
            if any(SPARQL_WORD.search(t) for t in texts):
                found.add((path.relative_to(root).as_posix(), function_of(node)))
    return found


def test_no_module_builds_sparql_by_pasting_strings():
    """grlc's issue #101: a value pasted into query text. Stored queries bind typed terms;
    the pictures once filled a slot with str.replace and quoted a label by hand."""
    import aula_kg

    root = Path(aula_kg.__file__).parent
    unexpected = formatted_sparql(root) - set(FORMATTED_SPARQL_ALLOWED)
    assert not unexpected, f"SPARQL built by formatting strings in {sorted(unexpected)}"
    sources = "\n".join(p.read_text(encoding="utf-8") for p in root.rglob("*.py"))
    assert "_sparql_string" not in sources


def test_the_guard_catches_a_pasted_value(tmp_path):
    """The scan above would have caught the old picture code."""
    module = tmp_path / "old_pictures.py"
    module.write_text(
        'QUERY = "SELECT ?c WHERE { VALUES ?territory { UNDEF } ?c ?p ?territory }"\n'
        "def communes(store, territory):\n"
        '    text = QUERY.replace("VALUES ?territory { UNDEF }", "VALUES ?territory { <x> }")\n'
        "    return store.select(text)\n"
        "def rank(store, label):\n"
        '    return store.select(f"SELECT ?s WHERE {{ ?s ?p {label} }}")\n'
    )
    assert formatted_sparql(tmp_path) == {("old_pictures.py", "communes"),
                                          ("old_pictures.py", "rank")}
