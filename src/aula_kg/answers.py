"""Answers already given: a bounded cache of serialised query answers.

The served graph never changes while a server runs (a new build is served by a new
process), so an answer is fully determined by the request: the query text, the negotiated
formats, the protocol's dataset and the base IRI. Repeating one costs a dictionary lookup
instead of a round trip to a worker process. Only complete successes are kept: a refused,
failed or timed-out query is evaluated again every time. The cache holds at most
``capacity`` bytes of answer bodies, least recently used first out; an answer larger than
an eighth of it is not kept.

:class:`CachedPool` puts the cache in front of any executor (store.execution.Executor): a
store adds it when its answers cannot change (store.embedded), never for a remote server.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .store.base import CappedOutput, Executor, QueryRequest

#: Answers larger than this share of the capacity are not kept.
_LARGEST_SHARE = 8


class AnswerCache:
    """A thread-safe LRU map from a request to its answer, bounded in body bytes."""

    def __init__(self, capacity: int):
        self.capacity = max(0, capacity)
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: Hashable, answer: Any, size: int) -> None:
        if size > self.capacity // _LARGEST_SHARE:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._size -= previous[1]
            self._entries[key] = (answer, size)
            self._size += size
            while self._size > self.capacity:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._size -= dropped

    @property
    def size(self) -> int:
        """Bytes of answer bodies held."""
        return self._size

    def __len__(self) -> int:
        return len(self._entries)


class CachedPool:
    """An executor that answers a request it has answered before from ``cache``, and
    passes every other to ``pool``; everything else (``size``, ``start()``, ``pids()``,
    ``queue_timeout``...) is the pool's."""

    _OWN = frozenset({"pool", "cache", "run"})
    pool: Executor
    cache: AnswerCache

    def __init__(self, pool: Executor, cache: AnswerCache):
        object.__setattr__(self, "pool", pool)
        object.__setattr__(self, "cache", cache)

    async def run(self, request: QueryRequest, timeout: float | None = None) -> CappedOutput:
        answer = self.cache.get(request)
        if answer is None:
            answer = await self.pool.run(request, timeout)
            self.cache.put(request, answer, len(answer.body))
        return answer

    # The executor interface, the pool's (named so that a CachedPool is an Executor).
    @property
    def size(self) -> int:
        return self.pool.size

    @property
    def respawns(self) -> int:
        return self.pool.respawns

    @property
    def ready_workers(self) -> int:
        return self.pool.ready_workers

    def start(self) -> None:
        self.pool.start()

    def close(self) -> None:
        self.pool.close()

    def pids(self) -> list[int]:
        return self.pool.pids()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pool, name)

    def __setattr__(self, name: str, value: Any) -> None:
        # A setting such as ``queue_timeout`` is the pool's; ``run`` may be wrapped here.
        if name in self._OWN:
            object.__setattr__(self, name, value)
        else:
            setattr(self.pool, name, value)
