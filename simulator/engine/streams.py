"""Random streams: one per source of randomness, derived from (seed, replicate, source).

Every source — each phase's durations, spot interruptions, each failure kind, capacity waits, the
spot price ratio — draws from a stream of its own, so a change to one source never shifts another
(a constant written as a one-point distribution moves nothing else), and replicate ``i`` of every
what-if variant sees the same interruption clock: the variants run on common random numbers.

A stream borrows :class:`random.Random`'s distribution methods over a core generator of its own (the
seam the ``random`` module documents: its methods need only ``random()`` and ``getrandbits()``), so
``random``'s own, well-tested code still turns uniforms into the uniform, normal, lognormal,
exponential and choice draws. The core is SplitMix64
(Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014; the generator
behind Java's SplittableRandom) used as a counter-based hash: draw ``n`` of a stream is
``mix(key + n·γ)``. Keys are mixed from (seed, replicate, source) the same way. A stream is a few
integers — cheap to make, where a Mersenne Twister costs ~10 µs to seed and a sweep makes a handful
per job — and the same (seed, replicate) gives the same draws in any process, on any machine, in any
order of use.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import cache, partial
from typing import Any

_MASK = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15  # 2^64 / golden ratio, SplitMix64's increment
_TO_UNIT = 2.0 ** -53


def mix(z: int) -> int:
    """SplitMix64's finaliser: a bijective, avalanching mix of a 64-bit integer."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


@cache
def source_id(source: str) -> int:
    """A stable 64-bit number for a source's name (the same in every process and Python version)."""
    return int.from_bytes(hashlib.blake2b(source.encode(), digest_size=8).digest(), "little")


def job_seed(seed: int, name: str) -> int:
    """A seed of its own for the job ``name`` among many sharing ``seed``: jobs created from one story
    do not move in lockstep, and the same (seed, name) always gives the same job."""
    return mix((seed + source_id("job:" + name)) & _MASK) >> 1  # 63 bits: a valid scenario seed


class Stream:
    """One source's draws, with :class:`random.Random`'s distribution methods (``uniform``,
    ``gauss``, ``normalvariate``, ``lognormvariate``, ``expovariate``, ``choice``): the ``random``
    module's own code, over this class's core generator."""

    __slots__ = ("_count", "_key", "gauss_next")

    uniform = random.Random.uniform
    gauss = random.Random.gauss
    normalvariate = random.Random.normalvariate
    lognormvariate = random.Random.lognormvariate
    expovariate = random.Random.expovariate
    choice = random.Random.choice
    _randbelow = random.Random._randbelow_with_getrandbits

    def __init__(self, key: int, count: int = 0):
        self._key = key & _MASK
        self._count = count
        self.gauss_next: float | None = None

    def __repr__(self) -> str:
        return f"<Stream key={self._key:#x} draws={self._count}>"

    def random(self) -> float:
        """The next uniform on [0, 1), with 53 random bits."""
        self._count = count = self._count + 1
        z = (self._key + count * _GAMMA) & _MASK  # mix(), inlined: the hot path of every draw
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return ((z ^ (z >> 31)) >> 11) * _TO_UNIT

    def getrandbits(self, k: int) -> int:
        """``k`` random bits (for ``choice``)."""
        bits, have = 0, 0
        while have < k:
            self._count += 1
            bits |= mix((self._key + self._count * _GAMMA) & _MASK) << have
            have += 64
        return bits & ((1 << k) - 1)


@cache
def _seed_key(seed: int) -> int:
    return mix(seed & _MASK)


#: first draws remembered per thread, for at most this many (seed, replicate) keys (:class:`Streams`):
#: about 15 MB; a fleet of more jobs than this draws its first draws again for each variant
FIRSTS_KEPT = 16_384
_THREAD = threading.local()


def _firsts(key: int) -> dict[str, tuple[Any, float]]:
    """This thread's memo of first draws for the streams keyed ``key``: source -> (duration, draw)."""
    memo = getattr(_THREAD, "firsts", None)
    if memo is None:
        memo = _THREAD.firsts = OrderedDict()
    found = memo.get(key)
    if found is None:
        if len(memo) >= FIRSTS_KEPT:
            memo.popitem(last=False)  # the oldest key goes, at once (a dict's first key is found by a scan)
        found = memo[key] = {}
    return found


class Streams:
    """The streams of one job: replicate ``replicate`` of a run seeded ``seed``; made on first use.

    A source's first draw of a duration is a function of (seed, replicate, source, duration) alone:
    the variants of a what-if draw it alike for replicate ``i`` (common random numbers). So each
    thread remembers first draws (:data:`FIRSTS_KEPT` keys): a later job of the same seed and
    replicate takes the value without making the stream, which is made — moved past that draw — only
    when the source draws again."""

    __slots__ = ("_firsts", "_key", "_made", "_unmade", "replicate", "seed")

    def __init__(self, seed: int, replicate: int = 0):
        self.seed = seed
        self.replicate = replicate
        self._key = mix(_seed_key(seed) ^ (replicate & _MASK))
        self._made: dict[str, Stream] = {}
        #: source -> how its first draw, taken from memory, is drawn again on the stream once it is made
        self._unmade: dict[str, Callable[[Stream], float]] = {}
        self._firsts = _firsts(self._key)

    def __repr__(self) -> str:
        return f"<Streams seed={self.seed} replicate={self.replicate}>"

    def draw(self, source: str, duration: float | Any) -> float:
        """One draw of ``duration`` (seconds, a constant or a distribution) from ``source``'s own
        stream, in whole clock ticks (2⁻¹⁰ s); a constant draws nothing."""
        if duration.__class__ is float:
            return round(duration * 1024) / 1024
        stream = self._made.get(source)
        if stream is None:
            if source not in self._unmade:  # the source's first draw
                first = self._firsts.get(source)
                if first is not None and (first[0] is duration or first[0] == duration):
                    self._unmade[source] = duration.draw
                    return first[1]
                value = round(duration.draw(self[source]) * 1024) / 1024
                self._firsts[source] = (duration, value)
                return value
            stream = self[source]
        return round(duration.draw(stream) * 1024) / 1024

    def interval(self, source: str, rate: float) -> float:
        """A draw from ``source``'s stream of the time to the next event of a Poisson process of ``rate``
        per second (exponential, unrounded); a first one remembered as :meth:`draw`'s are."""
        if source not in self._made and source not in self._unmade:  # the source's first draw
            first = self._firsts.get(source)
            if first is not None and first[0] == rate:
                self._unmade[source] = partial(Stream.expovariate, lambd=rate)
                return first[1]
            value = self[source].expovariate(rate)
            self._firsts[source] = (rate, value)
            return value
        return self[source].expovariate(rate)

    def __getitem__(self, source: str) -> Stream:
        stream = self._made.get(source)
        if stream is None:
            z = self._key ^ source_id(source)  # mix(), inlined: a sweep makes several streams a job
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
            stream = self._made[source] = Stream(z ^ (z >> 31))
            if self._unmade:
                replay = self._unmade.pop(source, None)
                if replay is not None:  # its first draw was remembered: the stream moves past it
                    replay(stream)
        return stream
