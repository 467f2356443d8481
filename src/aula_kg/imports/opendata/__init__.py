"""The open-data sources, one module each (found by :mod:`aula_kg.imports.registry`).

- :mod:`.cog`: Etalab *découpage administratif* (communes, EPCI, départements, régions,
  legal populations, former codes of merged communes);
- :mod:`.acv`: ANCT Action Cœur de Ville communes and their 2018-2019 framework conventions;
- :mod:`.pvd`: ANCT Petites Villes de Demain, first list (January 2021), with signature dates;
- :mod:`.programmes`: the ANCT per-commune tables (ACV/PVD/ORT gazetteer; the COG 2023 table
  of programme ids: Territoires d'industrie, Villages d'avenir, France services...);
- :mod:`.ort`: the national list of Opérations de revitalisation de territoire.

To add a source, add a module here that defines ``NAME``, ``ORDER``, ``SUMMARY``,
``locate``, ``describe`` and ``build`` (:class:`aula_kg.imports.registry.Importer`).
"""
