#!/usr/bin/env python3
"""Mutation-test a seeded random sample of the core's mutants with mutmut.

Run on demand from the repository root, never in CI (docs/contributing.rst)::

    pip install '.[test]' mutmut
    python .ci/mutation_sample.py --size 200 --seed 7

mutmut's configuration (which modules, which tests) is ``[tool.mutmut]`` in
pyproject.toml. The first step generates every mutant and maps the tests to
the functions they run; the second runs the sample; the report gives the
kill rate and each survivor, to be pinned by a test or judged equivalent.
Survivors can be read with ``mutmut show NAME``.
"""
import argparse
import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional

MUTANTS = Path('mutants')
# mutmut's exit codes for a mutant (mutmut/stats.py). mutmut files 255 under
# timeouts, but a child exits with it when pytest cannot even find the tests
# to run: the mutant broke the import of a test module (one that builds its
# application at import time), which is a kill.
KILLED = {1, 3, 255}
SURVIVED = {0}
TIMEOUTS = {36, 24, -24, 152}
NO_TESTS = {5, 33}
# mutmut generates the mutants and maps tests to functions only as part of a
# run, and refuses a run that matches nothing: the first step runs one mutant
# of each function of a small module.
GENERATE_ONLY = 'clastic._json.*__mutmut_1'


def mutmut(*args: str) -> None:
    command = [str(Path(sys.executable).with_name('mutmut')), *args]
    completed = subprocess.run(command)
    if completed.returncode:
        sys.exit(f'{" ".join(command[:3])}... exited with {completed.returncode}')


def exit_codes() -> Dict[str, Optional[int]]:
    """Every mutant's name and its last result (None when never run)."""
    codes: Dict[str, Optional[int]] = {}
    for meta in sorted(MUTANTS.glob('clastic/**/*.py.meta')):
        codes.update(json.loads(meta.read_text())['exit_code_by_key'])
    return codes


def verdict(code: Optional[int]) -> str:
    for name, codes in (('killed', KILLED), ('survived', SURVIVED), ('timeout', TIMEOUTS),
                        ('no tests', NO_TESTS)):
        if code in codes:
            return name
    return 'not run' if code is None else f'exit code {code}'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=int, default=200, help='mutants in the sample')
    parser.add_argument('--seed', type=int, default=7, help='seed of the random sample')
    args = parser.parse_args()

    mutmut('run', GENERATE_ONLY)
    names = sorted(exit_codes())
    sample: List[str] = sorted(random.Random(args.seed).sample(names, min(args.size, len(names))))
    mutmut('run', *sample)

    codes = exit_codes()
    verdicts = {name: verdict(codes[name]) for name in sample}
    counts = Counter(verdicts.values())
    # A timeout is a kill: the mutant made the tests hang and they failed.
    killed = counts['killed'] + counts['timeout']
    print(f'\n{len(names)} mutants, a sample of {len(sample)} (seed {args.seed}):',
          ', '.join(f'{count} {name}' for name, count in counts.most_common()))
    print(f'killed {killed} of {len(sample)} = {killed / len(sample):.1%}')
    for name in sample:
        if verdicts[name] not in ('killed', 'timeout'):
            print(f'  {verdicts[name]:>9}  {name}')


if __name__ == '__main__':
    main()
