"""A window onto one ordered queue in the cache: the rows the table paints, paged by key.

`QueueWindow` implements the table's `RowSource`. Rows come in pages of `PAGE_SIZE`;
a page next to a cached one is read by key (`page`/`page_before` after or before the
neighbour's edge row: an index walk), a far jump asks `nth` once for its anchor, the last
page reads backwards from the end. Only a few pages are kept (LRU). Nothing here holds the
whole queue, whatever its size.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from agentdesk.store import Cache, TicketQuery, TicketRow, sort_key

PAGE_SIZE = 64
MAX_PAGES = 24


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """What the table shows: a query (view + search) and an order."""

    query: TicketQuery
    sort: str = "sla"
    descending: bool = False


class QueueWindow:
    """Rows of `spec` by index, read on demand from `cache`."""

    def __init__(
        self,
        cache: Cache,
        spec: QueueSpec,
        *,
        annotate: Callable[[TicketRow], TicketRow] | None = None,
    ) -> None:
        self.cache = cache
        self.spec = spec
        self.annotate = annotate  # applied as rows are shown (who else is on the ticket)
        self._pages: OrderedDict[int, list[TicketRow]] = OrderedDict()
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.cache.count(self.spec.query)
        return self._count

    def invalidate(self) -> None:
        """Forget cached rows and the count (after a change in the cache)."""
        self._pages.clear()
        self._count = None

    def row(self, index: int) -> TicketRow | None:
        if index < 0 or index >= self.count():
            return None
        number, offset = divmod(index, PAGE_SIZE)
        page = self._page(number)
        row = page[offset] if offset < len(page) else None
        return row if row is None or self.annotate is None else self.annotate(row)

    def index_of(self, ticket_id: int) -> int | None:
        """Where a ticket sits in this queue (from cached pages, else one indexed count)."""
        for number, page in self._pages.items():
            for offset, row in enumerate(page):
                if row.id == ticket_id:
                    return number * PAGE_SIZE + offset
        spec = self.spec
        return self.cache.position(spec.query, spec.sort, ticket_id, spec.descending)

    def _page(self, number: int) -> list[TicketRow]:
        cached = self._pages.get(number)
        if cached is not None:
            self._pages.move_to_end(number)
            return cached
        rows = self._fetch(number)
        self._pages[number] = rows
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        return rows

    def _fetch(self, number: int) -> list[TicketRow]:
        spec, cache = self.spec, self.cache
        start = number * PAGE_SIZE
        size = min(PAGE_SIZE, self.count() - start)
        previous = self._pages.get(number - 1)
        if number == 0:
            return cache.page(spec.query, spec.sort, None, size, spec.descending)
        if previous is not None and len(previous) == PAGE_SIZE:
            after = sort_key(previous[-1], spec.sort)
            return cache.page(spec.query, spec.sort, after, size, spec.descending)
        following = self._pages.get(number + 1)
        if following:
            before = sort_key(following[0], spec.sort)
            return cache.page_before(spec.query, spec.sort, before, size, spec.descending)
        from_end = self.count() - start
        if from_end <= PAGE_SIZE:  # the last page: read backwards from the end
            return cache.page_before(spec.query, spec.sort, None, size, spec.descending)
        anchor = cache.nth(spec.query, spec.sort, start, spec.descending)
        if anchor is None:
            return []
        rest = cache.page(
            spec.query, spec.sort, sort_key(anchor, spec.sort), size - 1, spec.descending
        )
        return [anchor, *rest]
