"""The bulk-job heap freeze is scoped: objects frozen for the job are returned to the collector after it."""

import gc

from weaviate_recsys.bulk import frozen_heap


def test_frozen_heap_freezes_only_for_the_job_even_when_it_fails() -> None:
    before = gc.get_freeze_count()
    try:
        with frozen_heap():
            assert gc.get_freeze_count() > before
            raise RuntimeError("job failed")
    except RuntimeError:
        pass
    assert gc.get_freeze_count() == 0
