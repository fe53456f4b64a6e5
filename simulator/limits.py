"""The bounds and sizes tjsim works with: plain numbers, importable without the heavier modules
(the command line reads them at start-up)."""

MAX_SECONDS = 365 * 86400.0  #: the longest duration tjsim simulates: a year
MAX_SEED = 2**63 - 1  #: seeds are 64-bit: larger ones would wrap around
CHUNK = 250  #: a sweep's replicates per task by default (any size gives the same result)
MAX_POLLS = 1_000_000  #: ``tjsim replay --poll``: at most this many polls over a job's life
