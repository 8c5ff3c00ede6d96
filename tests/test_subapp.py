"""Embedding one application in another (SPEC §9)."""
import pytest
from _helpers import answer, body
from werkzeug.wrappers import Response

from clastic import S_REDIRECT, S_STRICT, Application, Middleware, Route, SubApplication, render_basic


def make_factory(label):
    """A render factory whose renders tell which factory made them."""
    def factory(render_arg):
        def render(context):
            return Response('%s:%s:%s' % (label, render_arg, context))
        return render
    return factory


class Trace(Middleware):
    """Adds its label to the X-Trace header of every response."""
    unique = False

    def __init__(self, label):
        self.label = label

    def request(self, next):
        resp = next()
        resp.headers.add('X-Trace', self.label)
        return resp


class UniqueTrace(Trace):
    unique = True


def inner_app(**kwargs):
    return Application([('/x', answer('inner x')),
                        ('/y/<n:int>', lambda n: Response('y%d' % n)),
                        ('/', answer('inner root'))], **kwargs)


@pytest.mark.parametrize('make_entry', [
    lambda inner: ('/p', inner),
    lambda inner: SubApplication('/p', inner)])
def test_prefix(make_entry):
    app = Application([make_entry(inner_app())])
    assert [r.pattern for r in app.routes] == ['/p/x', '/p/y/<n:int>', '/p/']
    client = app.get_local_client()
    assert body(client.get('/p/x')) == 'inner x'
    assert body(client.get('/p/y/3')) == 'y3'
    assert body(client.get('/p/')) == 'inner root'
    assert client.get('/x').status_code == 404


def test_root_prefix_merges_at_the_root():
    app = Application([('/', inner_app())])
    assert [r.pattern for r in app.routes] == ['/x', '/y/<n:int>', '/']
    client = app.get_local_client()
    assert body(client.get('/x')) == 'inner x'
    assert body(client.get('/')) == 'inner root'


def test_nested_prefixes():
    middle = Application([('/b', inner_app())])
    app = Application([('/a', middle)])
    assert app.routes[0].pattern == '/a/b/x'
    assert body(app.get_local_client().get('/a/b/y/4')) == 'y4'


def test_order_is_kept():
    app = Application([('/p/x', answer('outer before')),
                       ('/p', inner_app()),
                       ('/p/y/<n:int>', answer('outer after')),
                       ('/z', answer('z'))])
    assert [r.pattern for r in app.routes] == [
        '/p/x', '/p/x', '/p/y/<n:int>', '/p/', '/p/y/<n:int>', '/z']
    client = app.get_local_client()
    assert body(client.get('/p/x')) == 'outer before'
    assert body(client.get('/p/y/1')) == 'y1'


def test_add_a_sub_application():
    app = Application([('/z', answer('z'))])
    app.add(SubApplication('/p', inner_app()), index=0)
    assert [r.pattern for r in app.routes] == [
        '/p/x', '/p/y/<n:int>', '/p/', '/z']


def test_unique_middleware_is_kept_once():
    inner = inner_app(middlewares=[UniqueTrace('inner')])
    app = Application([('/p', inner), ('/o', answer('o'))],
                      middlewares=[UniqueTrace('outer')])
    client = app.get_local_client()
    assert len(client.get('/p/x').headers.getlist('X-Trace')) == 1
    assert len(client.get('/o').headers.getlist('X-Trace')) == 1


def test_non_unique_middleware_is_kept_twice_outer_outside():
    inner = inner_app(middlewares=[Trace('inner')])
    app = Application([('/p', inner), ('/o', answer('o'))],
                      middlewares=[Trace('outer')])
    client = app.get_local_client()
    assert client.get('/p/x').headers.getlist('X-Trace') == ['inner', 'outer']
    assert client.get('/o').headers.getlist('X-Trace') == ['outer']


def test_inner_middleware_provides_still_reach_inner_routes():
    class User(Middleware):
        provides = ('user',)

        def request(self, next):
            return next(user='ann')

    inner = Application([('/me', lambda user: Response(user))],
                        middlewares=[User()])
    client = Application([('/p', inner)]).get_local_client()
    assert body(client.get('/p/me')) == 'ann'


def test_resources_are_layered():
    def show(shared, greeting='no greeting'):
        return Response('%s %s' % (shared, greeting))

    def own(mine):
        return Response(mine)

    """From the outside in (SPEC §5, §9): the serving application wins."""
    inner = Application([('/show', show), ('/own', own)], resources={'shared': 'inner', 'mine': 'm'})
    app = Application([('/p', inner), ('/show', show)],
                      resources={'shared': 'outer', 'greeting': 'hello'})
    client = app.get_local_client()
    assert body(client.get('/p/show')) == 'outer hello'
    assert body(client.get('/p/own')) == 'm'
    assert body(client.get('/show')) == 'outer hello'
    assert body(inner.get_local_client().get('/show')) == 'inner no greeting'


def test_changes_to_the_inner_app_after_embedding_do_not_show():
    inner = inner_app()
    app = Application([('/p', inner)])
    inner.add(('/new', answer('new')))
    inner.add(Route('/x', answer('replaced')), index=0)
    client = app.get_local_client()
    assert client.get('/p/new').status_code == 404
    assert body(client.get('/p/x')) == 'inner x'
    assert len(app.routes) == 3
    assert body(inner.get_local_client().get('/x')) == 'replaced'


def test_render_keeps_the_factory_of_the_defining_app():
    inner = Application([('/page', lambda: 'ctx', 'tmpl')],
                        render_factory=make_factory('inner'))
    app = Application([('/p', inner)], render_factory=make_factory('outer'))
    assert body(app.get_local_client().get('/p/page')) == 'inner:tmpl:ctx'


def test_rebind_render_uses_the_embedding_factory():
    inner_factory, outer_factory = make_factory('inner'), make_factory('outer')
    inner = Application([('/page', lambda: 'ctx', 'tmpl')],
                        render_factory=inner_factory)
    app = Application([SubApplication('/p', inner, rebind_render=True)],
                      render_factory=outer_factory)
    assert body(app.get_local_client().get('/p/page')) == 'outer:tmpl:ctx'
    assert app.routes[0].render_factory is outer_factory
    assert inner.routes[0].render_factory is inner_factory
    assert body(inner.get_local_client().get('/page')) == 'inner:tmpl:ctx'


def test_render_factory_attribute_without_rebind():
    inner_factory, outer_factory = make_factory('inner'), make_factory('outer')
    inner = Application([('/page', lambda: 'ctx', 'tmpl')],
                        render_factory=inner_factory)
    app = Application([('/p', inner)], render_factory=outer_factory)
    assert app.routes[0].render_factory is inner_factory


def test_route_without_render_gets_the_embedding_factory():
    outer_factory = make_factory('outer')
    inner = Application([('/x', answer('x'))])
    app = Application([('/p', inner)], render_factory=outer_factory)
    assert app.routes[0].render_factory is outer_factory
    assert body(app.get_local_client().get('/p/x')) == 'x'


def test_slash_mode_is_inherited_by_default():
    inner = Application([('/x/', answer('x'))], slash_mode=S_REDIRECT)
    app = Application([('/p', inner)], slash_mode=S_STRICT)
    assert app.routes[0].slash_mode == S_STRICT
    assert app.get_local_client().get('/p/x').status_code == 404


def test_inherit_slashes_false_keeps_the_inner_mode():
    inner = Application([('/x/', answer('x'))], slash_mode=S_REDIRECT)
    app = Application([SubApplication('/p', inner, inherit_slashes=False)],
                      slash_mode=S_STRICT)
    assert app.routes[0].slash_mode == S_REDIRECT
    resp = app.get_local_client().get('/p/x')
    assert resp.status_code == 302
    assert resp.headers['Location'] == '/p/x/'


def test_bound_apps_lists_the_outermost_last():
    inner = inner_app()
    middle = Application([('/b', inner)])
    app = Application([('/a', middle)])
    assert list(inner.routes[0].bound_apps) == [inner]
    assert list(app.routes[0].bound_apps) == [inner, middle, app]


def test_embedded_routes_see_the_embedding_application():
    def which(_application):
        return Response(_application.resources['name'])

    inner = Application([('/which', which)], resources={'name': 'inner'})
    app = Application([('/p', inner)], resources={'name': 'outer'})
    assert body(app.get_local_client().get('/p/which')) == 'outer'


def test_embedding_app_configures_what_it_embeds():
    """The SPEC's example: the embedding app's `name` reaches the inner routes."""
    def hello(name):
        return Response('Hello, %s!' % name)
    inner = Application([('/', hello)], resources={'name': 'inner default'})
    app = Application([('/beta/', inner)], resources={'name': 'Kurt'})
    assert body(app.get_local_client().get('/beta/')) == 'Hello, Kurt!'
    assert body(inner.get_local_client().get('/')) == 'Hello, inner default!'


def test_embedding_conflicts_are_checked_with_the_layering():
    def user(name):
        return Response(name)
    inner = Application([('/<name>', user)])
    with pytest.raises(NameError, match=r"\('name', \('url', 'resources'\)\)"):
        Application([('/u', inner)], resources={'name': 'Kurt'})


def test_render_factory_tells_which_factory_built_the_render():
    inner_factory, outer_factory = make_factory('inner'), make_factory('outer')
    inner = Application([('/none', answer('none')), ('/call', lambda: 'c', render_basic),
                         ('/tmpl', lambda: 'ctx', 'tmpl')], render_factory=inner_factory)
    outer = Application([('/p', inner)], render_factory=outer_factory)
    assert [r.render_factory for r in inner.routes] == [inner_factory, None, inner_factory]
    assert [r.render_factory for r in outer.routes] == [outer_factory, None, inner_factory]
