"""A clastic application shaped for production, served by real WSGI servers in the tests.

``app.py`` builds it; ``docs/deploying.rst`` uses it as its example.
"""
