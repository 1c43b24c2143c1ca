"""A thin layer over canvasapi (the maintained Python client; URLs, pagination and the upload chain are its own).

What it adds, and why:
- One request at a time, with backoff on Canvas's throttling (429, or 403 "Rate Limit Exceeded", which Canvas sends
  when a token's bucket runs dry): the request was refused, not done, so repeating it is safe. ``Retry-After`` is
  honoured when sent. urllib3's ``Retry`` cannot see a 403's body, hence a loop of our own around canvasapi.
- A GET that meets a network error or a 5xx is tried again a few times; any other request is never repeated on a
  5xx or a dropped connection (Canvas may have done it): the caller stops cleanly and the next run resumes.
- Timeouts: canvasapi sets none, so a server that stops answering would hang the command.
- Every failure becomes ``CanvasFailure`` with a one-line message, the token scrubbed, no chained exception.
- The token is sent to the configured host only: a file download redirected elsewhere goes without it.

canvasapi is imported here, on first use, so the base install and ``grader --help`` do without it.
"""
from __future__ import annotations

import logging
import re
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

from .config import CanvasConfig, CanvasInputError

INSTALL_HINT = "pip install 'a2-grader[canvas]'"


class CanvasFailure(Exception):
    """Canvas refused or failed a request (or could not be reached); the message is scrubbed and says what to do."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Backoff:
    attempts: int = 8           # tries of a throttled request
    base: float = 1.0           # seconds before the 2nd try, doubled each time ...
    cap: float = 60.0           # ... up to this
    get_attempts: int = 3       # tries of a GET that met a 5xx or a network error
    connect_timeout: float = 15.0
    read_timeout: float = 120.0

    def delay(self, attempt: int) -> float:
        return min(self.cap, self.base * 2 ** (attempt - 1))


def import_canvasapi():
    try:
        import canvasapi
    except ImportError:
        raise CanvasInputError(f'the Canvas commands need the canvas extra: {INSTALL_HINT}') from None
    return canvasapi


def plain(obj: Any) -> dict[str, Any]:
    """A canvasapi object's JSON fields (without the datetime copies canvasapi adds as '<field>_date')."""
    if isinstance(obj, dict):
        return obj
    fields = {k: v for k, v in vars(obj).items() if not k.startswith('_')}
    return {k: v for k, v in fields.items() if not (k.endswith('_date') and k[:-5] in fields)}


_STATUS = re.compile(r'status code (\d{3})')


class CanvasClient:
    """``CanvasClient(config)``: ``canvas`` is the canvasapi ``Canvas``, every request of it goes through the retry
    loop."""

    def __init__(self, config: CanvasConfig, backoff: Backoff = Backoff(), sleep: Callable[[float], None] = time.sleep):
        canvasapi = import_canvasapi()
        import requests
        from requests.adapters import HTTPAdapter
        self.config, self.backoff, self._sleep = config, backoff, sleep
        self.scrub = config.scrubber()
        # a logger's filters do not reach its children's records: filter each logger of the libraries that see
        # requests (canvasapi's debug log prints response bodies, and a body may echo the header)
        libraries = ('canvasapi', 'urllib3', 'requests')
        loggers = [n for n in logging.root.manager.loggerDict if n.split('.')[0] in libraries]
        for name in loggers + ['canvasapi.requester']:
            logger = logging.getLogger(name)
            logger.filters = [f for f in logger.filters if not getattr(f, 'a2g_scrubber', False)]
            log_filter = self.scrub.log_filter()
            log_filter.a2g_scrubber = True
            logger.addFilter(log_filter)
        with warnings.catch_warnings():     # canvasapi warns about http://, which config allows for loopback only
            warnings.simplefilter('ignore')
            self.canvas = canvasapi.Canvas(config.url, config.token)
        self._requester = self.canvas._Canvas__requester     # shared by every object canvasapi builds

        class _Timeouts(HTTPAdapter):
            def send(self, request, **kwargs):
                kwargs['timeout'] = kwargs.get('timeout') or (backoff.connect_timeout, backoff.read_timeout)
                return super().send(request, **kwargs)
        for prefix in ('https://', 'http://'):
            self._requester._session.mount(prefix, _Timeouts())
        self._request = self._requester.request
        self._requester.request = self._call
        self._exceptions = canvasapi.exceptions
        self._network_errors = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
        self._host = urlsplit(config.url).netloc.lower()

    # ------------------------------------------------------------ the retry loop
    def _call(self, method: str, endpoint: str | None = None, **kwargs):
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._request(method, endpoint, **_fresh(kwargs))
            except self._network_errors as exc:
                if method == 'GET' and attempt < self.backoff.get_attempts:
                    self._sleep(self.backoff.delay(attempt))
                    continue
                raise CanvasFailure(self.scrub(f'could not reach Canvas ({method} {self._where(endpoint, kwargs)}: '
                                               f'{type(exc).__name__}); nothing after this point was done: run the '
                                               f'same command again to resume')) from None
            except self._exceptions.CanvasException as exc:
                status = self._status(exc)
                if status == 429 or (status == 403 and 'rate limit exceeded' in str(exc).lower()):
                    if attempt < self.backoff.attempts:
                        self._sleep(self._retry_after() or self.backoff.delay(attempt))
                        continue
                    raise CanvasFailure(f'Canvas kept throttling requests (rate limit) after {attempt} tries: wait a '
                                        f'few minutes and run the same command again', status) from None
                if method == 'GET' and status and status >= 500 and attempt < self.backoff.get_attempts:
                    self._sleep(self.backoff.delay(attempt))
                    continue
                raise CanvasFailure(self.scrub(self._describe(status, method, self._where(endpoint, kwargs), exc)),
                                    status) from None

    def _status(self, exc: Exception) -> int | None:
        e = self._exceptions
        for cls, status in ((e.RateLimitExceeded, 429), (e.UnprocessableEntity, 422), (e.Conflict, 409),
                            (e.ResourceDoesNotExist, 404), (e.Forbidden, 403), (e.InvalidAccessToken, 401),
                            (e.Unauthorized, 401), (e.BadRequest, 400)):
            if isinstance(exc, cls):
                return status
        m = _STATUS.search(str(exc))
        return int(m[1]) if m else None

    def _retry_after(self) -> float | None:
        cache = getattr(self._requester, '_cache', None)
        try:
            return max(0.0, min(float(cache[0].headers['Retry-After']), self.backoff.cap))
        except (TypeError, IndexError, KeyError, ValueError, AttributeError):
            return None

    def _where(self, endpoint: str | None, kwargs: dict) -> str:
        url = kwargs.get('_url')
        if url:     # a download or upload URL: its query may hold a signature, never shown
            parts = urlsplit(url)
            return f'{parts.netloc}{parts.path}'
        return f'/api/v1/{endpoint or ""}'.split('?')[0]

    @staticmethod
    def _describe(status: int | None, method: str, where: str, exc: Exception) -> str:
        if status == 401:
            return ('Canvas refused the token (401): it is wrong, expired or revoked; create a new one (Account > '
                    'Settings > Approved Integrations > + New Access Token)')
        if status == 403:
            return (f'Canvas refused {method} {where} (403 Forbidden): the token\'s user may not do this; a teacher or '
                    f'TA role in the course is needed')
        if status == 404:
            return f'Canvas found nothing at {method} {where} (404): check the course and assignment ids'
        if status and status >= 500:
            return (f'Canvas failed on {method} {where} ({status}): nothing after this point was done; run the same '
                    f'command again to resume')
        body = ' '.join(str(exc).split())[:200]
        return f'Canvas refused {method} {where} ({status or "error"}): {body}'

    # ------------------------------------------------------------ helpers the commands use
    def same_host(self, url: str) -> bool:
        return urlsplit(url).netloc.lower() == self._host

    def download(self, url: str) -> bytes:
        """A file's bytes; the token goes along only when the URL is the Canvas host's own."""
        return self._requester.request('GET', _url=url, use_auth=self.same_host(url)).content

    def progress(self, progress: Any, timeout: float = 600.0, interval: float = 0.5) -> dict[str, Any]:
        """Poll a Progress until it is completed or failed; its fields as a dict."""
        deadline = time.monotonic() + timeout
        state = plain(progress)
        while state.get('workflow_state') not in ('completed', 'failed'):
            if time.monotonic() > deadline:
                raise CanvasFailure(f'Canvas did not finish job {state.get("id")} within {timeout:.0f} s (state '
                                    f'{state.get("workflow_state")}): run the same command again later')
            self._sleep(interval)
            interval = min(interval * 2, 5.0)
            state = plain(self.canvas.get_progress(state['id']))
        return state

    def group_user_ids(self, group_id: int | str) -> set[str]:
        from canvasapi.group import Group
        return {str(u.id) for u in Group(self._requester, {'id': group_id}).get_users()}

    def upload_comment_file(self, course_id: int | str, assignment_id: int | str, user_id: int | str,
                            path: str) -> int:
        """Canvas's three-step upload of a submission comment's file; the new file's id."""
        from canvasapi.upload import Uploader
        endpoint = f'courses/{course_id}/assignments/{assignment_id}/submissions/{user_id}/comments/files'
        try:
            ok, answer = Uploader(self._requester, endpoint, path).start()
        except (ValueError, KeyError) as exc:
            raise CanvasFailure(self.scrub(f'Canvas answered the file upload for user {user_id} oddly ({exc})')) \
                from None
        if not ok or 'id' not in answer:
            raise CanvasFailure(f'Canvas did not confirm the feedback file upload for user {user_id}: run the same '
                                f'command again to resume')
        return int(answer['id'])


def _fresh(kwargs: dict[str, Any]) -> dict[str, Any]:
    """canvasapi extends the ``_kwargs`` list in place and reads file objects to their end: give each try its own."""
    kwargs = dict(kwargs)
    if '_kwargs' in kwargs:
        kwargs['_kwargs'] = list(kwargs['_kwargs'] or [])
    for value in [v for _, v in kwargs.get('_kwargs') or []] + list(kwargs.values()):
        if hasattr(value, 'seek') and hasattr(value, 'read'):
            value.seek(0)
    return kwargs
