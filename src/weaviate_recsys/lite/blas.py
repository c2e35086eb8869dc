"""Matrix-vector products for a server: one BLAS thread each, large products split across cores.

OpenBLAS splits even a 2,000 x 384 matrix-vector product across its threads, and after each product
its idle threads busy-wait for the next one. Between the queries of a server that wait burns a core:
on amazon-office (2,420 items, 2 cores) a filtered hybrid query cost the server process 11.1 ms of CPU
with OpenBLAS's default threads and 5.2 ms with one thread, at the same latency, and the spinning core
was the one the application needed. OpenBLAS only lets the thread that started its thread pool change
the thread count (measured with OpenBLAS 0.3.31: a ``set_num_threads`` from a server thread that has
already run a product is ignored), so the server processes (`lite serve`, `lite.spawn`) set one thread
from their main thread at start-up, and `product` splits large products (100k rows) into row blocks
run on a small pool of Python threads instead (numpy releases the GIL inside BLAS), which keeps their
multi-core speed without the spinning. Every row's dot product is computed by the same kernel on the
same data either way (blocks start at multiples of 64 rows), so results are bit-identical.
"""

from __future__ import annotations

import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["PARALLEL_PRODUCT_ROWS", "one_blas_thread", "product"]

#: Products over at least this many rows are split across cores (measured on 2 cores: 20k x 384
#: takes 2.0 ms on two threads and 3.9 ms on one; 2.4k x 384 takes 0.09 ms either way).
PARALLEL_PRODUCT_ROWS = 16_384

_pool_lock = threading.Lock()
_pool: list[ThreadPoolExecutor] = []
_split = [False]  # set by one_blas_thread: BLAS no longer splits products, so `product` does


def one_blas_thread() -> bool:
    """Limit BLAS to one thread for this whole process (call from the main thread at start-up, before
    any product). Returns whether a BLAS library was found and limited."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return False
    threadpool_limits(limits=1, user_api="blas")
    _split[0] = True
    return True


@functools.lru_cache(maxsize=1)
def _workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))  # os.cpu_count reads /sys: ~30 us, once per query adds up


def _executor() -> ThreadPoolExecutor:
    with _pool_lock:
        if not _pool:
            _pool.append(ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="lite-blas"))
        return _pool[0]


def product(block: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``block @ q``; in a process limited by `one_blas_thread`, products over PARALLEL_PRODUCT_ROWS rows
    run in row blocks on several threads."""
    n = len(block)
    parts = _workers()
    if not _split[0] or n < PARALLEL_PRODUCT_ROWS or parts <= 1:
        return block @ q
    out = np.empty(n, dtype=np.result_type(block.dtype, q.dtype))
    step = -(-n // parts)
    step = -(-step // 64) * 64  # blocks start at multiples of 64 rows: the same kernel path per row

    def run(start: int) -> None:
        np.matmul(block[start : start + step], q, out=out[start : start + step])

    list(_executor().map(run, range(0, n, step)))
    return out
