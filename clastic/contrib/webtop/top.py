"""A process table in a web page: pid, name, user, CPU %, memory %, status.

>>> from clastic import Application
>>> from clastic.contrib.webtop import top
>>> app = Application([('/webtop/', top.create_app())])
>>> app.get_local_client().get('/webtop/?sort=-mem').status_code
200

``?sort=<column>`` sorts ascending, ``?sort=-<column>`` descending; the
columns are ``pid``, ``name``, ``user``, ``cpu``, ``mem`` and ``status``
(another value is a 400). The default is ``-cpu``. CPU % is measured
between two page loads, so the first load shows 0.0 for every process.

The table needs psutil (``pip install "clastic[psutil]"``). Without it,
as in clastic 26, the application still constructs, so an application that
mounts it starts; its page then answers 501 Not Implemented, saying so.
"""

from typing import Any, Dict, List, NoReturn

from clastic import errors
from clastic._wrappers import FastResponse
from clastic.application import Application
from clastic.meta import load_asset_templates
from clastic.route import GET

__all__ = ['create_app', 'COLUMNS']

#: Sortable columns: query-string name -> psutil attribute.
COLUMNS = {'pid': 'pid', 'name': 'name', 'user': 'username', 'cpu': 'cpu_percent',
           'mem': 'memory_percent', 'status': 'status'}
_DEFAULT_SORT = '-cpu'
_NEEDS_PSUTIL = 'webtop needs psutil; install it with: pip install "clastic[psutil]"'


def create_app() -> Application:
    """An Application showing the processes of the machine.

    Without psutil its page answers 501, naming the ``clastic[psutil]`` extra.

    >>> create_app().routes[0].pattern
    '/'
    """
    try:
        import psutil
    except ImportError:
        return Application([GET('/', _psutil_missing)])
    return Application([GET('/', _ProcessTable(psutil).get_page)])


def _psutil_missing() -> NoReturn:
    raise errors.NotImplemented(_NEEDS_PSUTIL)


class _ProcessTable:
    def __init__(self, psutil: Any) -> None:
        self.psutil = psutil
        self.templates = load_asset_templates('webtop')

    def get_page(self, request: Any) -> FastResponse:
        """The process table, sorted by ``?sort=``."""
        sort = request.args.get('sort', _DEFAULT_SORT)
        column = sort[1:] if sort.startswith('-') else sort
        if column not in COLUMNS:
            raise errors.BadRequest(f'sort must be one of {sorted(COLUMNS)}, optionally'
                             ' prefixed with - for descending order')
        rows = _sorted_rows(self.processes(), column, descending=sort.startswith('-'))
        html = self.templates.render('webtop/page.html', {
            'count': len(rows),
            'columns': [{'name': name, 'sort': '-' + name if sort == name else name,
                         'current': name == column} for name in COLUMNS],
            'processes': [_display(row) for row in rows],
        })
        return FastResponse(html, mimetype='text/html')

    def processes(self) -> List[Dict[str, Any]]:
        """One dict per process, keyed by column; None where access was denied."""
        attrs = list(COLUMNS.values())
        return [{column: proc.info[attr] for column, attr in COLUMNS.items()}
                for proc in self.psutil.process_iter(attrs, ad_value=None)]


def _sorted_rows(rows: List[Dict[str, Any]], column: str, descending: bool) -> List[Dict[str, Any]]:
    """Rows sorted by *column*; rows without a value come last either way."""
    known = [row for row in rows if row[column] is not None]
    unknown = [row for row in rows if row[column] is None]
    known.sort(key=lambda row: _sort_key(row[column]), reverse=descending)
    return known + unknown


def _sort_key(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _display(row: Dict[str, Any]) -> Dict[str, str]:
    shown = {column: '' if value is None else str(value) for column, value in row.items()}
    for column in ('cpu', 'mem'):
        if row[column] is not None:
            shown[column] = f'{row[column]:.1f}'
    return shown
