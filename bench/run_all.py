"""Run every benchmark script and print one combined report.

Prints the machine, each script's report as it finishes, then a combined
table (one row per framework and app: the benchmark app with 3 or 1003
routes, or the realistic app of bench/realistic_apps.py, in process and
under one gunicorn sync worker), every target with PASS/FAIL, and how long
each script took. Exits 0 even when a target fails.

    python -m bench.run_all [--quick] [--markdown FILE]
"""

import argparse
import sys
import time
import traceback
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

if __package__ in (None, ''):  # run as a file: import bench and the working tree's clastic
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import (
    batteries,
    build,
    hostile,
    http_gunicorn,
    import_time,
    inprocess,
    middleware,
    prefixed,
    realistic,
    realistic_http,
)
from bench._common import Report, load_average, machine_info, markdown_table, text_table

SCRIPTS: Tuple[Tuple[str, Callable[[bool], Report]], ...] = (
    ('bench.inprocess', inprocess.run),
    ('bench.prefixed', prefixed.run),
    ('bench.middleware', middleware.run),
    ('bench.batteries', batteries.run),
    ('bench.hostile', hostile.run),
    ('bench.build', build.run),
    ('bench.import_time', import_time.run),
    ('bench.http_gunicorn', http_gunicorn.run),
    ('bench.realistic', realistic.run),
    ('bench.realistic_http', realistic_http.run),
)
COMBINED_COLUMNS = ('mean us', 'sum us', 'x falcon', 'x bottle', 'x flask', 'x 3 routes',
                    'build ms', 'ready ms', 'peak KiB', 'import ms', 'req/s', 'x raw req/s',
                    'CPU us/req', 'share us', 'RSS MiB')


def _run_one(name: str, run: Callable[[bool], Report], quick: bool) -> Report:
    try:
        return run(quick)
    except Exception:  # one broken script must not hide the others' results
        return Report(f'{name} FAILED', [], [], notes=[traceback.format_exc()])


def combined(reports: Sequence[Report]) -> Report:
    """Merge the scripts' summaries into one row per (framework, routes),
    followed by every target.

    >>> r = Report('x', [], [], summary={('clastic', '3'): {'mean us': '9.00'}})
    >>> combined([r]).rows[0][:3]
    ['clastic', '3', '9.00']
    """
    cells: Dict[Tuple[str, str], Dict[str, str]] = {}
    for report in reports:
        for key, values in report.summary.items():
            cells.setdefault(key, {}).update(values)
    rows = [[name, routes, *(values.get(column, '-') for column in COMBINED_COLUMNS)]
            for (name, routes), values in cells.items()]
    targets = sorted((target for report in reports for target in report.targets),
                     key=lambda target: target.key)
    return Report('Combined', ['framework', 'routes/app', *COMBINED_COLUMNS], rows, targets)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the scripts, print everything, optionally write it as markdown.

    Example: ``python -m bench.run_all --quick --markdown /tmp/bench.md``
    """
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--quick', action='store_true', help='a fast smoke run (numbers are rough)')
    parser.add_argument('--markdown', metavar='FILE', help='also write the report as markdown')
    args = parser.parse_args(argv)

    machine = machine_info()
    print('\n'.join(machine), end='\n\n', flush=True)
    reports: List[Report] = []
    seconds: List[float] = []
    for name, run in SCRIPTS:
        start = time.perf_counter()
        reports.append(_run_one(name, run, args.quick))
        seconds.append(time.perf_counter() - start)
        print(reports[-1].to_text(), f'\n({name}: {seconds[-1]:.1f} s)\n', sep='\n', flush=True)

    summary = combined(reports)
    durations = [[name, f'{s:.1f}'] for (name, _), s in zip(SCRIPTS, seconds)]
    durations.append(['total', f'{sum(seconds):.1f}'])
    print(summary.to_text(), '', 'Time per script (s):', text_table(['script', 's'], durations),
          load_average('at end'), sep='\n')
    if args.markdown:
        parts = ['# clastic benchmarks' + (' (--quick)' if args.quick else ''), '',
                 *(f'- {line}' for line in machine), '']
        parts += [report.to_markdown() + '\n' for report in (summary, *reports)]
        parts += ['## Time per script (s)', '', markdown_table(['script', 's'], durations), '',
                  load_average('at end'), '']
        Path(args.markdown).write_text('\n'.join(parts))
        print(f'\nMarkdown written to {args.markdown}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
