"""The cache shared by the UI thread and the sync worker thread (and another process)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import storekit as f

from agentdesk.store import Cache


def test_writer_and_readers_in_threads_never_block_or_lose_writes(seeded: Cache) -> None:
    errors: list[BaseException] = []
    recorded: list[int] = []
    done = threading.Event()

    def sync_worker() -> None:
        try:
            for n in range(40):
                rows = [f.ticket(100 + n * 5 + k, subject=f"pulled {n} {k}") for k in range(5)]
                seeded.apply_changes(f.upserts("ticket", rows), f"c{n}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    def ui_writer() -> None:
        try:
            for n in range(40):
                mutation_id = seeded.tag_ticket(2, add=[f"t{n}"])
                assert mutation_id is not None
                recorded.append(mutation_id)
        except BaseException as exc:
            errors.append(exc)

    def ui_reader() -> None:
        try:
            while not done.is_set():
                seeded.page(None, "sla", None, 20)
                seeded.view_counts()
                seeded.search("pulled")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=t) for t in (sync_worker, ui_writer, ui_reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert seeded.count() == 6 + 200
    assert [r.id for r in seeded.pending_mutations()] == recorded
    assert len(seeded.ticket(2)["tags"]) == 40
    assert seeded.cursor == "c39"


def test_another_process_sees_queued_writes(seeded: Cache, cache_path: Path) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from agentdesk.store import Cache\n"
        "with Cache.open(Path(sys.argv[1])) as cache:\n"
        "    print(cache.update_ticket(2, status='pending'))\n"
    )
    before = seeded.data_version()
    out = subprocess.run(
        [sys.executable, "-c", script, str(cache_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip() == "1"
    assert seeded.data_version() != before  # the UI can notice and refresh
    assert seeded.ticket(2)["status"] == "pending"
    assert seeded.pending_count() == 1
