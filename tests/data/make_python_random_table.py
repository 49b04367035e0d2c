#!/usr/bin/env python3
"""Writes tests/data/python_random_choice.json: what Python's `random` gives after
`random.seed(n)` for many n, so the C++ copy of its generator (core/pipeline/python_random)
is checked against Python itself. Each case: the seed, the first 32-bit output
(`getrandbits(32)`), and the index `random.choice` takes from lists of 1 to 7 items (the
reference service picks a program's size per batch set this way).

  python3 tests/data/make_python_random_table.py
"""

import json
import platform
import random
from pathlib import Path

SEEDS = (list(range(0, 200)) + [255, 256, 1000, 65535, 65536, 2**31 - 1, 2**31, 2**32 - 1,
                                 2**32, 2**32 + 1, 2**40 + 5, 123456789012, 2**63 - 1])


def main():
    cases = []
    for seed in SEEDS:
        first = random.Random(seed).getrandbits(32)
        choices = []
        for n in range(1, 8):
            rng = random.Random(seed)
            choices.append(rng.choice(range(n)))
        cases.append({"seed": str(seed), "first32": first, "choice_1_to_7": choices})
    lines = ",\n".join("    " + json.dumps(c) for c in cases)
    text = '{\n  "python": %s,\n  "cases": [\n%s\n  ]\n}\n' % (
        json.dumps(platform.python_version()), lines)
    path = Path(__file__).resolve().parent / "python_random_choice.json"
    path.write_text(text)
    print("wrote", path, len(cases), "cases")


if __name__ == "__main__":
    main()
