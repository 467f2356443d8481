"""The dumps (issue 14): written by the build, reproducible, served under /telechargements
with the right headers, never outside their directory, never under a wrong checksum."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from aula_kg.build import build, canonical_lines
from aula_kg.errors import DownloadUnavailable, UnknownDownload
from aula_kg.publishing import dumps
from aula_kg.web import create_app


def publishing_app(settings, store):
    """The app as create_app builds it (the publishing routes included)."""
    return create_app(settings, store, workers=1)


@pytest.fixture(scope="module")
def client(built_settings, store):
    return TestClient(publishing_app(built_settings, store))


@pytest.fixture
def copied(built_settings, store, tmp_path):
    """A copy of the build's dumps in a build directory of its own (to damage), and a
    client whose app serves them."""
    build_dir = tmp_path / "build"
    shutil.copytree(dumps.dumps_dir(built_settings.build_dir), dumps.dumps_dir(build_dir))
    settings = replace(built_settings, build_dir=build_dir)
    return build_dir, TestClient(publishing_app(settings, store))


@pytest.fixture(scope="module")
def index(built_settings) -> dumps.DumpIndex:
    found = dumps.read_index(built_settings.build_dir)
    assert found is not None, "the build wrote no dumps index"
    return found


def artefact_lines(settings) -> list[str]:
    return settings.graph_file.read_text(encoding="utf-8").splitlines()


# -- what the build writes -----------------------------------------------------------------


def test_build_writes_the_whole_graph_and_one_file_per_named_graph(built_settings, index):
    graphs = {dump.graph for dump in index.dumps}
    names = {dump.name for dump in index.dumps}
    manifest = json.loads(built_settings.manifest_file.read_text())
    assert {"aula-kg.nq.gz", "aula-kg.trig.gz"} <= names
    assert graphs == set(manifest["graphs"]) | {None}
    assert index.content_hash == manifest["sha256"]
    for dump in index.dumps:
        data = (index.directory / dump.name).read_bytes()
        assert len(data) == dump.bytes
        assert hashlib.sha256(data).hexdigest() == dump.sha256


def test_gzip_members_carry_no_time_and_no_file_name(index):
    for dump in index.dumps:
        head = (index.directory / dump.name).read_bytes()[:10]
        assert head[:3] == b"\x1f\x8b\x08"
        assert head[3] & 0x08 == 0, f"{dump.name}: the gzip header names a file"
        assert head[4:8] == b"\0\0\0\0", f"{dump.name}: the gzip header carries a time"


def test_a_second_build_writes_the_same_bytes(built_settings, index, tmp_path):
    """Same sources, same dumps: a portal that checks the checksum sees no change."""
    again = replace(built_settings, build_dir=tmp_path / "again")
    build(again)
    second = dumps.read_index(again.build_dir)
    assert second is not None
    assert [(d.name, d.bytes, d.sha256) for d in second.dumps] == [
        (d.name, d.bytes, d.sha256) for d in index.dumps]
    for dump in index.dumps:
        assert (second.directory / dump.name).read_bytes() == (
            index.directory / dump.name).read_bytes()


def _load(data: bytes, fmt, graph: str | None = None) -> list[str]:
    store = ox.Store()
    target = ox.NamedNode(graph) if graph else None
    if target is None:
        store.load(gzip.decompress(data), format=fmt)
    else:
        store.load(gzip.decompress(data), format=fmt, to_graph=target)
    return canonical_lines(store.quads_for_pattern(None, None, None, None))


def test_every_dump_loads_back_into_a_fresh_store_with_the_built_quads(built_settings, index):
    built = artefact_lines(built_settings)
    data = {d.name: (index.directory / d.name).read_bytes() for d in index.dumps}
    assert _load(data["aula-kg.nq.gz"], ox.RdfFormat.N_QUADS) == built
    assert _load(data["aula-kg.trig.gz"], ox.RdfFormat.TRIG) == built
    quads = list(ox.parse(built_settings.graph_file.read_bytes(), format=ox.RdfFormat.N_QUADS))
    for dump in index.dumps:
        if dump.graph is None:
            continue
        expected = canonical_lines(q for q in quads if q.graph_name.value == dump.graph)
        assert _load(data[dump.name], ox.RdfFormat.TURTLE, dump.graph) == expected, dump.name
        assert dump.quads == len(expected)


def test_a_build_killed_before_its_index_leaves_no_file_served_under_a_wrong_checksum(
        built_settings, tmp_path, monkeypatch):
    """The index is written last: killed before it, the previous index stays, and a file
    already replaced by the new content no longer matches it: refused (503), not served."""
    build_dir = tmp_path / "build"
    lines = artefact_lines(built_settings)
    dumps.write_dumps(build_dir, lines, "a" * 64, "2026-01-01T00:00:00+00:00")
    before = dumps.read_index(build_dir)
    changed = [line for line in lines
               if not line.endswith("<https://w3id.org/aula-kg/graph/curated> .")]

    def killed(path, data, **kwargs):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(dumps, "write_atomically", killed)
    with pytest.raises(KeyboardInterrupt):
        dumps.write_dumps(build_dir, changed, "b" * 64, "2026-01-02T00:00:00+00:00")
    after = dumps.read_index(build_dir)
    assert after == before
    refused = []
    for dump in after.dumps:
        try:
            dumps.open_verified(after, dump.name).close()
        except DownloadUnavailable:
            refused.append(dump.name)
    # The whole-graph files changed (and the curated graph's file is gone from the lines but
    # still on disk, unchanged): exactly the changed files are refused.
    assert set(refused) == {"aula-kg.nq.gz", "aula-kg.trig.gz"}


# -- serving ---------------------------------------------------------------------------------


def test_a_dump_is_served_with_its_media_type_length_and_etag(client, index):
    for dump in index.dumps:
        response = client.get(f"/telechargements/{dump.name}")
        assert response.status_code == 200, dump.name
        assert response.headers["content-type"] == "application/gzip"
        assert int(response.headers["content-length"]) == dump.bytes
        assert response.headers["etag"] == f'"{dump.sha256}"'
        assert response.headers["accept-ranges"] == "bytes"
        assert hashlib.sha256(response.content).hexdigest() == dump.sha256


def test_head_gives_the_headers_of_get_without_a_body(client, index):
    dump = index.get("aula-kg.nq.gz")
    response = client.head(f"/telechargements/{dump.name}")
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) == dump.bytes
    assert response.headers["etag"] == f'"{dump.sha256}"'


def test_range_requests_follow_rfc_9110(client, index):
    dump = index.get("aula-kg.nq.gz")
    whole = (index.directory / dump.name).read_bytes()
    url = f"/telechargements/{dump.name}"
    size = dump.bytes

    first = client.get(url, headers={"Range": "bytes=0-99"})
    assert first.status_code == 206
    assert first.headers["content-range"] == f"bytes 0-99/{size}"
    assert first.headers["content-length"] == "100"
    assert first.content == whole[:100]

    suffix = client.get(url, headers={"Range": "bytes=-10"})
    assert suffix.status_code == 206 and suffix.content == whole[-10:]
    assert suffix.headers["content-range"] == f"bytes {size - 10}-{size - 1}/{size}"

    tail = client.get(url, headers={"Range": f"bytes={size - 5}-"})
    assert tail.status_code == 206 and tail.content == whole[-5:]

    clipped = client.get(url, headers={"Range": f"bytes={size - 3}-{size + 100}"})
    assert clipped.status_code == 206 and clipped.content == whole[-3:]

    outside = client.get(url, headers={"Range": f"bytes={size}-"})
    assert outside.status_code == 416
    assert outside.headers["content-range"] == f"bytes */{size}"
    assert outside.json()["error"] == "range_not_satisfiable"

    # A server may ignore what it does not serve: several ranges, other units, nonsense.
    for ignored in ("bytes=0-1,5-6", "items=0-1", "bytes=abc", "bytes=9-3"):
        response = client.get(url, headers={"Range": ignored})
        assert response.status_code == 200, ignored
        assert response.content == whole

    # If-Range with another validator: the whole (new) file, not a piece of it.
    stale = client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert stale.status_code == 200 and stale.content == whole
    fresh = client.get(url, headers={"Range": "bytes=0-9", "If-Range": f'"{dump.sha256}"'})
    assert fresh.status_code == 206 and fresh.content == whole[:10]

    cached = client.get(url, headers={"If-None-Match": f'"{dump.sha256}"'})
    assert cached.status_code == 304 and cached.content == b""


@pytest.mark.parametrize("name", [
    "../manifest.json", "%2e%2e/manifest.json", "%2E%2E%2Fmanifest.json", "..%2fmanifest.json",
    "/etc/passwd", "%2Fetc%2Fpasswd", "index.json", "dumps/aula-kg.nq.gz", "aula-kg.nq",
    "..", ".", "", "nope.ttl.gz", "aula-kg.nq.gz/", "aula-kg.nq.gz%00",
])
def test_an_unknown_name_is_a_404_that_reads_nothing(client, index, name):
    response = client.get(f"/telechargements/{name}")
    # The client resolves "." and ".." itself: those reach the page, not a file.
    assert response.status_code in (404, 307) or response.headers["content-type"].startswith(
        "text/html"), name
    assert response.headers.get("content-type") != "application/gzip"
    assert b"root:" not in response.content and b'"content_hash"' not in response.content
    with pytest.raises(UnknownDownload):
        dumps.open_verified(index, name.replace("%2e", ".").replace("%2E", ".")
                            .replace("%2F", "/").replace("%2f", "/"))


def test_a_symbolic_link_is_never_followed(copied, built_settings):
    build_dir, client = copied
    folder = dumps.dumps_dir(build_dir)
    # Same bytes elsewhere, linked in place of the dump: refused all the same.
    elsewhere = build_dir / "elsewhere.gz"
    shutil.copy(folder / "aula-kg.nq.gz", elsewhere)
    (folder / "aula-kg.nq.gz").unlink()
    os.symlink(elsewhere, folder / "aula-kg.nq.gz")
    response = client.get("/telechargements/aula-kg.nq.gz")
    assert response.status_code == 503
    # A link that the index does not name is unknown.
    os.symlink("/etc/passwd", folder / "passwd.gz")
    assert client.get("/telechargements/passwd.gz").status_code == 404


def test_a_truncated_dump_is_a_503_with_a_message_never_the_advertised_checksum(copied):
    build_dir, client = copied
    path = dumps.dumps_dir(build_dir) / "aula-kg.trig.gz"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    response = client.get("/telechargements/aula-kg.trig.gz")
    assert response.status_code == 503
    assert response.headers["retry-after"]
    assert response.json()["error"] == "download_unavailable"
    assert "aula-kg.trig.gz" in response.json()["message"]
    assert client.head("/telechargements/aula-kg.trig.gz").status_code == 503
    french = client.get("/telechargements/aula-kg.trig.gz", headers={"Accept-Language": "fr"})
    assert "ne correspond pas" in french.json()["message"]


def test_a_dump_of_the_right_size_but_other_bytes_is_a_503(copied):
    build_dir, client = copied
    path = dumps.dumps_dir(build_dir) / "graph-curated.ttl.gz"
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF
    path.write_bytes(bytes(data))
    assert client.get("/telechargements/graph-curated.ttl.gz").status_code == 503
    # The others are still served.
    assert client.get("/telechargements/graph-ontology.ttl.gz").status_code == 200


def test_a_missing_dump_is_a_503(copied):
    build_dir, client = copied
    (dumps.dumps_dir(build_dir) / "graph-shapes.ttl.gz").unlink()
    response = client.get("/telechargements/graph-shapes.ttl.gz")
    assert response.status_code == 503
    assert "missing" in response.json()["message"]


def test_a_damaged_index_is_a_503_and_a_build_without_dumps_lists_none(copied):
    build_dir, client = copied
    index = dumps.dumps_dir(build_dir) / dumps.INDEX_FILE
    index.write_text('{"dumps": [{"name": "../../etc/passwd"}]}')
    assert client.get("/telechargements/aula-kg.nq.gz").status_code == 503
    index.unlink()
    assert client.get("/telechargements/aula-kg.nq.gz").status_code == 404
    page = client.get("/telechargements")
    assert page.status_code == 200 and 'id="aucun-fichier"' in page.text


# -- the page for people ---------------------------------------------------------------------


def test_the_download_page_lists_every_file_in_french(client, index):
    page = client.get("/telechargements")
    assert page.status_code == 200
    assert page.headers["content-language"] == "fr"
    text = page.text
    assert "Télécharger le graphe" in text
    for dump in index.dumps:
        assert f'href="http://testserver/telechargements/{dump.name}"' in text
        assert dump.sha256 in text
    assert "Licence Ouverte 2.0" in text
    assert "\u00a0ko" in text  # sizes in French units, decimal comma
    assert "Construits le" in text


@pytest.mark.parametrize("headers,query,expected", [
    ({}, "?lang=en", "Download the graph"),
    ({"Accept-Language": "en-GB,en;q=0.9"}, "", "Download the graph"),
    ({"Accept-Language": "en;q=0.5,fr;q=0.9"}, "", "Télécharger le graphe"),
    ({"Accept-Language": "en"}, "?lang=fr", "Télécharger le graphe"),
])
def test_the_download_page_speaks_english_on_request(client, headers, query, expected):
    page = client.get(f"/telechargements{query}", headers=headers)
    assert expected in page.text


def test_french_sizes_and_dates():
    from aula_kg.web.publishing import file_size, group_digits, long_date

    assert file_size(139_696, "fr") == "139,7\u00a0ko"
    assert file_size(139_696, "en") == "139.7\u00a0kB"
    assert file_size(2_500_000, "fr") == "2,5\u00a0Mo"
    assert file_size(999, "fr") == "999\u00a0octets"
    assert group_digits(15140, "fr") == "15\u202f140"
    assert long_date("2026-12-01T10:00:00+00:00", "fr") == "1er décembre 2026"
    assert long_date("2026-12-04T10:00:00+00:00", "en") == "4 December 2026"


def test_the_build_dumps_are_in_their_own_directory(built_settings):
    """Dumps never land beside the artefact itself (a reader sweeping build/ keeps them)."""
    assert all(p.parent.name == dumps.DUMPS_DIR
               for p in Path(built_settings.build_dir).rglob("*.gz"))


@pytest.mark.server
def test_raw_paths_out_of_the_directory_are_404_on_a_real_server(built_settings, store):
    """Paths sent as written (http.client resolves nothing), through uvicorn: ``..``,
    its percent-encodings and absolute paths reach the route and find no file."""
    import http.client

    from fixtures.sparql.helpers import serve_app

    app = publishing_app(built_settings, store)
    with serve_app(app) as (base, _thread):
        host, port = base.removeprefix("http://").split(":")
        for raw in ("/telechargements/../manifest.json", "/telechargements/..%2fmanifest.json",
                    "/telechargements/%2e%2e/manifest.json",
                    "/telechargements/%2e%2e%2f..%2f..%2fetc%2fpasswd",
                    "/telechargements//etc/passwd", "/telechargements/../../../../etc/passwd",
                    "/telechargements/dumps/../../aula-kg.nq"):
            connection = http.client.HTTPConnection(host, int(port), timeout=10)
            connection.request("GET", raw)
            response = connection.getresponse()
            body = response.read()
            connection.close()
            assert response.status == 404, raw
            assert b"root:" not in body and b"<https://w3id.org" not in body, raw
