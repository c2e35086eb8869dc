"""A server process computes products on one BLAS thread, splitting large ones itself (lite.blas)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


@pytest.mark.slow
def test_server_process_products_are_single_threaded_and_split_products_match() -> None:
    # In a subprocess: limiting BLAS is process-wide and must happen before any product.
    script = textwrap.dedent(
        """
        import numpy as np
        from threadpoolctl import threadpool_info
        from weaviate_recsys.lite import blas

        assert blas.one_blas_thread()
        assert all(i["num_threads"] == 1 for i in threadpool_info() if i["user_api"] == "blas")
        rng = np.random.default_rng(3)
        for n in (100, blas.PARALLEL_PRODUCT_ROWS + 5, 3 * blas.PARALLEL_PRODUCT_ROWS + 17):
            block = rng.standard_normal((n, 48)).astype(np.float32)
            q = rng.standard_normal(48).astype(np.float32)
            out = blas.product(block, q)
            assert out.dtype == np.float32 and out.shape == (n,)
            assert np.array_equal(out, block @ q), n
        import threading
        assert any(t.name.startswith("lite-blas") for t in threading.enumerate())  # large ones were split
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
