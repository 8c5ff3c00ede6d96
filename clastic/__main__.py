"""``python -m clastic``: see :mod:`clastic.cli`.

>>> from clastic.cli import main
>>> main(['check', 'clastic.flaw'])
1
"""
import sys

from .cli import main

if __name__ == '__main__':
    sys.exit(main())
