"""Publishing the graph as open data (issue 14).

- :mod:`.dumps`: the dump files ``aula-kg build`` writes beside the artefact
  (``build/dumps/``: the whole graph as N-Quads and TriG, one Turtle file per named graph,
  gzip, byte-reproducible) and their index (names, sizes, SHA-256), read back by the server;
- :mod:`.facts`: what VoID and the catalogue say about the served graph, read through the
  store protocol with the internal queries (``queries/internal/publishing_*.rq``), so a
  remote store gives the same figures as the embedded one;
- :mod:`.void`: the VoID description (``/.well-known/void``);
- :mod:`.dcat`: the DCAT-AP 3.0.1 catalogue (``/catalogue``) that portals harvest.

The web face is :mod:`aula_kg.web.publishing`.
"""
