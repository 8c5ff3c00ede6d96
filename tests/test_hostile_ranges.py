"""Unusual and hostile Range requests on static files, answered as RFC 9110 says.

Every request goes through a real Application, both to a StaticApplication
and to a StaticFileRoute serving the same ten-byte file, and is sent as a
HEAD too, which must get the same status and headers with no body.
"""

from datetime import timedelta
from email.utils import format_datetime

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from werkzeug.http import parse_date

from clastic import Application
from clastic.static import StaticApplication, StaticFileRoute

FILE = b'0123456789'
SIZE = len(FILE)
WHOLE_FILE = (200, None, FILE)


def part(first, last):
    """The 206 of bytes *first* to *last*, both included."""
    return 206, f'bytes {first}-{last}/{SIZE}', FILE[first:last + 1]


# (Range header, (status, Content-Range, body)); a 416's is checked apart.
RANGE_CASES = [
    # One range of bytes: a 206 of it, cut to the end of the file.
    ('bytes=2-5', part(2, 5)),
    ('bytes=0-0', part(0, 0)),
    ('bytes=9-', part(9, 9)),
    ('bytes=-1', part(9, 9)),
    ('bytes=5-999', part(5, 9)),
    ('bytes=0-99999999999999999999999', part(0, 9)),
    ('Bytes=0-2', part(0, 2)),  # range units are case-insensitive (§14.1)
    ('BYTES=0-2', part(0, 2)),
    # A suffix longer than the file: "the entire representation is used" (§14.1.2).
    ('bytes=-10', part(0, 9)),
    ('bytes=-11', part(0, 9)),
    ('bytes=-999999', part(0, 9)),
    # A unit the server does not know: ignored, as it must be (§14.2).
    ('items=0-5', WHOLE_FILE),
    ('lines=1-2', WHOLE_FILE),
    ('octets=0-1', WHOLE_FILE),
    # Several ranges: the whole file once, never more than the file.
    ('bytes=0-1,4-5', WHOLE_FILE),
    ('bytes=0-1, 4-5', WHOLE_FILE),
    ('bytes=0-5,2-8', WHOLE_FILE),  # overlapping
    ('bytes=4-5,0-1', WHOLE_FILE),  # out of order
    ('bytes=0-0,-1', WHOLE_FILE),
    ('bytes=' + ','.join(['0-9'] * 1000), WHOLE_FILE),
    ('bytes=' + ','.join(['0-'] * 1000), WHOLE_FILE),
    ('bytes=' + ','.join(['-10'] * 1000), WHOLE_FILE),
    ('bytes=' + ','.join(f'{i}-{i}' for i in range(SIZE)), WHOLE_FILE),
    ('bytes=50-60,70-80', WHOLE_FILE),  # none satisfiable, ignored all the same
    # Malformed: ignored (§14.2 lets a server ignore an invalid ranges-specifier).
    ('bytes=5-2', WHOLE_FILE),  # last-pos before first-pos: invalid (§14.1.1)
    ('bytes=-0', WHOLE_FILE),
    ('bytes=abc', WHOLE_FILE),
    ('bytes=-', WHOLE_FILE),
    ('bytes=', WHOLE_FILE),
    ('bytes', WHOLE_FILE),
    ('=0-1', WHOLE_FILE),
    ('bytes=1-2-3', WHOLE_FILE),
    ('bytes=--1', WHOLE_FILE),
    ('bytes=1--2', WHOLE_FILE),
    ('bytes=+1-2', WHOLE_FILE),
    ('bytes=0x1-2', WHOLE_FILE),
    ('bytes=1_0-20', WHOLE_FILE),
    ('bytes=\u0663-4', WHOLE_FILE),  # an Arabic-Indic digit three
    ('bytes=0-1;', WHOLE_FILE),
    ('bytes=0-1,', WHOLE_FILE),
    (' ', WHOLE_FILE),
]

UNSATISFIABLE = ['bytes=10-', 'bytes=10-20', 'bytes=99999999999999999999-']


@pytest.fixture
def site(tmp_path):
    (tmp_path / 'ten.txt').write_bytes(FILE)
    (tmp_path / 'empty.txt').write_bytes(b'')
    return tmp_path


@pytest.fixture(params=['/static/ten.txt', '/ten.txt'], ids=['StaticApplication', 'StaticFileRoute'])
def url(request):
    return request.param


@pytest.fixture
def client(site):
    return Application([('/static', StaticApplication(site)),
                        StaticFileRoute('/ten.txt', site / 'ten.txt')]).get_local_client()


def get_and_head(client, url, headers):
    """The answer to a GET, once a HEAD got the same status and headers, and no body."""
    get = client.get(url, headers=headers)
    head = client.head(url, headers=headers)
    assert (head.status_code, head.data) == (get.status_code, b'')
    assert without_date(head.headers) == without_date(get.headers)
    return get


def without_date(headers):
    return [(name, value) for name, value in headers.items() if name != 'Date']


def assert_answer(response, status, content_range, body):
    assert response.status_code == status
    assert response.headers.get('Content-Range') == content_range
    assert response.headers['Content-Length'] == str(len(body))
    assert response.headers['Accept-Ranges'] == 'bytes'
    assert response.data == body


@pytest.mark.parametrize('range_header, answer', RANGE_CASES,
                         ids=[header[:40] for header, _ in RANGE_CASES])
def test_range(client, url, range_header, answer):
    assert_answer(get_and_head(client, url, {'Range': range_header}), *answer)


@pytest.mark.parametrize('range_header', UNSATISFIABLE)
def test_unsatisfiable_range_is_416(client, url, range_header):
    response = get_and_head(client, url, {'Range': range_header})
    assert response.status_code == 416
    assert response.headers['Content-Range'] == f'bytes */{SIZE}'
    assert FILE not in response.data


@pytest.mark.parametrize('range_header', ['bytes=0-', 'bytes=-5', 'bytes=0-0'])
def test_an_empty_file_is_sent_whole(client, range_header):
    # There are no bytes to cut, and §14.2 lets a server ignore the Range.
    assert_answer(get_and_head(client, '/static/empty.txt', {'Range': range_header}), 200, None, b'')


# -- If-Range (RFC 9110 §13.1.5) ----------------------------------------------------------

def shifted_date(last_modified, seconds):
    return format_datetime(parse_date(last_modified) + timedelta(seconds=seconds), usegmt=True)


IF_RANGE_CASES = [
    ('the current ETag', lambda etag, last_modified: etag, part(2, 5)),
    ('the current ETag, weak', lambda etag, last_modified: 'W/' + etag, WHOLE_FILE),
    ('another ETag', lambda etag, last_modified: '"other"', WHOLE_FILE),
    ('the ETag unquoted', lambda etag, last_modified: etag.strip('"'), WHOLE_FILE),
    ('Last-Modified', lambda etag, last_modified: last_modified, part(2, 5)),
    ('Last-Modified, asctime format',
     lambda etag, last_modified: parse_date(last_modified).strftime('%a %b %d %H:%M:%S %Y'), part(2, 5)),
    ('a second after Last-Modified', lambda etag, last_modified: shifted_date(last_modified, 1), WHOLE_FILE),
    ('a second before Last-Modified', lambda etag, last_modified: shifted_date(last_modified, -1),
     WHOLE_FILE),
    ('a year after Last-Modified', lambda etag, last_modified: shifted_date(last_modified, 3600 * 24 * 365),
     WHOLE_FILE),
    ('neither a date nor an ETag', lambda etag, last_modified: 'yesterday', WHOLE_FILE),
]


@pytest.mark.parametrize('if_range, answer', [case[1:] for case in IF_RANGE_CASES],
                         ids=[case[0] for case in IF_RANGE_CASES])
def test_if_range(client, url, if_range, answer):
    first = client.get(url)
    if_range = if_range(first.headers['ETag'], first.headers['Last-Modified'])
    assert_answer(get_and_head(client, url, {'Range': 'bytes=2-5', 'If-Range': if_range}), *answer)


def test_if_range_without_range_is_ignored(client, url):
    assert_answer(get_and_head(client, url, {'If-Range': '"other"'}), *WHOLE_FILE)


# -- preconditions come before the Range (RFC 9110 §13.2.2) ------------------------------------

PRECONDITION_CASES = [
    ('If-None-Match', lambda etag, last_modified: etag, 304),
    ('If-None-Match', lambda etag, last_modified: '"other"', 206),
    ('If-Modified-Since', lambda etag, last_modified: last_modified, 304),
    ('If-Match', lambda etag, last_modified: '"other"', 412),
    ('If-Match', lambda etag, last_modified: etag, 206),
]


@pytest.mark.parametrize('name, value, status', PRECONDITION_CASES,
                         ids=[f'{name}-{status}' for name, _, status in PRECONDITION_CASES])
def test_preconditions_before_range(client, url, name, value, status):
    first = client.get(url)
    value = value(first.headers['ETag'], first.headers['Last-Modified'])
    response = get_and_head(client, url, {'Range': 'bytes=2-5', name: value})
    assert response.status_code == status
    if status == 206:
        assert response.data == FILE[2:6]
    else:
        assert FILE not in response.data


def test_a_412_does_not_carry_the_file(client, url):
    # make_conditional turns the 200 into a 412 and leaves the file as its body.
    response = client.get(url, headers={'If-Match': '"other"'})
    assert response.status_code == 412
    assert FILE not in response.data


# -- anything a client may send -----------------------------------------------------------------

POSITIONS = st.integers(0, 2 * SIZE) | st.just(10 ** 20)
RANGE_SPECS = (st.builds('{}-{}'.format, POSITIONS, POSITIONS) | st.builds('{}-'.format, POSITIONS)
               | st.builds('-{}'.format, POSITIONS) | st.text('0123456789-+x_ ', max_size=6))
RANGE_HEADERS = (st.builds('{}={}'.format, st.sampled_from(['bytes', 'Bytes', 'items', '']),
                           st.lists(RANGE_SPECS, min_size=1, max_size=4).map(','.join))
                 | st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=20))


# No explain phase: it imports libcst, which warns under this suite's error filter.
@settings(max_examples=300, deadline=None, phases=[Phase.explicit, Phase.generate, Phase.shrink])
@given(range_header=RANGE_HEADERS)
def test_every_answer_is_the_file_or_one_part_of_it(tmp_path_factory, range_header):
    folder = tmp_path_factory.getbasetemp() / 'hostile-ranges'
    if not folder.exists():
        folder.mkdir()
        (folder / 'ten.txt').write_bytes(FILE)
    client = Application([('/static', StaticApplication(folder))]).get_local_client()
    response = client.get('/static/ten.txt', headers={'Range': range_header})
    if response.status_code == 416:
        assert response.headers['Content-Range'] == f'bytes */{SIZE}'
        return
    if response.status_code == 206:
        first, last = map(int, response.headers['Content-Range'].removeprefix('bytes ')
                          .removesuffix(f'/{SIZE}').split('-'))
        assert response.data == FILE[first:last + 1] != b''
    else:
        assert (response.status_code, response.data) == (200, FILE)
    assert response.headers['Content-Length'] == str(len(response.data))
