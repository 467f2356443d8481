"""Every message a person may read, in French and English, by code.

It is over 500 lines because it is one table, one entry per message code, grouped by the
area that raises it (each block opens with a comment naming the area); the code around it
is some sixty lines. Keeping the table whole is what lets a test check that every code the
package uses is here, in both languages.

An error (errors.py) or a page names a code and passes its values; :func:`render` fills the
template of the language asked for. Values that are lists are joined the way each language
joins them. A code missing from the table is a bug that the tests catch
(tests/test_messages.py checks that every code used in the package is here, in both
languages, with the same placeholders).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

LANGUAGES = ("fr", "en")

#: code -> {lang: template}. Placeholders are ``str.format`` fields.
MESSAGES: dict[str, dict[str, str]] = {
    # -- stored-query parameters ------------------------------------------------------
    "parameter.missing": {
        "fr": "Le paramètre « {parameter} » est obligatoire pour la question « {query} » "
              "(attendu : {expected}).",
        "en": "missing parameter '{parameter}' for query '{query}': expected {expected}",
    },
    "parameter.unknown": {
        "fr": "La question « {query} » n'a pas de paramètre « {parameter} » "
              "(paramètres acceptés : {accepted}).",
        "en": "unknown parameter '{parameter}' for query '{query}' (accepted: {accepted})",
    },
    "parameter.twice": {
        "fr": "Le paramètre « {parameter} » est donné deux fois.",
        "en": "parameter '{parameter}' is given twice",
    },
    "parameter.not_key_value": {
        "fr": "--param attend CLÉ=VALEUR, reçu « {given} ».",
        "en": "--param expects KEY=VALUE, got {given!r}",
    },
    "parameter.expected": {
        "fr": "Valeur incorrecte pour le paramètre « {parameter} » (attendu : {expected}).",
        "en": "parameter '{parameter}': expected {expected}",
    },
    "parameter.expected_got": {
        "fr": "Valeur incorrecte pour le paramètre « {parameter} » (attendu : {expected} ; "
              "reçu : « {given} »).",
        "en": "parameter '{parameter}': expected {expected}, got {given!r}",
    },
    "parameter.too_long": {
        "fr": "Valeur incorrecte pour le paramètre « {parameter} » (attendu : {expected} ; "
              "{max_length} caractères au plus, sans caractère de contrôle).",
        "en": "parameter '{parameter}': expected {expected} "
              "(at most {max_length} characters, no control characters)",
    },
    "parameter.no_names": {
        "fr": "Le paramètre « {parameter} » désigne un lieu ou un concept, "
              "mais les noms ne peuvent pas être résolus ici.",
        "en": "parameter '{parameter}': names cannot be resolved here",
    },
    "parameter.unknown_iri": {
        "fr": "« {given} » n'est pas un élément connu du graphe (paramètre « {parameter} »).",
        "en": "parameter '{parameter}': {given} is not a known {kinds}",
    },
    "parameter.unknown_name": {
        "fr": "« {given} » : aucun élément de ce nom (paramètre « {parameter} »).",
        "en": "parameter '{parameter}': no {kinds} is named '{given}'",
    },
    "parameter.unknown_name_suggest": {
        "fr": "« {given} » : aucun élément de ce nom (paramètre « {parameter} »). "
              "Vouliez-vous dire {suggestions} ?",
        "en": "parameter '{parameter}': no {kinds} is named '{given}'; "
              "did you mean {suggestions}?",
    },
    "parameter.ambiguous": {
        "fr": "« {given} » désigne plusieurs éléments (paramètre « {parameter} ») ; "
              "précisez lequel : {candidates_text}",
        "en": "parameter '{parameter}': '{given}' is ambiguous; say which one: {candidates_text}",
    },
    # -- expectations, used inside the messages above -------------------------------
    "expect.resource": {
        "fr": "un nom, un code ou une IRI de {type}",
        "en": "a {type} name, code or IRI",
    },
    "expect.year": {"fr": "une année, par exemple 2021", "en": "a year such as 2021"},
    "expect.integer": {
        "fr": "un entier entre {low} et {high}",
        "en": "an integer between {low} and {high}",
    },
    "expect.text": {
        "fr": "un texte de {max_length} caractères au plus",
        "en": "a text of at most {max_length} characters",
    },
    # -- the catalogue ------------------------------------------------------------------
    "query.unknown": {
        "fr": "Aucune question enregistrée ne s'appelle « {name} ».",
        "en": "no stored query is named {name!r} (see 'aula-kg queries')",
    },
    # -- running queries ------------------------------------------------------------
    "query.timeout": {
        "fr": "La requête a dépassé sa limite de temps ({limit} s) et a été arrêtée.",
        "en": "the query ran past its time limit of {limit} s and was stopped",
    },
    "query.busy": {
        "fr": "Tous les exécuteurs de requêtes sont occupés depuis {wait} s ; "
              "réessayez dans un instant.",
        "en": "every query worker is busy; no worker became free in {wait} s, "
              "try again later",
    },
    # -- stored-query answers and pictures ----------------------------------------------
    "catalog.no_directory": {
        "fr": "{path} : pas de dossier de requêtes.",
        "en": "{path}: no queries directory",
    },
    "catalog.bad_name": {
        "fr": "{path} : les noms de requêtes s'écrivent en minuscules_avec_soulignés "
              "(avec « -violation » à la fin pour un contrôle).",
        "en": "{path}: query names are lower_snake_case (optionally ending -violation)",
    },
    "catalog.bad_toml": {
        "fr": "{path} : les métadonnées ne sont pas du TOML valide : {reason}",
        "en": "{path}: metadata is not valid TOML: {reason}",
    },
    "catalog.needs_languages": {
        "fr": "{path} : les métadonnées doivent donner {key}.fr et {key}.en.",
        "en": "{path}: metadata needs {key}.fr and {key}.en",
    },
    "catalog.unknown_type": {
        "fr": "{path} : le paramètre « {parameter} » a un type inconnu {given} "
              "(types possibles : {accepted}).",
        "en": "{path}: parameter '{parameter}' has unknown type {given} (one of {accepted})",
    },
    "catalog.parameter_languages": {
        "fr": "{path} : le paramètre « {parameter} » doit avoir description.fr et "
              "description.en.",
        "en": "{path}: parameter '{parameter}' needs description.fr and description.en",
    },
    "catalog.no_slot": {
        "fr": "{path} : le paramètre « {parameter} » doit avoir sa place dans la requête : "
              "« VALUES ?{parameter} {{ UNDEF }} ».",
        "en": "{path}: parameter '{parameter}' needs a slot 'VALUES ?{parameter} {{ UNDEF }}'",
    },
    "catalog.bad_sparql": {
        "fr": "{path} : {reason}",
        "en": "{path}: {reason}",
    },
    # What the build prepares for readers (aula_kg.prepared, issue 17).
    "names.unreadable": {
        "fr": "l'index des noms {path} est illisible ({reason}) : relancez 'aula-kg build'",
        "en": "the name index {path} is unreadable ({reason}): run 'aula-kg build' again",
    },
    "federation.bad_service": {
        "fr": "{path} : [federation] service doit être une clé en minuscules_avec_soulignés.",
        "en": "{path}: [federation] service must be a lower_snake_case key",
    },
    "federation.bad_join": {
        "fr": "{path} : [federation] join doit nommer une variable (sans « ? »).",
        "en": "{path}: [federation] join must name a variable (without '?')",
    },
    "federation.no_endpoint": {
        "fr": "Le service « {service} » n'a pas d'adresse : donnez son point d'accès SPARQL "
              "dans {env_var} et inscrivez-le dans AULA_KG_ALLOWED_SERVICES.",
        "en": "service '{service}' has no endpoint: set {env_var} to its SPARQL endpoint and "
              "list that endpoint in AULA_KG_ALLOWED_SERVICES",
    },
    "federation.not_allowed": {
        "fr": "Le service « {service} » a pour adresse <{endpoint}>, qui n'est pas autorisée : "
              "aula-kg n'interroge que les points d'accès inscrits dans "
              "AULA_KG_ALLOWED_SERVICES.",
        "en": "service '{service}' is configured as <{endpoint}>, which is not allowed: "
              "aula-kg only queries endpoints listed in AULA_KG_ALLOWED_SERVICES",
    },
    "federation.not_http": {
        "fr": "Service « {service} » : <{endpoint}> n'est pas une adresse HTTP(S).",
        "en": "service '{service}': <{endpoint}> is not an HTTP(S) URL",
    },
    "federation.one_block": {
        "fr": "Un seul bloc SERVICE <{placeholder}> est possible par requête.",
        "en": "only one SERVICE <{placeholder}> block is supported",
    },
    "federation.no_block": {
        "fr": "La requête n'a pas de bloc SERVICE <{placeholder}> {{ ... }}.",
        "en": "the query has no SERVICE <{placeholder}> {{ ... }} block",
    },
    "federation.not_closed": {
        "fr": "Le bloc SERVICE n'est pas fermé.",
        "en": "the SERVICE block is not closed",
    },
    "federation.select_only": {
        "fr": "Les requêtes fédérées sont des requêtes SELECT.",
        "en": "federated stored queries are SELECT queries",
    },
    "federation.not_declared": {
        "fr": "La requête enregistrée « {query} » ne déclare pas de [federation].",
        "en": "stored query '{query}' declares no [federation]",
    },
    "federation.join_not_projected": {
        "fr": "La variable de jointure ?{join} n'est pas projetée par la requête.",
        "en": "the join variable ?{join} is not projected by the query",
    },
    "federation.failed": {
        "fr": "Le service « {service} » à <{endpoint}> a échoué (limite de temps {limit} s) : "
              "{reason}",
        "en": "service '{service}' at <{endpoint}> failed (time limit {limit} s): {reason}",
    },
    "federation.unenriched": {
        "fr": "Le service « {service} » à <{endpoint}> a échoué (limite de temps {limit} s) : "
              "{reason} ; les lignes ne sont pas enrichies.",
        "en": "service '{service}' at <{endpoint}> failed (time limit {limit} s): {reason}; "
              "rows are not enriched",
    },
    "answer.without_enrichment": {
        "fr": "Réponse sans enrichissement : {reason}",
        "en": "answering without enrichment: {reason}",
    },
    "answer.truncated": {
        "fr": "Seules les {max_rows} premières lignes sont données.",
        "en": "only the first {max_rows} rows are given",
    },
    "answer.not_acceptable": {
        "fr": "Aucun des formats que vous acceptez ({asked}) ne convient ; les résultats de "
              "cette question existent en {available}.",
        "en": "cannot answer in any format you accept ({asked}); this query's results are "
              "available as {available}",
    },
    "picture.unknown": {
        "fr": "Image inconnue « {given} » (coverage, map ou dossier).",
        "en": "unknown picture {given!r} (coverage, map, dossier)",
    },
    "picture.not_found": {
        "fr": "Images : couverture, carte, dossier ; en .svg ou .png.",
        "en": "pictures: couverture, carte, dossier; as .svg or .png",
    },
    "picture.needs_territory": {
        "fr": "Le graphique d'un dossier a besoin d'un territoire (paramètre « {parameter} » : "
              "une commune, un binôme ou un EPCI).",
        "en": "parameter '{parameter}': a dossier chart needs a territory "
              "(a commune, pair or EPCI)",
    },
    "picture.png_unavailable": {
        "fr": "Le PNG a besoin de cairosvg et de la bibliothèque cairo ({reason}) ; "
              "demandez du .svg.",
        "en": "PNG output needs cairosvg and the cairo library ({reason}); write .svg instead",
    },
    "picture.bad_suffix": {
        "fr": "{path} : le nom du fichier doit finir par .svg ou .png.",
        "en": "{path}: expected a .svg or .png file name",
    },
    # -- planners' spreadsheet (imports/actions), and the importers' own words ---------
    "import.unknown_source": {
        "fr": "source inconnue « {source} » ; sources possibles : {expected}",
        "en": "unknown source {source!r}; expected one of {expected}",
    },
    "import.missing_file": {
        "fr": "import {source} : FICHIER manquant",
        "en": "import {source}: missing FILE",
    },
    "import.unexpected_file": {
        "fr": "import {source} : argument inattendu {file} (utilisez --from CHEMIN)",
        "en": "import {source}: unexpected argument {file} (use --from PATH)",
    },
    "actions.at_cell": {
        "fr": "ligne {line}, colonne « {column} » : {problem}",
        "en": "line {line}, column '{column}': {problem}",
    },
    "actions.at_row": {
        "fr": "ligne {line} : {problem}",
        "en": "line {line}: {problem}",
    },
    "actions.invalid": {
        "fr": "{path} : rien n'est importé, {count} erreur(s) à corriger dans le tableur :",
        "en": "{path}: nothing imported, {count} error(s) to fix in the spreadsheet:",
    },
    "actions.unknown": {
        "fr": "« {value} » est inconnu",
        "en": "'{value}' is unknown",
    },
    "actions.unknown_suggest": {
        "fr": "« {value} » est inconnu ; vouliez-vous dire {suggestions} ?",
        "en": "'{value}' is unknown; did you mean {suggestions}?",
    },
    "actions.unknown_options": {
        "fr": "« {value} » est inconnu (valeurs possibles : {options})",
        "en": "'{value}' is unknown (possible values: {options})",
    },
    "actions.ambiguous": {
        "fr": "« {value} » est ambigu : {candidates} ; précisez (code INSEE)",
        "en": "'{value}' is ambiguous: {candidates}; say which (INSEE code)",
    },
    "actions.not_a_source": {
        "fr": "« {value} » n'est pas une source connue",
        "en": "'{value}' is not a known source",
    },
    "actions.bad_identifier": {
        "fr": "« {value} » n'est pas un identifiant (minuscules, chiffres et tirets)",
        "en": "'{value}' is not an identifier (lower case, digits and hyphens)",
    },
    "actions.bad_identifier_suggest": {
        "fr": "« {value} » n'est pas un identifiant (minuscules, chiffres et tirets) ; "
              "vouliez-vous dire « {suggestion} » ?",
        "en": "'{value}' is not an identifier (lower case, digits and hyphens); "
              "did you mean '{suggestion}'?",
    },
    "actions.identifier_taken": {
        "fr": "l'identifiant « {value} » est déjà celui de la ligne {other}",
        "en": "identifier '{value}' is already used on line {other}",
    },
    "actions.same_title": {
        "fr": "même titre que la ligne {other} : donnez un identifiant à l'une des deux",
        "en": "same title as line {other}: give one of them an identifier",
    },
    "actions.one_value": {
        "fr": "une seule valeur attendue ici",
        "en": "only one value is expected here",
    },
    "actions.not_a_year": {
        "fr": "« {value} » n'est pas une année (quatre chiffres, par exemple 2021)",
        "en": "'{value}' is not a year (four digits, e.g. 2021)",
    },
    "actions.yes_or_empty": {
        "fr": "« {value} » : écrivez « oui » ou laissez vide",
        "en": "'{value}': write 'yes' or leave empty",
    },
    "actions.shape": {
        # The shapes' own sh:message, in each language (shapes/*.ttl).
        "fr": "{message}",
        "en": "{message}",
    },
    "actions.rebuild_failed": {
        "fr": "la reconstruction du graphe a échoué ; {path} est remis dans son état "
              "précédent :\n{error}",
        "en": "rebuilding the graph failed; {path} was put back as it was:\n{error}",
    },
    "actions.column_twice": {
        "fr": "{path} : ligne 1 : la colonne « {column} » figure deux fois",
        "en": "{path}: line 1: column '{column}' appears twice",
    },
    "actions.no_title_column": {
        "fr": "{path} : ligne 1 : pas de colonne « titre » : ce fichier n'est pas un modèle "
              "d'actions (voir « aula-kg template actions »)",
        "en": "{path}: line 1: no 'titre' column: not an actions template "
              "(see 'aula-kg template actions')",
    },
    "actions.empty_file": {
        "fr": "{path} : fichier vide (pas de ligne d'en-tête)",
        "en": "{path}: empty file (no header row)",
    },
    "actions.not_text": {
        "fr": "{path} : ni UTF-8 ni Windows-1252",
        "en": "{path}: neither UTF-8 nor Windows-1252 text",
    },
    "actions.malformed_csv": {
        "fr": "{path}:{line} : CSV mal formé : {reason}",
        "en": "{path}:{line}: malformed CSV: {reason}",
    },
    "actions.unreadable_workbook": {
        "fr": "{path} : classeur illisible : {reason}",
        "en": "{path}: unreadable workbook: {reason}",
    },
    "actions.needs_openpyxl": {
        "fr": "les classeurs .xlsx demandent openpyxl (pip install openpyxl)",
        "en": "reading or writing .xlsx needs openpyxl (pip install openpyxl)",
    },
    "actions.no_such_file": {
        "fr": "{path} : fichier introuvable",
        "en": "{path}: no such file",
    },
    "actions.unknown_format": {
        "fr": "{path} : format inconnu (.csv ou .xlsx attendu)",
        "en": "{path}: unknown format (expected .csv or .xlsx)",
    },
    "actions.export_format": {
        "fr": "{path} : .csv ou .xlsx attendu",
        "en": "{path}: expected .csv or .xlsx",
    },
    "actions.no_column": {
        "fr": "{action} : {predicate} {value} n'a pas de colonne",
        "en": "{action}: {predicate} {value} has no column",
    },
    "actions.ignored_column": {
        "fr": "colonne « {column} » ignorée (absente du modèle)",
        "en": "column '{column}' ignored (not in the template)",
    },
    "actions.result": {
        "fr": "{path} : {rows} action(s) valides ; {summary}",
        "en": "{path}: {rows} valid action(s); {summary}",
    },
    "actions.diff_summary": {
        "fr": "{added} ajoutée(s), {changed} modifiée(s), {removed} supprimée(s)",
        "en": "{added} added, {changed} changed, {removed} removed",
    },
    "actions.diff_added": {
        "fr": "  + ajoutée : {action}",
        "en": "  + added: {action}",
    },
    "actions.diff_changed": {
        "fr": "  ~ modifiée : {action} ({columns})",
        "en": "  ~ changed: {action} ({columns})",
    },
    "actions.diff_removed": {
        "fr": "  - supprimée : {action}",
        "en": "  - removed: {action}",
    },
    "actions.nothing_changes": {
        "fr": "  rien ne change",
        "en": "  nothing changes",
    },
    "actions.dry_run": {
        "fr": "(--dry-run : rien n'est écrit)",
        "en": "(--dry-run: nothing written)",
    },
    "actions.written": {
        "fr": "écrit : {path}",
        "en": "written: {path}",
    },
    # -- a remote store's lookups for the pages (faces) -----------------------------------
    "remote.not_results": {
        "fr": "Le serveur SPARQL {endpoint} a répondu autre chose que des résultats SPARQL "
              "({detail}).",
        "en": "the SPARQL server {endpoint} answered something that is not SPARQL results: "
              "{detail}",
    },
    "remote.not_ntriples": {
        "fr": "Le serveur SPARQL {endpoint} a répondu autre chose qu'un graphe N-Triples "
              "({detail}).",
        "en": "the SPARQL server {endpoint} answered something that is not N-Triples: "
              "{detail}",
    },
    # -- settings and paths (config.py, packaging) -------------------------------------
    "settings.not_a_number": {
        "fr": "La variable {variable} attend un nombre ({expected}), reçu « {given} ».",
        "en": "{variable} must be a number ({expected}), got {given!r}",
    },
    "settings.home_not_directory": {
        "fr": "--home doit désigner un dossier : « {path} » est un fichier.",
        "en": "--home must name a directory: {path} is a file",
    },
    # -- publishing: dumps, VoID, catalogue (issue 14) ----------------------------------
    "download.unknown": {
        "fr": "Aucun fichier à télécharger ne s'appelle « {name} » (voir /telechargements).",
        "en": "no download is named '{name}' (see /telechargements)",
    },
    "download.missing": {
        "fr": "Le fichier « {name} » est annoncé mais absent du disque : une construction "
              "est peut-être en cours ; réessayez dans un moment.",
        "en": "the file '{name}' is listed but missing on disk: a build may be running; "
              "try again in a moment",
    },
    "download.damaged": {
        "fr": "Le fichier « {name} » ne correspond pas à sa taille ou à sa somme SHA-256 "
              "annoncées (construction interrompue ou en cours) : il n'est pas servi ; "
              "réessayez dans un moment.",
        "en": "the file '{name}' does not match its advertised size or SHA-256 (a build "
              "was killed or is running): it is not served; try again in a moment",
    },
    "download.index_damaged": {
        "fr": "L'index des fichiers à télécharger ({path}) est illisible : relancez "
              "« aula-kg build ».",
        "en": "the index of the downloads ({path}) cannot be read: run 'aula-kg build' again",
    },
    "download.range": {
        "fr": "La plage demandée ({range}) est hors du fichier ({size} octets).",
        "en": "the requested range ({range}) lies outside the file ({size} bytes)",
    },
    "download.none": {
        "fr": "Aucun fichier à télécharger : cette construction n'en a pas écrit "
              "(relancez « aula-kg build »).",
        "en": "no downloads: this build wrote none (run 'aula-kg build' again)",
    },
    # -- query execution (store.execution; the `sparql` command) ---------------------
    "query.truncated": {
        "fr": "Réponse tronquée à {rows} lignes (AULA_KG_MAX_ROWS).",
        "en": "answer truncated at {rows} rows (AULA_KG_MAX_ROWS)",
    },
    # -- the question box (aula_kg.ask, commands/ask.py, web/question.py) ---------------
    "catalog.bad_examples": {
        "fr": "{path} : « examples » doit associer une langue (fr, en) à une liste de "
              "questions.",
        "en": "{path}: 'examples' must map a language (fr, en) to a list of questions",
    },
    "ask.empty": {
        "fr": "La question est vide : écrivez-la en quelques mots, par exemple « préconisations "
              "inexplorées à Lens-Liévin ».",
        "en": "the question is empty: write it in a few words, e.g. 'unexplored "
              "recommendations in Lens-Liévin'",
    },
    "ask.too_long": {
        "fr": "La question est trop longue ({length} caractères ; au plus {max_length}).",
        "en": "the question is too long ({length} characters; at most {max_length})",
    },
    "ask.control_characters": {
        "fr": "La question contient des caractères de contrôle : écrivez-la en texte simple.",
        "en": "the question contains control characters: write it as plain text",
    },
    "ask.abstain": {
        "fr": "Je ne sais pas répondre à cette question avec le graphe.",
        "en": "I cannot answer this question with the graph.",
    },
    "ask.nearest": {
        "fr": "Questions proches que le graphe sait traiter :",
        "en": "Nearby questions the graph can answer:",
    },
    "ask.understood": {
        "fr": "J'ai compris : {title}",
        "en": "Understood as: {title}",
    },
    "ask.ambiguous": {
        "fr": "« {typed} » peut désigner plusieurs ressources ; retenu : {chosen}.",
        "en": "'{typed}' may name several resources; chosen: {chosen}.",
    },
    "ask.alternatives": {
        "fr": "Autres lectures possibles :",
        "en": "Other possible readings:",
    },
    # ---- census area (issue 12): censuses of actions, versions and merges of the
    # planners' spreadsheet, the three assessment states. -----------------------------
    "actions.at_census_cell": {
        "fr": "recensements, ligne {line}, colonne « {column} » : {problem}",
        "en": "censuses, line {line}, column '{column}': {problem}",
    },
    "actions.census_no_column": {
        "fr": "{path} : pas de colonne « {column} » dans la feuille des recensements",
        "en": "{path}: no '{column}' column in the census sheet",
    },
    "actions.unknown_census": {
        "fr": "le recensement « {value} » n'existe pas ; déclarez-le dans la feuille "
              "« recensements » (recensements connus : {options})",
        "en": "census '{value}' does not exist; declare it in the 'censuses' sheet "
              "(known censuses: {options})",
    },
    "actions.unknown_census_suggest": {
        "fr": "le recensement « {value} » n'existe pas ; vouliez-vous dire {suggestions} ?",
        "en": "census '{value}' does not exist; did you mean {suggestions}?",
    },
    "actions.census_removed_in_use": {
        "fr": "le recensement « {census} » ne peut pas être retiré : des actions le nomment "
              "encore ({actions}) ; retirez-le d'abord de ces actions",
        "en": "census '{census}' cannot be removed: actions still name it ({actions}); "
              "remove it from those actions first",
    },
    "actions.census_no_date": {
        "fr": "un recensement doit avoir une date : année, mois ou jour (par exemple 2021-10)",
        "en": "a census must have a date: a year, month or day (for example 2021-10)",
    },
    "actions.not_a_date": {
        "fr": "« {value} » n'est pas une date (2021, 2021-10 ou 2021-10-15)",
        "en": "'{value}' is not a date (2021, 2021-10 or 2021-10-15)",
    },
    "actions.census_no_label": {
        "fr": "un recensement doit avoir un libellé en français",
        "en": "a census must have a French label",
    },
    "actions.census_no_method": {
        "fr": "un recensement doit dire ce qu'il a compté (par exemple « les actions inscrites "
              "dans les avenants à la convention cadre »)",
        "en": "a census must say what it counted (for example 'the actions written in the "
              "amendments to the framework convention')",
    },
    "actions.census_no_source": {
        "fr": "un recensement doit citer sa source (par exemple zoom-acv-2021/synthese)",
        "en": "a census must cite its source (for example zoom-acv-2021/synthese)",
    },
    "actions.census_missing": {
        "fr": "la colonne « {column} » est obligatoire pour un recensement",
        "en": "the '{column}' column is required for a census",
    },
    "actions.unknown_version": {
        "fr": "ce fichier vient d'un export (version {version}) dont aula-kg n'a plus la copie : "
              "exportez de nouveau et reportez vos modifications, ou importez avec --force "
              "pour remplacer les actions par ce fichier",
        "en": "this file comes from an export (version {version}) aula-kg no longer has a "
              "copy of: export again and carry your edits over, or import with --force to "
              "replace the actions with this file",
    },
    "actions.conflicts": {
        "fr": "{path} : rien n'est importé, {count} conflit(s) : ces cellules ont changé dans "
              "le fichier et, depuis l'export, dans les actions (--force pour imposer le "
              "fichier) :",
        "en": "{path}: nothing imported, {count} conflict(s): these cells changed in the file "
              "and, since the export, in the actions (--force to impose the file):",
    },
    "actions.conflict_cell": {
        "fr": "{action} : dans ce fichier « {mine} », dans les actions actuelles « {theirs} »",
        "en": "{action}: in this file '{mine}', in the current actions '{theirs}'",
    },
    "actions.conflict_row": {
        "fr": "{action} : retirée d'un côté, modifiée de l'autre depuis l'export",
        "en": "{action}: removed on one side, changed on the other since the export",
    },
    "actions.merged_cells": {
        "fr": "  ↔ gardé de la version actuelle : {action} ({columns})",
        "en": "  ↔ kept from the current version: {action} ({columns})",
    },
    "actions.merged_row_added": {
        "fr": "  ↔ gardée (ajoutée depuis l'export) : {action}",
        "en": "  ↔ kept (added since the export): {action}",
    },
    "actions.merged_row_removed": {
        "fr": "  ↔ reste supprimée (supprimée depuis l'export) : {action}",
        "en": "  ↔ stays removed (removed since the export): {action}",
    },
    "actions.census_diff": {
        "fr": "recensements : {summary}",
        "en": "censuses: {summary}",
    },
    # ---- end of the census area block. ------------------------------------------------
    # -- the planner's pages: headings, error pages, search, downloads (issue 16) --------
    "catalog.column_languages": {
        "fr": "{path} : la colonne « {column} » doit avoir fr et en.",
        "en": "{path}: column '{column}' needs fr and en",
    },
    "page.not_found": {
        "fr": "Cette page n'existe pas. Vérifiez l'adresse, ou repartez de l'accueil.",
        "en": "This page does not exist. Check the address, or start again from the home page.",
    },
    "page.internal_error": {
        "fr": "Une erreur inattendue s'est produite ; elle a été consignée.",
        "en": "an unexpected error occurred; it was logged",
    },
    "page.http_error": {
        "fr": "La demande n'a pas pu aboutir (erreur {status}).",
        "en": "the request could not be served (error {status})",
    },
    "search.no_match": {
        "fr": "Aucun territoire ne correspond à « {given} ».",
        "en": "no territory matches '{given}'",
    },
    "editor.bad_query": {
        "fr": "La requête est refusée : elle ne se lit pas, ou demande ce que le point "
              "d'accès ne permet pas (mise à jour, SERVICE non autorisé…).",
        "en": "the query was refused: it does not parse, or asks for what the endpoint "
              "does not allow (update, SERVICE not allowed...)",
    },
    "editor.timeout": {
        "fr": "La requête a dépassé le temps permis ; restreignez-la (LIMIT, filtres).",
        "en": "the query ran past its time limit; narrow it (LIMIT, filters)",
    },
    "editor.busy": {
        "fr": "Le serveur est occupé ; réessayez dans un instant.",
        "en": "the server is busy; try again in a moment",
    },
    "editor.too_large": {
        "fr": "La requête est trop longue pour le point d'accès.",
        "en": "the query is too long for the endpoint",
    },
    "editor.failed": {
        "fr": "La requête n'a pas pu aboutir.",
        "en": "the query could not be answered",
    },
    "editor.detail": {
        "fr": "Détail technique (en anglais) :",
        "en": "Technical detail:",
    },
    "editor.parse_error": {
        "fr": "La requête ne se lit pas (ligne {line}, colonne {column}) : {detail}",
        "en": "the query does not parse (line {line}, column {column}): {detail}",
    },
    "editor.update": {
        "fr": "Les mises à jour ne sont pas acceptées : le graphe est en lecture seule.",
        "en": "updates are not accepted here: the graph is read-only",
    },
    "editor.too_long_to_check": {
        "fr": "La requête est trop longue pour être vérifiée ici.",
        "en": "the query is too long to be checked here",
    },
    "search.candidates": {
        "fr": "Aucun territoire ne s'appelle exactement « {given} ». Vouliez-vous dire :",
        "en": "no territory is called exactly '{given}'. Did you mean:",
    },
    # -- progress of long commands (progress.py: the build, the France-wide import) ------
    "progress.step": {
        "fr": "{title} {index}/{total} : {step}",
        "en": "{title} {index}/{total}: {step}",
    },
}

#: How each language joins a list of alternatives ("« a » ou « b »", "'a' or 'b'").
_QUOTE = {"fr": "« {} »", "en": "'{}'"}
_OR = {"fr": " ou ", "en": " or "}

#: Type names of stored-query parameters, as each language says them.
PARAMETER_TYPES: dict[str, dict[str, str]] = {
    "territory": {"fr": "territoire", "en": "territory"},
    "commune": {"fr": "commune", "en": "commune"},
    "epci": {"fr": "EPCI", "en": "EPCI"},
    "programme": {"fr": "programme", "en": "programme"},
    "recommendation": {"fr": "préconisation", "en": "recommendation"},
    "urban-function": {"fr": "fonction urbaine", "en": "urban function"},
    "action-status": {"fr": "état d'avancement", "en": "action status"},
    "action-kind": {"fr": "type d'action", "en": "action kind"},
}


class Message:
    """A message code with its values, rendered later in the reader's language (for a
    message that is itself a value of another, such as an expectation)."""

    __slots__ = ("code", "params")

    def __init__(self, code: str, **params: Any):
        self.code = code
        self.params = params

    def render(self, lang: str) -> str:
        return render(self.code, self.params, lang)

    def __str__(self) -> str:
        return self.render("en")


def alternatives(values: list[str], lang: str) -> str:
    """``values`` quoted and joined with "or" in ``lang``."""
    return _OR[lang].join(_QUOTE[lang].format(v) for v in values)


def _value(value: Any, lang: str) -> Any:
    if isinstance(value, Message):
        return value.render(lang)
    if isinstance(value, list | tuple):
        return alternatives([str(_value(v, lang)) for v in value], lang)
    if isinstance(value, Mapping) and set(value) >= set(LANGUAGES):
        return value[lang]
    return value


def render(code: str, params: Mapping[str, Any], lang: str = "en") -> str:
    """The message ``code`` in ``lang`` with ``params`` filled in; KeyError for an unknown
    code (a bug)."""
    lang = lang if lang in LANGUAGES else "en"
    template = MESSAGES[code][lang]
    values = {name: _value(value, lang) for name, value in params.items()}
    return template.format(**values)


def placeholders(template: str) -> set[str]:
    """The field names a template uses (for the table's own test)."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}
