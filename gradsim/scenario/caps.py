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
MAX_NESTING = 32  # arrays, inline tables and tables inside one another (a scenario needs about 4)
MIN_INT, MAX_INT = -2**63, 2**63 - 1  # TOML's integers are 64-bit; tomllib alone accepts any size
MAX_EXPR_NUMBERS = MAX_CACHE  # the largest result or intermediate of one expression, in numbers
MAX_EXPR_FLOPS = 4_000_000_000  # multiply-adds of one @ in an expression
