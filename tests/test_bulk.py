"""The bulk-job heap freeze is scoped: objects frozen for the job are returned to the collector after it."""

import gc

from weaviate_recsys.bulk import collector_paused, frozen_heap


def test_frozen_heap_freezes_only_for_the_job_even_when_it_fails() -> None:
    before = gc.get_freeze_count()
    try:
        with frozen_heap():
            assert gc.get_freeze_count() > before
            raise RuntimeError("job failed")
    except RuntimeError:
        pass
    assert gc.get_freeze_count() == 0


def test_collector_paused_restores_the_collector_state() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()
