"""Writing an imported source's named graph: canonical TriG (:func:`aula_kg.files.canonical_trig`),
replaced atomically under the lock of the output directory, and left alone when only the
import time would change (re-running an import changes nothing)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from rdflib import URIRef

from .. import files, locking, vocab
from ..files import Triple

#: Prefixes of the written files: the project's, plus SPDX for checksums.
FILE_PREFIXES: dict[str, str] = {**vocab.PREFIXES, "spdx": str(vocab.SPDX)}

#: Seconds a second import waits for the first to finish writing to the same directory
#: (``AULA_KG_LOCK_TIMEOUT`` overrides it).
LOCK_WAIT = 60.0


def lock_wait() -> float:
    return locking.default_timeout(LOCK_WAIT)

_STARTED = re.compile(r'prov:startedAtTime "([^"]+)"\^\^xsd:dateTime')


def write_graph(
    graph: Iterable[Triple], graph_iri: URIRef, path: Path, header: str, started: datetime
) -> bool:
    """Write ``graph`` as the named graph ``graph_iri`` to ``path``; True when rewritten.

    When the file exists and differs only by the import time, it is left as it is. Else it
    is replaced atomically (:func:`aula_kg.files.write_atomically`): readers see the old
    file or the new one, never a partial one.
    """
    path = Path(path)
    text = files.canonical_trig(graph, graph_iri, header, FILE_PREFIXES)
    with locking.hold(path.parent, "aula-kg import", lock_wait(), sweep=[path.name]):
        if path.is_file():
            old = path.read_text(encoding="utf-8")
            match = _STARTED.search(old)
            if match:
                new_time = f'prov:startedAtTime "{started.isoformat()}"^^xsd:dateTime'
                old_time = f'prov:startedAtTime "{match.group(1)}"^^xsd:dateTime'
                if text.replace(new_time, old_time) == old:
                    return False
        files.write_atomically(path, text.encode("utf-8"), what="aula-kg import")
    return True
