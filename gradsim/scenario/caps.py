"""How large a scenario may be: checked while a file is read, before any of the work it asks for."""

MAX_LAYERS = 64
MAX_WIDTH = 4096
MAX_INPUTS = 16384
MAX_M = 100_000
MAX_ITERATIONS = 1_000_000
MAX_PARAMS = 5_000_000
MAX_DATA = 10_000_000  # n[0]·m + n[L]·m numbers held in memory
MAX_CACHE = 20_000_000  # Σ_l n[l]·batch numbers cached by one forward pass
MAX_FILE_BYTES = 200 * 2**20
MAX_EXPECT = 1000
