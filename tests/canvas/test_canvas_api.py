"""The canvasapi layer against the fake Canvas over real HTTP: throttling is waited out, a GET survives a 5xx, other
requests are never repeated, every failure is one scrubbed line."""
import json
import logging

import pytest

from fake_canvas import ASSIGNMENT, COURSE, SAMPLE, Fault
from grader.canvas.api import Backoff, CanvasClient, CanvasFailure
from grader.canvas.config import CanvasConfig

A = f'/api/v1/courses/{COURSE}/assignments/{ASSIGNMENT}'


@pytest.fixture
def waits():
    return []


@pytest.fixture
def client(fake, waits):
    return CanvasClient(CanvasConfig(fake.url, fake.token), Backoff(base=0.25, attempts=4), sleep=waits.append)


def calls(fake, method, path):
    return sum(1 for m, p in fake.requests if m == method and p == path)


def test_429_is_waited_out_as_retry_after_says(fake, client, waits):
    fake.faults.append(Fault('GET', f'{A}$', 429, times=2, headers={'Retry-After': '3'}))
    assert client.canvas.get_course(COURSE).get_assignment(ASSIGNMENT).id == ASSIGNMENT
    assert waits == [3.0, 3.0] and calls(fake, 'GET', A) == 3


def test_403_rate_limit_exceeded_backs_off_but_a_real_403_does_not(fake, client, waits):
    fake.faults.append(Fault('GET', f'{A}$', 403, times=2, body='403 Forbidden (Rate Limit Exceeded)'))
    client.canvas.get_course(COURSE).get_assignment(ASSIGNMENT)
    assert waits == [0.25, 0.5]
    fake.faults.append(Fault('GET', f'{A}$', 403, body='{"status": "unauthorized"}'))
    with pytest.raises(CanvasFailure, match='403 Forbidden') as info:
        client.canvas.get_course(COURSE).get_assignment(ASSIGNMENT)
    assert info.value.status == 403 and waits == [0.25, 0.5]


def test_throttled_for_good_gives_up_with_a_message(fake, client):
    fake.faults.append(Fault('GET', f'{A}$', 429, times=99, headers={'Retry-After': '0'}))
    with pytest.raises(CanvasFailure, match='rate limit'):
        client.canvas.get_course(COURSE).get_assignment(ASSIGNMENT)
    assert calls(fake, 'GET', A) == 4


def test_a_get_survives_a_500_and_a_dropped_connection(fake, client):
    fake.faults += [Fault('GET', f'{A}/submissions$', 500), Fault('GET', f'{A}/submissions$', 'drop')]
    subs = list(client.canvas.get_course(COURSE).get_assignment(ASSIGNMENT).get_submissions())
    # Canvas lists a submission for every student of the course, with a file or not
    assert len(subs) == len(json.loads((SAMPLE / 'answer-key.json').read_text())['students'])


def test_a_post_is_never_repeated_after_a_500_or_a_drop(fake, client):
    assignment = client.canvas.get_course(COURSE).get_assignment(ASSIGNMENT)
    for fault in (500, 'drop', 'drop_after'):
        fake.faults.append(Fault('POST', 'update_grades', fault))
        before = calls(fake, 'POST', f'{A}/submissions/update_grades')
        with pytest.raises(CanvasFailure, match='run the same command again'):
            assignment.submissions_bulk_update(grade_data={240101: {'posted_grade': '5'}})
        assert calls(fake, 'POST', f'{A}/submissions/update_grades') == before + 1


def test_a_server_that_stays_down_is_reported(fake, client):
    fake.faults.append(Fault('GET', f'/api/v1/courses/{COURSE}$', 'drop', times=9))
    with pytest.raises(CanvasFailure, match='could not reach Canvas'):
        client.canvas.get_course(COURSE)


def test_a_wrong_token_or_id_is_named_and_the_token_never_echoed(fake, caplog):
    bad = CanvasClient(CanvasConfig(fake.url, 'wrong~token'))
    with pytest.raises(CanvasFailure, match='refused the token'):
        bad.canvas.get_course(COURSE)
    good = CanvasClient(CanvasConfig(fake.url, fake.token))
    with pytest.raises(CanvasFailure, match='404') as info:
        good.canvas.get_course(COURSE).get_assignment(1)
    assert 'check the course and assignment ids' in str(info.value)
    # a server that echoes the Authorization header into its error body (a proxy, a debugging page)
    fake.faults.append(Fault('GET', f'{A}$', 422, body='bad request', echo_token=True))
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(CanvasFailure) as info:
            good.canvas.get_course(COURSE).get_assignment(ASSIGNMENT)
    assert 'bad request' in str(info.value) and fake.token not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert fake.token not in caplog.text and fake.token[-4:] not in caplog.text


def test_downloads_carry_the_token_only_to_the_canvas_host(fake, client):
    assert client.same_host(f'{fake.url}/files/1/download')
    assert not client.same_host('https://inst-fs.example.com/files/1')
    sub = next(s for s in client.canvas.get_course(COURSE).get_assignment(ASSIGNMENT).get_submissions()
               if s.user_id == 240101)
    data = client.download(sub.attachments[0].url)
    assert data[:1] == b'{' and len(data) == sub.attachments[0].size


@pytest.mark.parametrize('answer', [201, 303])
def test_the_three_step_upload_gives_the_file_id(fake, client, tmp_path, answer):
    fake.upload_answer = answer
    page = tmp_path / 'fb.html'
    page.write_bytes(b'<html>feedback</html>')
    fake.faults.append(Fault('POST', '/upload/', 429, headers={'Retry-After': '0'}))     # the file step throttled
    fid = client.upload_comment_file(COURSE, ASSIGNMENT, 240101, str(page))
    assert fake.files[fid]['data'] == b'<html>feedback</html>' and fake.files[fid]['for_user'] == 240101
