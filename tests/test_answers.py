"""The answer cache: repeated queries are answered without a worker; only successes are
kept; the cache stays within its byte budget."""

from __future__ import annotations

import asyncio

import pytest
from fixtures.sparql.helpers import EX, SLOW_QUERY, fixture_store

from aula_kg.answers import AnswerCache
from aula_kg.errors import QueryTimeout
from aula_kg.guard import QueryRequest, UpdateRefused, WorkerPool


def test_least_recently_used_answers_leave_first():
    cache = AnswerCache(800)
    cache.put("a", "A", 100)
    cache.put("b", "B", 100)
    assert cache.get("a") == "A"  # a is now the most recent
    for key in "cdefghi":
        cache.put(key, key.upper(), 100)
    assert cache.size <= 800
    assert cache.get("b") is None and cache.get("a") == "A"
    cache.put("huge", "H", 101)  # over an eighth of the capacity: not kept
    assert cache.get("huge") is None
    assert (cache.hits, cache.misses) == (2, 2)


def test_replacing_an_answer_keeps_the_size_right():
    cache = AnswerCache(1000)
    cache.put("a", "A", 100)
    cache.put("a", "A2", 50)
    assert (len(cache), cache.size, cache.get("a")) == (1, 50, "A2")


@pytest.fixture(scope="module")
def cached_pool():
    pool = WorkerPool.for_store(fixture_store(), size=1, timeout=1.0, cache_bytes=1 << 20)
    pool.start()
    yield pool
    pool.close()


def test_a_repeated_query_is_answered_from_the_cache(cached_pool):
    request = QueryRequest(f"SELECT ?c {{ ?c a <{EX}Commune> }} ORDER BY ?c", results_format="csv")
    first = asyncio.run(cached_pool.run(request))
    # The worker is gone: only the cache can answer now.
    for worker in list(cached_pool._workers):
        worker.process.kill()
        worker.process.wait()
    again = asyncio.run(cached_pool.run(request))
    assert again.body == first.body and again.media_type == "text/csv"
    assert cached_pool.cache.hits == 1
    # The same query in another format is another answer.
    other = QueryRequest(request.query, results_format="json")
    assert cached_pool.cache.get(other) is None


def test_refusals_and_timeouts_are_not_kept():
    pool = WorkerPool.for_store(fixture_store(), size=1, timeout=0.5, cache_bytes=1 << 20)
    pool.start()
    try:
        for _ in range(2):
            with pytest.raises(UpdateRefused):
                asyncio.run(pool.run(QueryRequest("DROP ALL")))
        with pytest.raises(QueryTimeout):
            asyncio.run(pool.run(QueryRequest(SLOW_QUERY)))
        assert len(pool.cache) == 0
    finally:
        pool.close()


def test_the_cache_is_off_when_given_no_bytes():
    pool = WorkerPool.for_store(fixture_store(), size=1, cache_bytes=0)
    try:
        assert pool.cache is None
    finally:
        pool.close()
