"""The application tests/test_browser.py serves and loads in Chromium.

``python app.py`` serves it in debug mode; ``--production`` serves it with
the production error handler. Its endpoint fails with a message holding
markup, so the pages must escape it.
"""
import sys

from clastic import Application, render_basic

#: What the failing endpoint raises: markup a page must show as text.
FAILURE = 'the <script>document.title="pwned"</script> ledger is out of balance'


def home():
    return 'books are open'


def balance_ledger():
    total = 41
    raise ArithmeticError(FAILURE + f' by {total}')


def create_app(debug: bool) -> Application:
    return Application([('/', home, render_basic), ('/ledger', balance_ledger, render_basic)],
                       debug=debug)


if __name__ == '__main__':
    create_app(debug='--production' not in sys.argv).serve()
