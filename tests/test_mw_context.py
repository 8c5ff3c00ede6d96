"""ContextProcessor and SimpleContextProcessor (SPEC §10.3)."""

import pytest

from clastic import Application, Response, Route, render_basic, render_json
from clastic.middleware import ContextProcessor, GetParamMiddleware, SimpleContextProcessor


def get_json(app, url='/'):
    return app.get_local_client().get(url).get_json()


def test_required_names_come_from_every_source():
    app = Application([('/<user>', lambda user: {'page': 1}, render_json)],
                      resources={'site': 'S'},
                      middlewares=[GetParamMiddleware('q'), SimpleContextProcessor('user', 'site', 'q')])
    assert get_json(app, '/ann?q=z') == {'page': 1, 'user': 'ann', 'site': 'S', 'q': 'z'}


def test_defaults_apply_only_when_no_source_provides():
    processor = ContextProcessor(defaults={'site': 'default', 'lang': 'en'})
    app = Application([('/', lambda: {}, render_json)], resources={'site': 'S'},
                      middlewares=[processor])
    assert get_json(app) == {'site': 'S', 'lang': 'en'}


def test_overwrite_false_keeps_the_endpoint_values():
    app = Application([('/', lambda: {'site': 'mine'}, render_json)], resources={'site': 'S'},
                      middlewares=[SimpleContextProcessor('site')])
    assert get_json(app) == {'site': 'mine'}


def test_overwrite_true_replaces_the_endpoint_values():
    app = Application([('/', lambda: {'site': 'mine', 'x': 1}, render_json)],
                      resources={'site': 'S'},
                      middlewares=[ContextProcessor(['site'], overwrite=True)])
    assert get_json(app) == {'site': 'S', 'x': 1}


@pytest.mark.parametrize('context', [[1, 2], 'text', 7, None])
def test_non_dict_contexts_pass_through_untouched(context):
    seen = []

    def render(context):
        seen.append(context)
        return Response('ok')
    app = Application([('/', lambda: context, render)], resources={'site': 'S'},
                      middlewares=[SimpleContextProcessor('site')])
    assert app.get_local_client().get('/').get_data() == b'ok'
    assert seen == [context]


def test_a_response_skips_the_processor():
    app = Application([('/', lambda: Response('direct'), render_basic)], resources={'site': 'S'},
                      middlewares=[SimpleContextProcessor('site')])
    assert app.get_local_client().get('/').get_data() == b'direct'


def test_a_dict_shared_between_requests_is_not_modified():
    shared = {'title': 'T'}
    app = Application([('/', lambda: shared, render_json)], resources={'site': 'S'},
                      middlewares=[SimpleContextProcessor('site')])
    assert get_json(app) == {'title': 'T', 'site': 'S'}
    assert shared == {'title': 'T'}


def test_dict_subclasses_are_processed_and_keep_their_type():
    class Context(dict):
        pass
    seen = []

    def render(context):
        seen.append(context)
        return Response('ok')
    app = Application([('/', lambda: Context(a=1), render)], resources={'site': 'S'},
                      middlewares=[SimpleContextProcessor('site')])
    app.get_local_client().get('/')
    assert type(seen[0]) is Context and seen[0] == {'a': 1, 'site': 'S'}


def test_an_unprovided_required_name_fails_at_construction():
    with pytest.raises(NameError, match='unresolved middleware arguments'):
        Application([('/', lambda: {}, render_json)], middlewares=[SimpleContextProcessor('user')])


def test_processors_of_app_and_route_both_apply():
    route = Route('/', lambda: {}, render_json, middlewares=[SimpleContextProcessor(b=2)])
    app = Application([route], middlewares=[SimpleContextProcessor(a=1)])
    assert get_json(app) == {'a': 1, 'b': 2}
    assert SimpleContextProcessor(a=1) == SimpleContextProcessor(a=1)
    assert SimpleContextProcessor(a=1) != SimpleContextProcessor(a=2)


def test_repr():
    assert repr(SimpleContextProcessor('x', y=1)) == "SimpleContextProcessor('x', y=1)"
    assert repr(ContextProcessor(['x'])) == "ContextProcessor(required=['x'], defaults={}, overwrite=False)"


@pytest.mark.parametrize('kwargs, error, message', [
    ({'required': ['request']}, NameError, "'request' is a reserved"),
    ({'defaults': {'context': 1}}, NameError, "'context' is a reserved"),
    ({'required': [3]}, TypeError, 'names must be str'),
    ({'required': 3}, TypeError, r'required=\.\.\.\) must be a list'),
    ({'defaults': ['a']}, TypeError, r'defaults=\.\.\.\) must be a mapping'),
    ({'required': ['a'], 'defaults': {'a': 1}}, NameError, 'both required and given defaults'),
    ({'required': ['for']}, ValueError, "'for' is not usable"),
    ({'overwrite': 'yes'}, TypeError, r'overwrite=\.\.\.\) must be True or False'),
])
def test_context_processor_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message) as info:
        ContextProcessor(**kwargs)
    assert 'ContextProcessor' in str(info.value)


@pytest.mark.parametrize('args, kwargs, error', [
    (('_route',), {}, NameError), ((1,), {}, TypeError), ((), {'next': 1}, NameError),
    (('a',), {'a': 1}, NameError)])
def test_simple_context_processor_bad_arguments(args, kwargs, error):
    with pytest.raises(error, match='SimpleContextProcessor'):
        SimpleContextProcessor(*args, **kwargs)
