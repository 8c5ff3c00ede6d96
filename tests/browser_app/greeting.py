"""An application tests/test_browser.py copies, serves with the reloader and
then breaks (its endpoint asks for an argument nothing provides), so that
the development server serves the flaw page."""
from clastic import Application, render_basic


def greet():
    return 'hello'


app = Application([('/', greet, render_basic)])

if __name__ == '__main__':
    app.serve()
