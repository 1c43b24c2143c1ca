"""Where the Canvas commands find their server and token, and how the token is kept out of every output.

``CANVAS_API_URL`` and ``CANVAS_API_TOKEN`` come from the environment, else from a config file readable by its owner
only (README, "Canvas round trip"): ``--config FILE``, ``$A2G_CANVAS_CONFIG`` or
``$XDG_CONFIG_HOME/a2grader/canvas.ini`` (``~/.config/...``)::

    [canvas]
    api_url = https://canvas.example.edu
    api_token = 1234~abcdef...

A file that its group or others can read is refused, the way ssh refuses such a key: a token is a password. The
token only ever travels in the Authorization header to the configured host over HTTPS (plain HTTP only to this
machine, for tests); ``Scrubber`` replaces it in any text the commands print, log or raise.
"""
from __future__ import annotations

import configparser
import ipaddress
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from ..errors import InputError

URL_VAR, TOKEN_VAR, CONFIG_VAR = 'CANVAS_API_URL', 'CANVAS_API_TOKEN', 'A2G_CANVAS_CONFIG'
HIDDEN = '[token hidden]'


class CanvasInputError(InputError):
    """The TA's setup or command must change (no token, an unsafe file, a bad URL, a refused push): one line
    saying how; the Canvas commands exit with 2, as every input error does (README, Exit codes)."""


@dataclass(frozen=True)
class CanvasConfig:
    url: str                                # https://canvas.example.edu, without /api/v1
    token: str = field(repr=False)          # never in a repr, a log line or a message
    source: str = 'environment'             # where the values came from, for messages

    def scrubber(self) -> Scrubber:
        return Scrubber(self.token)


def default_config_path(env: Mapping[str, str] = os.environ) -> Path:
    base = env.get('XDG_CONFIG_HOME') or str(Path.home() / '.config')
    return Path(base) / 'a2grader' / 'canvas.ini'


def load_config(path: str | Path | None = None, env: Mapping[str, str] = os.environ) -> CanvasConfig:
    """The URL and token: each from the environment when set there, else from the config file."""
    url, token = env.get(URL_VAR, '').strip(), env.get(TOKEN_VAR, '').strip()
    source = 'environment'
    if not (url and token):
        file = Path(path) if path else Path(env[CONFIG_VAR]) if env.get(CONFIG_VAR) else default_config_path(env)
        explicit = bool(path or env.get(CONFIG_VAR))
        if file.exists() or explicit:
            values = _read_file(file)
            url, token = url or values.get('api_url', ''), token or values.get('api_token', '')
            source = str(file)
    if not token:
        raise CanvasInputError(f'no Canvas token: set {TOKEN_VAR} (Canvas: Account > Settings > Approved '
                               f'Integrations > + New Access Token) or put api_token in {default_config_path(env)} '
                               f'(chmod 600)')
    if not url:
        raise CanvasInputError(f'no Canvas address: set {URL_VAR} (e.g. https://canvas.example.edu) or put api_url in '
                               f'{default_config_path(env)}')
    if any(c.isspace() for c in token):
        raise CanvasInputError(f'the Canvas token from {source} holds spaces: paste it again, on one line')
    return CanvasConfig(url=check_url(url), token=token, source=source)


def _read_file(file: Path) -> dict[str, str]:
    try:
        info = file.stat()
    except OSError as exc:
        raise CanvasInputError(f'{file}: cannot read the Canvas config file ({exc.strerror or exc})') from None
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise CanvasInputError(f'{file}: the Canvas config file holds a token but its group or others can read it '
                               f'(mode {stat.S_IMODE(info.st_mode):03o}): run chmod 600 {file}')
    if hasattr(os, 'getuid') and info.st_uid != os.getuid():
        raise CanvasInputError(f'{file}: the Canvas config file belongs to another user: use a file of your own')
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(file.read_text(encoding='utf-8'), source=str(file))
    except (OSError, UnicodeError, configparser.Error) as exc:
        # the parser's message may quote a line, and a line may hold the token: name the problem only
        raise CanvasInputError(f'{file}: not a config file of the form "[canvas]" then "api_url = ..." and '
                               f'"api_token = ..." ({type(exc).__name__})') from None
    if not parser.has_section('canvas'):
        raise CanvasInputError(f'{file}: no [canvas] section (expected "[canvas]", "api_url = ...", "api_token = ...")')
    return {k: v.strip() for k, v in parser.items('canvas')}


def _loopback(host: str) -> bool:
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """The instance's base URL: https (http only to this machine), no path, no /api/v1."""
    url = url.strip().rstrip('/')
    if url.endswith('/api/v1'):
        url = url[:-len('/api/v1')]
    parts = urlsplit(url)
    if parts.scheme not in ('https', 'http') or not parts.hostname:
        raise CanvasInputError(f'{URL_VAR} must be the address of your Canvas, like https://canvas.example.edu '
                               f'(got {url!r})')
    if parts.scheme == 'http' and not _loopback(parts.hostname):
        raise CanvasInputError(f'{URL_VAR} uses http://: the token would cross the network unencrypted; use https://')
    if parts.username or parts.password or parts.query or parts.fragment:
        raise CanvasInputError(f'{URL_VAR} must be a plain address like https://canvas.example.edu (no user, query or '
                               f'fragment)')
    return url


class Scrubber:
    """Replaces the token, and the tail canvasapi's debug log prints of it ('****' + last 4), in any text."""

    def __init__(self, token: str):
        self._secrets = [s for s in {token, f'****{token[-4:]}'} if len(s) >= 4] if token else []
        self._secrets.sort(key=len, reverse=True)

    def __call__(self, text: object) -> str:
        text = str(text)
        for secret in self._secrets:
            text = text.replace(secret, HIDDEN)
        return text

    def log_filter(self) -> logging.Filter:
        scrub = self

        class _Filter(logging.Filter):
            def filter(self, record: logging.LogRecord) -> bool:
                record.msg, record.args = scrub(record.getMessage()), None
                return True
        return _Filter()
