"""Every public name of SPEC §1 imports from the module the SPEC names."""

import importlib

import pytest

PUBLIC_NAMES = {
    'clastic': 'Application SubApplication RerouteWSGI Route GET POST PUT DELETE RESERVED_ARGS'
               ' S_REDIRECT S_REWRITE S_STRICT Middleware GetParamMiddleware render_json'
               ' render_json_dev render_basic MetaApplication META_ASSETS_APP StaticApplication'
               ' StaticFileRoute HTTPException BadRequest InternalServerError Redirector Request'
               ' Response BaseRequest BaseResponse redirect append_slash_redirect __version__'
               ' Rendered',  # [beyond]
    'clastic.application': 'Application SubApplication RerouteWSGI DispatchState',
    'clastic.route': 'Route BoundRoute NullRoute GET POST PUT DELETE PATCH HEAD OPTIONS TRACE CONNECT'
                     ' S_REDIRECT S_REWRITE S_STRICT RESERVED_ARGS InvalidEndpoint InvalidPattern'
                     ' InvalidMethod HTTP_METHODS',
    'clastic.middleware': 'Middleware GetParamMiddleware PostDataMiddleware ScriptRootMiddleware'
                          ' SignedCookieMiddleware StatsMiddleware ContextProcessor'
                          ' SimpleContextProcessor GzipMiddleware SimpleProfileMiddleware'
                          ' HTTPCacheMiddleware DummyMiddleware check_middlewares merge_middlewares'
                          ' make_middleware_chain MetricsMiddleware AccessLogMiddleware',
    'clastic.middleware.core': 'Middleware',
    'clastic.middleware.url': 'GetParamMiddleware ScriptRootMiddleware',
    'clastic.middleware.form': 'PostDataMiddleware',
    'clastic.middleware.context': 'ContextProcessor SimpleContextProcessor',
    'clastic.middleware.cookie': 'SignedCookieMiddleware JSONCookie NEVER SESSION NOW',
    'clastic.middleware.compress': 'GzipMiddleware',
    'clastic.middleware.client_cache': 'HTTPCacheMiddleware',
    'clastic.middleware.profile': 'SimpleProfileMiddleware',
    'clastic.middleware.stats': 'StatsMiddleware create_stats_app',
    'clastic.middleware.metrics': 'MetricsMiddleware create_metrics_app',
    'clastic.middleware.access_log': 'AccessLogMiddleware',
    'clastic.render': 'render_basic render_json render_json_dev BasicRender JSONRender JSONPRender'
                      ' Table TabularRender AshesRenderFactory ashes Jinja2RenderFactory Rendered',
    'clastic.render.mako_templates': 'MakoRenderFactory mako',
    'clastic.render.chameleon_templates': 'ChameleonRenderFactory',
    'clastic.errors': 'HTTPException ErrorHandler ContextualErrorHandler REPLErrorHandler MIME_SUPPORT_MAP'
                      ' BadRequest Unauthorized PaymentRequired Forbidden NotFound MethodNotAllowed'
                      ' NotAcceptable ProxyAuthenticationRequired RequestTimeout Conflict Gone'
                      ' LengthRequired PreconditionFailed RequestEntityTooLarge RequestURITooLong'
                      ' UnsupportedMediaType RequestedRangeNotSatisfiable ExpectationFailed ImATeapot'
                      ' UnprocessableEntity UpgradeRequired PreconditionRequired TooManyRequests'
                      ' RequestHeaderFieldsTooLarge UnavailableForLegalReasons InternalServerError'
                      ' NotImplemented BadGateway ServiceUnavailable GatewayTimeout'
                      ' HTTPVersionNotSupported',
    'clastic.static': 'StaticApplication StaticFileRoute build_file_response find_file'
                      ' is_binary_string peek_file',
    'clastic.meta': 'MetaApplication META_ASSETS_APP',
    'clastic.decorators': 'clastic_decorator',
    'clastic.cline': 'Cline route get post put delete patch head run',
    'clastic.flaw': 'create_app',
    'clastic.server': 'run_simple open_test_socket iter_monitor_files enable_tty_echo',
    'clastic.utils': 'Redirector',
    'clastic.contrib.obj_browser': 'create_app',
    'clastic.contrib.webtop.top': 'create_app',
}


@pytest.mark.parametrize('module_name', sorted(PUBLIC_NAMES))
def test_public_names_import(module_name):
    module = importlib.import_module(module_name)
    missing = [name for name in PUBLIC_NAMES[module_name].split() if not hasattr(module, name)]
    assert missing == []


def test_errors_by_status_code_subclass_the_spec_bases():
    from clastic import errors
    for name in PUBLIC_NAMES['clastic.errors'].split():
        cls = getattr(errors, name)
        if isinstance(cls, type) and issubclass(cls, errors.HTTPException) and cls.code != 500:
            base = errors.BadRequest if cls.code < 500 else errors.InternalServerError
            assert issubclass(cls, base), name


def test_importing_clastic_imports_no_optional_engine():
    import subprocess
    import sys
    code = ('import sys, clastic, clastic.render; '
            'print(sorted(m for m in ("jinja2", "mako", "chameleon", "psutil") if m in sys.modules))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == '[]'
