import os

# One BLAS thread: tests compare bit-for-bit and must not depend on the machine's core count.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
