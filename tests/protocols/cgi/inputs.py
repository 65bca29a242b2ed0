"""Inputs for the property tests: random bytes and mutations of valid input.

``hypothesis`` is not part of the test environment, so the properties are
checked on a seeded stream of cases: each run sees the same inputs, and a
failure names its seed and case number.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence


def cases(seed: int, valid: Sequence[bytes], count: int = 300) -> Iterator[bytes]:
    """``count`` inputs: a third random bytes, the rest valid samples mutated (bytes
    replaced, inserted or removed, cut short, or glued to another sample)."""
    rng = random.Random(seed)
    for index in range(count):
        if index % 3 == 0 or not valid:
            yield rng.randbytes(rng.randrange(0, 512))
            continue
        data = bytearray(rng.choice(valid))
        for _ in range(rng.randrange(1, 6)):
            action = rng.randrange(5)
            position = rng.randrange(len(data) + 1)
            if action == 0 and data:
                data[min(position, len(data) - 1)] = rng.randrange(256)
            elif action == 1:
                data[position:position] = rng.randbytes(rng.randrange(1, 16))
            elif action == 2:
                del data[position : position + rng.randrange(1, 16)]
            elif action == 3:
                del data[position:]
            else:
                data += rng.choice(valid)
        yield bytes(data)


def chunked(data: bytes, rng: random.Random, largest: int = 256) -> Iterator[bytes]:
    """``data`` cut into pieces of random sizes."""
    offset = 0
    while offset < len(data):
        size = rng.randrange(1, largest + 1)
        yield data[offset : offset + size]
        offset += size
