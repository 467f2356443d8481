"""The answer cache: repeated queries are answered without a worker; only successes are
kept; the cache stays within its byte budget."""

from __future__ import annotations

import asyncio

import pytest
from fixtures.sparql.helpers import EX, SLOW_QUERY, fixture_store

from aula_kg.answers import AnswerCache, CachedPool
from aula_kg.errors import QueryTimeout, UpdateRefused
from aula_kg.store import Limits, QueryRequest
from aula_kg.store.workers import WorkerPool


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
    pool = fixture_store().executor(Limits(timeout=1.0, workers=1), cache_bytes=1 << 20)
    assert isinstance(pool, CachedPool) and isinstance(pool.pool, WorkerPool)
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
    pool = CachedPool(WorkerPool.for_store(fixture_store(), size=1, timeout=0.5),
                      AnswerCache(1 << 20))
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
    pool = fixture_store().executor(Limits(workers=1), cache_bytes=0)
    try:
        assert pool.cache is None and isinstance(pool, WorkerPool)
    finally:
        pool.close()


def test_the_cache_wraps_any_executor_and_passes_settings_through():
    """The cache is a wrapper: an in-process executor gets one too, and a setting given to
    the wrapper (as the web tests do with ``queue_timeout``) reaches the pool."""
    store = fixture_store()
    inner = store.executor(Limits(), in_process=True)
    pool = CachedPool(inner, AnswerCache(1 << 20))
    request = QueryRequest(f"ASK {{ ?c a <{EX}Commune> }}")
    assert asyncio.run(pool.run(request)).body == asyncio.run(pool.run(request)).body
    assert (pool.cache.hits, pool.cache.misses) == (1, 1)
    workers = CachedPool(WorkerPool.for_store(store, size=1), AnswerCache(1 << 20))
    try:
        workers.queue_timeout = 0.25
        assert workers.pool.queue_timeout == 0.25 and workers.size == 1
    finally:
        workers.close()
