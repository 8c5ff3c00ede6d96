"""webtop: the processes of the machine in a web page, like ``top``.

The application is built by :func:`clastic.contrib.webtop.top.create_app`.
Its table needs psutil (``pip install "clastic[psutil]"``); without it the
package imports and the application constructs, and its page answers 501.

>>> from clastic.contrib import webtop
>>> callable(webtop.top.create_app)
True
"""

from . import top

__all__ = ['top']
