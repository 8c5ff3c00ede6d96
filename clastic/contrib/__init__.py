"""Contributed applications, each a ``create_app()`` to mount where you like.

- :mod:`clastic.contrib.obj_browser`: browse the live Python objects of the process;
- :mod:`clastic.contrib.webtop`: a process table, like ``top`` (its table needs psutil).

>>> from clastic import Application
>>> from clastic.contrib import obj_browser
>>> app = Application([('/obj/', obj_browser.create_app())])
>>> app.get_local_client().get('/obj/', follow_redirects=True).status_code
200
"""
