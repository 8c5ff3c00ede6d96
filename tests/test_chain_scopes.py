"""A wrapping layer's ``next`` is a method of one object per request
(clastic._chain_scopes): each reads the values of its own request, as the
closure it replaces did, wherever they were made (the URL, a resource, an
outer layer's provide or hook)."""

import threading

from clastic import Application, Middleware, Rendered, render_basic


class Wrap(Middleware):
    def request(self, next):
        return next()


class Wrap2(Wrap):
    pass


class Locale(Middleware):
    provides = ('locale',)

    def before_request(self, request):
        return {'locale': request.args.get('lang', 'en')}


class ProvidesDb(Middleware):
    provides = ('db',)

    def request(self, next):
        return next(db='provided')


class SeesDb(Middleware):
    def __init__(self, seen):
        self.seen = seen

    def request(self, next, db):
        self.seen.append(db)
        return next()


def get(app, path):
    answer = app.get_local_client().get(path)
    return answer.status_code, answer.get_data(as_text=True)


def test_a_value_a_hook_provides_between_two_wrapping_layers_reaches_the_endpoint():
    app = Application([('/<id>', lambda id, locale: f'{id} {locale}', render_basic)],
                      middlewares=[Wrap(), Locale(), Wrap2()])
    assert get(app, '/7?lang=fr') == (200, '7 fr')
    assert get(app, '/8') == (200, '8 en')


def test_a_provide_reaches_layers_past_one_that_does_not_take_it():
    seen = []
    app = Application([('/', lambda db, cache: f'{db} {cache}', render_basic)], resources={'cache': 'c'},
                      middlewares=[ProvidesDb(), Wrap(), SeesDb(seen), Wrap2()])
    assert get(app, '/') == (200, 'provided c')
    assert seen == ['provided']


def test_a_provide_named_with_two_leading_underscores_arrives():
    class Private(Middleware):
        provides = ('__token',)

        def request(self, next):
            return next(__token='t0k')

    def endpoint(*, __token):
        return __token
    assert get(Application([('/', endpoint, render_basic)], middlewares=[Private()]), '/') == (200, 't0k')


def test_calling_next_twice_runs_the_rest_twice_with_the_same_values():
    calls = []

    class Retry(Middleware):
        def request(self, next):
            next()
            return next()

    def endpoint(id):
        calls.append(id)
        return id
    assert get(Application([('/<id>', endpoint, render_basic)], middlewares=[Retry(), Wrap()]),
               '/3') == (200, '3')
    assert calls == ['3', '3']


def test_a_next_kept_past_its_request_answers_with_that_request_s_values():
    kept = []

    class Keep(Middleware):
        def request(self, next):
            kept.append(next)
            return next()

    app = Application([('/<id>', lambda id: f'item {id}', render_basic)], middlewares=[Keep(), Wrap()])
    assert get(app, '/1') == (200, 'item 1')
    assert get(app, '/2') == (200, 'item 2')
    assert [next().get_data(as_text=True) for next in kept] == ['item 1', 'item 2']


def test_concurrent_requests_each_see_their_own_values():
    both_inside = threading.Barrier(2, timeout=10)

    class Meet(Middleware):
        def request(self, next):
            both_inside.wait()  # both requests are inside their chains before either goes on
            return next()

    app = Application([('/<id>', lambda id: id, render_basic)], middlewares=[Wrap(), Meet(), Wrap2()])
    answers = {}

    def fetch(id):
        answers[id] = get(app, f'/{id}')
    threads = [threading.Thread(target=fetch, args=(id,)) for id in ('a', 'b')]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {'a': (200, 'a'), 'b': (200, 'b')}


def test_a_render_phase_layer_wraps_both_a_rendered_value_and_a_plain_one():
    class Shout(Middleware):
        def render(self, next, context):
            response = next()
            response.set_data(response.get_data(as_text=True).upper())
            return response

    app = Application([('/made', lambda: Rendered('made', status=201), render_basic),
                       ('/plain/<word>', lambda word: word, render_basic)], middlewares=[Shout()])
    assert get(app, '/made') == (201, 'MADE')
    assert get(app, '/plain/hi') == (200, 'HI')
    source = app.routes[0].chain_source
    assert 'def _c_next0_Shout_render_rendered(' in source and 'def _c_next0_Shout_render(' in source
