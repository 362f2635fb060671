"""The local SQLite cache: schema and migrations, queries, full-text search, the outbox.

Open one per profile, share it between threads (one connection per thread inside):

    cache = Cache.open(agentdesk.paths.cache_file(profile))   # or Cache.for_profile(profile)
    ...
    cache.close()

Errors: `CacheError` (file unusable: foreign, corrupt, newer; one line naming the file),
`StoreError` (a request the cache cannot honour), `MutationError` (invalid mutation args,
from `agentdesk.domain.mutations`), `ParseError` (bad search syntax). All are one-line.

For the sync engine
- `apply_changes(changes, cursor, last_mutation_id=None, has_more=False) -> ApplyStats`:
  one pulled page in one transaction (rows, deletions, cursor, acknowledgements, rebase).
  `changes` are `(entity, id, op, data)` tuples or `sync.backend.Change` objects.
- `cursor`, `client_id`, `agent_id`/`set_agent_id`, `meta(key)`/`set_meta(key, value)`
  (e.g. `backend`, `last_sync_at`), `reset_synced_data()` for a must-refetch (keeps outbox).
  `bulk_loading` is True while a large first sync runs without indexes and search (they are
  rebuilt by the page with `has_more=False`, or on the next open if the sync was cut).
- `pending_mutations(limit) -> list[OutboxRow]` (push these, in order);
  `record_results(results, ack_by_pull=True)` with `MutationResult`-like objects.
- `pending_count()`, `conflict_count()`, `rejected_count()`, `oldest_pending_at()`.

For the TUI and CLI (writes: optimistic, queued, one transaction each)
- `update_ticket(id, status=, priority=, subject=, group_id=)`, `assign_ticket(id, to)`,
  `tag_ticket(id, add, remove)`, `add_message(id, body, public) -> message id`,
  `set_availability(to)`; all read the cached value as `from`; None when nothing changes.
- `record_mutation(name, args) -> mutation id` for anything else.
- Each write is one durable transaction (an fsync: a few ms). For an action on many marked
  rows, group them: `with cache.write(): ...` (nested writes join it; all or nothing).
- `outbox_rows()`, `conflicts()`, `resolve_conflict(id, keep="mine"|"theirs")`,
  `dismiss_rejected(mutation_id)`; drafts: `save_draft`, `draft`, `delete_draft`.

Reads
- Queue: `page(query, sort, after_key, limit, descending)`, `page_before(...)`,
  `count(query)`, `position(query, sort, ticket_id)`, `nth(query, sort, n)` (n=-1: last),
  `next_breach(query)`; `sort_key(row, sort)` gives the key of a shown row. `query` is a
  `TicketQuery`, search text, or None. Sorts (`SORT_COLUMNS`): sla, priority, status,
  channel, subject, customer, assignee, updated, created, id; ties broken by id.
  Paging is keyset: pass `sort_key(last_row, sort)` as `after_key` for the next page, and
  `sort_key(first_row, sort)` as `before_key` of `page_before` for the previous one.
- Search: `parse_query(text) -> TicketQuery` (raises `ParseError`), `search(text)`;
  syntax in `agentdesk.store.search`. Full-text terms consider the newest 1,000 matches per
  source (subjects, message bodies) and 200 customers, so counts of text searches are capped.
- Views: `views()` (built-ins + server saved views), `view(id)`, `view_counts()`.
- Records: `ticket(id)`, `thread(ticket_id) -> list[MessageRow]`, `customer(id)`,
  `customer_history(customer_id) -> CustomerHistory`, `agents()`, `agent_by_email(e)`,
  `groups()`, `canned_responses()`, `sla_policies()`, `me()`, `row(entity, id)`.
- `data_version()` changes whenever anything commits (cheap polling for refreshes).
"""

from agentdesk.store.apply import ApplyStats
from agentdesk.store.cache import Cache
from agentdesk.store.db import CacheError, StoreError
from agentdesk.store.outbox import ConflictRow, OutboxRow
from agentdesk.store.queries import (
    BUILTIN_VIEWS,
    SORT_COLUMNS,
    CustomerHistory,
    MessageRow,
    TicketRow,
    View,
    sort_key,
)
from agentdesk.store.search import ParseError, TicketQuery, parse_query

__all__ = [
    "BUILTIN_VIEWS",
    "SORT_COLUMNS",
    "ApplyStats",
    "Cache",
    "CacheError",
    "ConflictRow",
    "CustomerHistory",
    "MessageRow",
    "OutboxRow",
    "ParseError",
    "StoreError",
    "TicketQuery",
    "TicketRow",
    "View",
    "parse_query",
    "sort_key",
]
