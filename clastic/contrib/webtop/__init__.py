"""webtop: the processes of the machine in a web page, like ``top``.

The application is built by :func:`clastic.contrib.webtop.top.create_app`,
which needs psutil (``pip install "clastic[psutil]"``); importing this
package works without it.

>>> from clastic.contrib import webtop
>>> callable(webtop.top.create_app)
True
"""

from . import top

__all__ = ['top']
