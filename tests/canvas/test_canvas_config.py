"""Canvas configuration: the environment or an owner-only file, URLs that keep the token safe, the scrubber, and a
missing extra."""
import logging
import os
import subprocess
import sys

import pytest

from grader.canvas.config import CanvasConfig, CanvasInputError, HIDDEN, Scrubber, check_url, load_config
from grader.cli import main

TOKEN = '1234~Zq8xVbN3mK9pLw2rT5yU7iO0aSdFgHjK'


def write_config(path, text, mode=0o600):
    path.write_text(text)
    os.chmod(path, mode)
    return path


def test_the_environment_gives_url_and_token_and_the_repr_hides_the_token():
    config = load_config(env={'CANVAS_API_URL': 'https://canvas.example.edu/api/v1/', 'CANVAS_API_TOKEN': TOKEN})
    assert config.url == 'https://canvas.example.edu' and config.token == TOKEN
    assert TOKEN not in repr(config) and TOKEN not in str(config)


def test_an_owner_only_file_is_read_and_the_environment_wins(tmp_path):
    file = write_config(tmp_path / 'canvas.ini',
                        f'[canvas]\napi_url = https://canvas.example.edu\napi_token = {TOKEN}\n')
    config = load_config(file, env={})
    assert (config.url, config.token, config.source) == ('https://canvas.example.edu', TOKEN, str(file))
    config = load_config(file, env={'CANVAS_API_URL': 'https://other.example.edu'})
    assert (config.url, config.token) == ('https://other.example.edu', TOKEN)
    # the default place, through XDG_CONFIG_HOME
    (tmp_path / 'a2grader').mkdir()
    write_config(tmp_path / 'a2grader' / 'canvas.ini', file.read_text())
    assert load_config(env={'XDG_CONFIG_HOME': str(tmp_path)}).token == TOKEN


@pytest.mark.parametrize('mode', [0o644, 0o640, 0o604])
def test_a_file_others_can_read_is_refused_with_the_fix(tmp_path, mode):
    file = write_config(tmp_path / 'canvas.ini', f'[canvas]\napi_url = https://c.example.edu\napi_token = {TOKEN}\n',
                        mode)
    with pytest.raises(CanvasInputError, match='chmod 600') as info:
        load_config(file, env={})
    assert TOKEN not in str(info.value)


def test_bad_files_and_missing_values_say_what_to_do(tmp_path):
    with pytest.raises(CanvasInputError, match='Approved Integrations'):
        load_config(env={'XDG_CONFIG_HOME': str(tmp_path)})
    with pytest.raises(CanvasInputError, match=r'no \[canvas\] section'):
        load_config(write_config(tmp_path / 'a.ini', f'[other]\napi_token = {TOKEN}\n'), env={})
    broken = write_config(tmp_path / 'b.ini', f'api_token = {TOKEN}\n')     # no section header at all
    with pytest.raises(CanvasInputError) as info:
        load_config(broken, env={})
    assert TOKEN not in str(info.value)
    with pytest.raises(CanvasInputError, match='no Canvas address'):
        load_config(env={'CANVAS_API_TOKEN': TOKEN, 'XDG_CONFIG_HOME': str(tmp_path)})
    with pytest.raises(CanvasInputError, match='cannot read'):
        load_config(tmp_path / 'missing.ini', env={})


@pytest.mark.parametrize('url', ['http://canvas.example.edu', 'ftp://canvas.example.edu', 'canvas.example.edu',
                                 'https://user:pw@canvas.example.edu', 'https://canvas.example.edu?x=1'])
def test_urls_that_would_expose_the_token_are_refused(url):
    with pytest.raises(CanvasInputError):
        check_url(url)


def test_plain_http_is_allowed_to_this_machine_only():
    assert check_url('http://127.0.0.1:8080/') == 'http://127.0.0.1:8080'
    assert check_url('http://localhost:3000/api/v1') == 'http://localhost:3000'


def test_the_scrubber_removes_the_token_and_its_logged_tail(caplog):
    scrub = Scrubber(TOKEN)
    assert scrub(f'Bearer {TOKEN} and ****{TOKEN[-4:]}') == f'Bearer {HIDDEN} and {HIDDEN}'
    logger = logging.getLogger('test.canvas.scrub')
    logger.addFilter(scrub.log_filter())
    with caplog.at_level(logging.DEBUG, logger='test.canvas.scrub'):
        logger.debug('headers %s', {'Authorization': f'Bearer {TOKEN}'})
    assert TOKEN not in caplog.text and HIDDEN in caplog.text


def test_a_missing_extra_is_one_line_with_the_pip_command(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, 'canvasapi', None)     # as if not installed
    monkeypatch.setenv('CANVAS_API_URL', 'https://canvas.example.edu')
    monkeypatch.setenv('CANVAS_API_TOKEN', TOKEN)
    assert main(['canvas', 'pull', '--course', '1', '--assignment', '2', '--out', 'unused']) == 2
    err = capsys.readouterr().err.strip()
    assert err.count('\n') == 0 and "pip install 'a2-grader[canvas]'" in err


def test_the_cli_starts_without_canvasapi():
    code = ('import sys, grader.cli; grader.cli.build_parser(); '
            'print("canvasapi" in sys.modules, "requests" in sys.modules)')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ['False', 'False']


def test_canvas_commands_need_a_token_and_say_where_to_make_one(monkeypatch, capsys, tmp_path):
    for var in ('CANVAS_API_URL', 'CANVAS_API_TOKEN', 'A2G_CANVAS_CONFIG'):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv('XDG_CONFIG_HOME', str(tmp_path))
    assert main(['canvas', 'push', str(tmp_path), '--course', '1', '--assignment', '2']) == 2
    assert 'Account > Settings > Approved Integrations' in capsys.readouterr().err


def test_pull_into_a_file_is_one_line_and_exit_2(monkeypatch, capsys, tmp_path):
    from fake_canvas import FakeCanvas
    fake = FakeCanvas()
    fake.seed_sample()
    fake.start()
    try:
        monkeypatch.setenv('CANVAS_API_URL', fake.url)
        monkeypatch.setenv('CANVAS_API_TOKEN', fake.token)
        (tmp_path / 'f').write_text('mine')
        assert main(['canvas', 'pull', '--course', '4451', '--assignment', '9021', '--out', str(tmp_path / 'f')]) == 2
        assert 'is a file' in capsys.readouterr().err and (tmp_path / 'f').read_text() == 'mine'
        # an address that answers with a login page instead of Canvas's JSON
        from fake_canvas import Fault
        fake.faults.append(Fault('GET', '/api/v1/courses/4451$', 200, body='<html>Sign in</html>'))
        assert main(['canvas', 'pull', '--course', '4451', '--assignment', '9021', '--out', str(tmp_path / 's')]) == 4
        assert 'check CANVAS_API_URL' in capsys.readouterr().err
        (tmp_path / 'ro').mkdir(mode=0o500)
        if os.geteuid() != 0:       # root writes anywhere
            assert main(['canvas', 'pull', '--course', '4451', '--assignment', '9021', '--out',
                         str(tmp_path / 'ro')]) == 2
            assert 'Traceback' not in capsys.readouterr().err
    finally:
        fake.stop()


def test_a_config_repr_never_shows_the_token():
    assert TOKEN not in repr(CanvasConfig('https://c.example.edu', TOKEN, 'x'))
