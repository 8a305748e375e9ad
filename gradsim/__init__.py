"""gradsim: a terminal simulator of gradient dynamics.

BLAS runs single-threaded: the nets are small, and on a busy machine two OpenBLAS threads made a
128-wide product 70x slower (docs/benchmarks.md). The thread counts are read by the BLAS library when
NumPy is first imported, so they are set here, in the package's first module, before any gradsim module
imports NumPy (``gradsim list`` and ``--help`` import no NumPy at all). A value already in the
environment wins: ``OPENBLAS_NUM_THREADS=2 gradsim run ...`` runs with two threads.
"""

import os as _os

__version__ = "0.1.0"

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                         "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
for _name in BLAS_THREAD_VARIABLES:
    _os.environ.setdefault(_name, "1")
del _name
