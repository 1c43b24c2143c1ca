"""A small fake Canvas for the tests: standard library http.server on 127.0.0.1, threaded, speaking the JSON shapes of
the endpoints the grader uses (Canvas REST API documentation; canvasapi's URLs and parameters).

Course, sections, enrollments (with their user), assignment (due_at, overrides, anonymous and group flags),
submissions paginated with Link headers (include[]=submission_history, submission_comments, group, user), attachment
downloads (a verifier in the URL, no token needed), the course late policy (404 when none), the bulk grade endpoint
and its Progress, the comment file upload chain (POST .../comments/files -> upload_url + upload_params -> multipart
POST -> 201 with the file, or a 303 to create_success) and PUT submission with comment[...]; injected faults
(status codes, dropped connections before or after the request is carried out, bodies echoing the Authorization
header). ``seed_sample`` fills it from submissions/sample/.
"""
from __future__ import annotations

import csv
import email.parser
import email.policy
import json
import re
import threading
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from grader.canvas.names import parse_entry_name
from grader.pipeline.late import parse_timestamp

SAMPLE = Path(__file__).resolve().parents[1] / 'submissions' / 'sample'
COURSE, SECTION, ASSIGNMENT = 4451, 101, 9021


def z(ts: str | datetime | None) -> str | None:
    """A time as Canvas writes it: UTC with a Z."""
    if ts is None:
        return None
    t = parse_timestamp(ts) if isinstance(ts, str) else ts
    return t.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


@dataclass
class Fault:
    method: str
    path: str                   # regular expression searched in the path
    status: int | str = 500     # a code, 'drop' (no answer, nothing done) or 'drop_after' (done, then no answer)
    times: int = 1
    body: str = '{"errors": [{"message": "An error occurred."}]}'
    headers: dict | None = None
    echo_token: bool = False    # put the request's Authorization header into the body
    after: int = 0              # let this many matching requests through first


class FakeCanvas:
    def __init__(self, token: str = '7~fAkEtOkEn0123456789abcdefSECRET'):
        self.token = token
        self.lock = threading.RLock()
        self.users: dict[int, dict] = {}
        self.enrollments: list[dict] = []
        self.sections = {SECTION: {'id': SECTION, 'name': 'CS445-001', 'course_id': COURSE}}
        self.groups: dict[int, dict] = {}
        self.course = {'id': COURSE, 'name': 'CS445 Machine Learning', 'course_code': 'CS445',
                       'workflow_state': 'available'}
        self.assignment = {'id': ASSIGNMENT, 'course_id': COURSE, 'name': 'A2: Multilayer neural networks',
                           'due_at': '2026-10-03T05:59:00Z', 'points_possible': 100.0, 'grading_type': 'points',
                           'submission_types': ['online_upload'], 'anonymous_grading': False,
                           'group_category_id': None, 'grade_group_students_individually': False, 'published': True}
        self.overrides: list[dict] = []
        self.late_policy: dict | None = None
        self.subs: dict[int, dict] = {}             # user id -> internal submission
        self.files: dict[int, dict] = {}
        self.progress: dict[int, dict] = {}
        self.uploads: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []
        self.faults: list[Fault] = []
        self.max_per_page = 5
        self.upload_answer = 201                    # or 303: redirect to create_success
        self.progress_polls = 1                     # 'running' answers before a job is done
        self.fail_progress = 0                      # jobs to fail
        self.ignore_grades: set[int] = set()        # students a completed job silently leaves alone
        self._ids = 9000000          # above the sample's ids: Canvas ids grow with time
        self.server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------ lifecycle
    def start(self) -> str:
        fake = self

        class Handler(_Handler):
            canvas = fake
        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.server.server_address[1]}'

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def new_id(self) -> int:
        with self.lock:
            self._ids += 1
            return self._ids

    # ------------------------------------------------------------ seeding
    def add_user(self, uid: int, sortable: str, sis: str = '', login: str = '', section: int = SECTION,
                 kind: str = 'StudentEnrollment') -> None:
        last, _, first = sortable.partition(', ')
        self.users[uid] = {'id': uid, 'name': f'{first} {last}'.strip(), 'sortable_name': sortable,
                           'short_name': first or last, 'sis_user_id': sis or None, 'login_id': login or None}
        self.enrollments.append({'id': self.new_id(), 'user_id': uid, 'course_id': COURSE, 'type': kind,
                                 'course_section_id': section, 'enrollment_state': 'active', 'role': kind})
        self.subs[uid] = {'id': self.new_id(), 'user_id': uid, 'attempts': [], 'entered_score': None,
                          'excused': False, 'comments': [], 'anonymous_id': f'{uid % 100000:05d}'[::-1]}

    def add_file(self, name: str, data: bytes, at: str, file_id: int | None = None) -> int:
        fid = file_id or self.new_id()
        self.files[fid] = {'id': fid, 'uuid': f'uuid{fid}x', 'display_name': name, 'filename': name, 'data': data,
                           'created_at': z(at), 'updated_at': z(at), 'content-type': 'application/octet-stream'}
        return fid

    def submit(self, uid: int, files: list[tuple[str, bytes] | int], at: str, kind: str = 'online_upload',
               body: str | None = None) -> int:
        """A new attempt; files as (name, bytes) or ids of files added already. Returns the attempt number."""
        ids = [f if isinstance(f, int) else self.add_file(f[0], f[1], at) for f in files]
        sub = self.subs[uid]
        sub['attempts'].append({'submitted_at': z(at), 'attachments': ids, 'submission_type': kind, 'body': body})
        return len(sub['attempts'])

    def seed_sample(self, sample: Path = SAMPLE) -> None:
        with open(sample / 'roster.csv', newline='', encoding='utf-8') as f:
            for row in csv.DictReader(f):
                kind = 'StudentViewEnrollment' if row['Student'] == 'Student, Test' else 'StudentEnrollment'
                self.add_user(int(row['ID']), row['Student'], row['SIS User ID'], row['SIS Login ID'], kind=kind)
        with open(sample / 'submission-times.csv', newline='', encoding='utf-8') as f:
            times = {int(r['user_id']): r['submitted_at'] for r in csv.DictReader(f)}
        files: dict[int, list[int]] = {}
        with zipfile.ZipFile(sample / 'canvas-submissions.zip') as zf:
            for info in zf.infolist():
                entry = parse_entry_name(info.filename)
                uid = int(entry.user_id)
                self.add_file(entry.file_name, zf.read(info), times[uid], file_id=entry.attachment_id)
                files.setdefault(uid, []).append(entry.attachment_id)
        for uid, ids in files.items():
            self.submit(uid, sorted(ids), times[uid])

    # ------------------------------------------------------------ views the tests read
    def grades(self) -> dict[str, float]:
        return {str(u): s['entered_score'] for u, s in self.subs.items() if s['entered_score'] is not None}

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.requests if m != 'GET']

    # ------------------------------------------------------------ JSON shapes
    def file_json(self, fid: int) -> dict:
        f = self.files[fid]
        return {'id': fid, 'uuid': f['uuid'], 'folder_id': 1, 'display_name': f['display_name'],
                'filename': f['filename'], 'content-type': f['content-type'], 'size': len(f['data']),
                'url': f'{self.url}/files/{fid}/download?download_frd=1&verifier={f["uuid"]}',
                'created_at': f['created_at'], 'updated_at': f['updated_at'], 'modified_at': f['updated_at'],
                'locked': False, 'hidden': False, 'mime_class': 'file'}

    def due_for(self, uid: int) -> str | None:
        dates = [o['due_at'] for o in self.overrides if 'due_at' in o and uid in (o.get('student_ids') or [])]
        if not dates:
            return self.assignment['due_at']
        return None if None in dates else max(dates, key=parse_timestamp)

    def _version(self, sub: dict, n: int) -> dict:
        a = sub['attempts'][n - 1] if n else None
        due = self.due_for(sub['user_id'])
        late = bool(a and due and parse_timestamp(a['submitted_at']) > parse_timestamp(due))
        score = sub['entered_score']
        if score is not None and late and self.late_policy and self.late_policy['late_submission_deduction_enabled']:
            days = -(-(parse_timestamp(a['submitted_at']) - parse_timestamp(due)).total_seconds() // 86400)
            score = max(0.0, score - days * self.late_policy['late_submission_deduction'] / 100 *
                        self.assignment['points_possible'])
        state = 'graded' if sub['entered_score'] is not None else 'submitted' if a else 'unsubmitted'
        d = {'id': sub['id'], 'user_id': sub['user_id'], 'assignment_id': ASSIGNMENT, 'attempt': n or None,
             'submitted_at': a and a['submitted_at'], 'submission_type': a and a['submission_type'],
             'body': a and a['body'], 'url': None, 'workflow_state': state, 'late': late,
             'seconds_late': int((parse_timestamp(a['submitted_at']) - parse_timestamp(due)).total_seconds())
             if late else 0, 'missing': False, 'excused': sub['excused'], 'entered_score': sub['entered_score'],
             'score': score, 'grade': None if score is None else f'{score:g}',
             'entered_grade': None if sub['entered_score'] is None else f'{sub["entered_score"]:g}',
             'grade_matches_current_submission': True, 'anonymous_id': sub['anonymous_id'],
             'attachments': [self.file_json(f) for f in (a['attachments'] if a else [])]}
        return d

    def submission_json(self, sub: dict, include: set[str]) -> dict:
        n = len(sub['attempts'])
        d = self._version(sub, n)
        if 'submission_history' in include:
            d['submission_history'] = [self._version(sub, i) for i in range(1, n + 1)] or [dict(d)]
        if 'submission_comments' in include:
            d['submission_comments'] = [dict(c) for c in sub['comments']]
        if 'group' in include:
            gid = next((g for g, grp in self.groups.items() if sub['user_id'] in grp['members']), None)
            d['group'] = {'id': gid, 'name': self.groups[gid]['name'] if gid else None}
        if 'user' in include:
            d['user'] = dict(self.users[sub['user_id']])
        return d

    def visible_subs(self) -> list[dict]:
        students = {e['user_id'] for e in self.enrollments}
        return [self.subs[u] for u in sorted(self.subs) if u in students]


class _Handler(BaseHTTPRequestHandler):
    canvas: FakeCanvas
    protocol_version = 'HTTP/1.0'

    def log_message(self, *args) -> None:
        pass

    # ------------------------------------------------------------ plumbing
    def _send(self, status: int, payload: Any = None, headers: dict | None = None, raw: bytes | None = None) -> None:
        body = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json; charset=utf-8' if raw is None else
                         'application/octet-stream')
        self.send_header('Content-Length', str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get('Content-Length') or 0))

    def _form(self, body: bytes) -> list[tuple[str, str]]:
        if 'multipart/form-data' in (self.headers.get('Content-Type') or ''):
            return []
        return parse_qsl(body.decode(), keep_blank_values=True)

    def do_GET(self):
        self._dispatch('GET')

    def do_POST(self):
        self._dispatch('POST')

    def do_PUT(self):
        self._dispatch('PUT')

    def _dispatch(self, method: str) -> None:
        fake = self.canvas
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qsl(parts.query, keep_blank_values=True)
        body = self._body() if method != 'GET' else b''
        with fake.lock:
            fake.requests.append((method, path))
            fault = next((f for f in fake.faults if f.times > 0 and f.method == method and re.search(f.path, path)),
                         None)
            if fault and fault.after:
                fault.after, fault = fault.after - 1, None
            elif fault:
                fault.times -= 1
        if fault and fault.status == 'drop':
            self.close_connection = True
            return
        if fault and fault.status != 'drop_after':
            text = fault.body + (f' (request had {self.headers.get("Authorization")})' if fault.echo_token else '')
            self._send(int(fault.status), headers=fault.headers, raw=text.encode())
            return
        needs_auth = path.startswith('/api/v1/') and '/create_success' not in path
        if needs_auth and self.headers.get('Authorization') != f'Bearer {fake.token}':
            self._send(401, {'errors': [{'message': 'Invalid access token.'}]},
                       {'WWW-Authenticate': 'Bearer realm="canvas-lms"'})
            return
        try:
            with fake.lock:
                status, payload, headers, raw = self._route(method, path, query, body)
        except KeyError:
            status, payload, headers, raw = 404, {'errors': [{'message': 'The specified resource does not exist.'}]}, \
                None, None
        if fault and fault.status == 'drop_after':
            self.close_connection = True
            return
        self._send(status, payload, headers, raw)

    # ------------------------------------------------------------ endpoints
    def _route(self, method: str, path: str, query: list, body: bytes):
        fake = self.canvas
        q = dict(query)
        include = {v for k, v in query if k == 'include[]'}
        c, a = f'/api/v1/courses/{COURSE}', f'/api/v1/courses/{COURSE}/assignments/{ASSIGNMENT}'
        m = re.fullmatch(r'/files/(\d+)/download', path)
        if m:
            f = fake.files[int(m[1])]
            if q.get('verifier') != f['uuid']:
                return 401, {'errors': [{'message': 'verifier'}]}, None, None
            return 200, None, None, f['data']
        if method == 'GET' and path == c:
            return 200, fake.course, None, None
        if method == 'GET' and path == a:
            return 200, {**fake.assignment, 'has_overrides': bool(fake.overrides)}, None, None
        if method == 'GET' and path == f'{c}/sections':
            return self._page(list(fake.sections.values()), query)
        if method == 'GET' and path == f'{c}/enrollments':
            types = {v for k, v in query if k == 'type[]'}
            rows = [{**e, 'user': dict(fake.users[e['user_id']])} for e in fake.enrollments
                    if not types or e['type'] in types]
            return self._page(rows, query)
        if method == 'GET' and path == f'{c}/late_policy':
            if fake.late_policy is None:
                raise KeyError('late policy')
            return 200, {'late_policy': fake.late_policy}, None, None
        if method == 'GET' and path == f'{a}/overrides':
            return self._page([{**o, 'assignment_id': ASSIGNMENT} for o in fake.overrides], query)
        m = re.fullmatch(r'/api/v1/groups/(\d+)/users', path)
        if method == 'GET' and m:
            return self._page([dict(fake.users[u]) for u in fake.groups[int(m[1])]['members']], query)
        if method == 'GET' and path == f'{a}/submissions':
            return self._page([fake.submission_json(s, include) for s in fake.visible_subs()], query)
        if method == 'POST' and path == f'{a}/submissions/update_grades':
            return self._bulk(self._form(body))
        m = re.fullmatch(r'/api/v1/progress/(\d+)', path)
        if method == 'GET' and m:
            return 200, self._poll(int(m[1])), None, None
        m = re.fullmatch(a + r'/submissions/(\d+)/comments/files', path)
        if method == 'POST' and m:
            return self._upload_slot(int(m[1]), dict(self._form(body)))
        m = re.fullmatch(r'/upload/(\w+)', path)
        if method == 'POST' and m:
            return self._upload(m[1], body)
        m = re.fullmatch(r'/api/v1/files/(\d+)/create_success', path)
        if method == 'GET' and m:
            return 200, fake.file_json(int(m[1])), None, None
        m = re.fullmatch(a + r'/submissions/(\d+)', path)
        if method == 'PUT' and m:
            return self._comment(int(m[1]), self._form(body))
        raise KeyError(path)

    def _page(self, rows: list, query: list):
        q = dict(query)
        per = min(int(q.get('per_page') or 10), self.canvas.max_per_page)
        page = int(q.get('page') or 1)
        chunk = rows[(page - 1) * per: page * per]
        links = []
        base = f'{self.canvas.url}{urlsplit(self.path).path}'
        rest = [(k, v) for k, v in query if k not in ('page', 'per_page')]
        if page * per < len(rows):
            links.append(f'<{base}?{urlencode(rest + [("page", page + 1), ("per_page", per)])}>; rel="next"')
        links.append(f'<{base}?{urlencode(rest + [("page", 1), ("per_page", per)])}>; rel="first"')
        return 200, chunk, {'Link': ', '.join(links)}, None

    def _bulk(self, form: list[tuple[str, str]]):
        fake = self.canvas
        grades = {}
        for k, v in form:
            m = re.fullmatch(r'grade_data\[(\d+)\]\[posted_grade\]', k)
            if m:
                if int(m[1]) not in fake.subs:
                    return 400, {'errors': [{'message': f'unknown student {m[1]}'}]}, None, None
                grades[int(m[1])] = float(v)
        pid = fake.new_id()
        fake.progress[pid] = {'id': pid, 'context_id': COURSE, 'context_type': 'Course', 'user_id': 1,
                              'tag': 'submissions_update', 'completion': 0, 'workflow_state': 'queued',
                              'message': None, 'url': f'{fake.url}/api/v1/progress/{pid}', 'polls': 0,
                              'grades': grades, 'fail': fake.fail_progress > 0}
        fake.fail_progress -= 1
        return 200, self._public(fake.progress[pid]), None, None

    @staticmethod
    def _public(p: dict) -> dict:
        return {k: v for k, v in p.items() if k not in ('polls', 'grades', 'fail')}

    def _poll(self, pid: int) -> dict:
        fake, p = self.canvas, self.canvas.progress[pid]
        p['polls'] += 1
        if p['workflow_state'] in ('queued', 'running'):
            if p['polls'] <= fake.progress_polls:
                p['workflow_state'], p['completion'] = 'running', 50
            elif p['fail']:
                p['workflow_state'], p['message'] = 'failed', 'the job died'
            else:
                for uid, score in p['grades'].items():
                    if uid not in fake.ignore_grades:
                        fake.subs[uid]['entered_score'] = score
                p['workflow_state'], p['completion'] = 'completed', 100
        return self._public(p)

    def _upload_slot(self, uid: int, form: dict):
        token = f'up{self.canvas.new_id()}'
        self.canvas.uploads[token] = {'user_id': uid, 'name': form.get('name', 'file'), 'size': form.get('size')}
        return 200, {'upload_url': f'{self.canvas.url}/upload/{token}', 'file_param': 'file',
                     'upload_params': {'filename': form.get('name', 'file'), 'content_type': 'text/html'}}, None, None

    def _upload(self, token: str, body: bytes):
        fake = self.canvas
        slot = fake.uploads.pop(token)
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b'Content-Type: ' + self.headers['Content-Type'].encode() + b'\r\n\r\n' + body)
        data = next(p.get_payload(decode=True) for p in message.iter_parts() if p.get_filename())
        now = datetime.now(timezone.utc).isoformat()
        fid = fake.add_file(slot['name'], data, now)
        fake.files[fid]['content-type'] = 'text/html'
        fake.files[fid]['for_user'] = slot['user_id']
        if fake.upload_answer == 303:
            return 303, None, {'Location': f'{fake.url}/api/v1/files/{fid}/create_success?uuid='
                                           f'{fake.files[fid]["uuid"]}'}, b''
        return 201, fake.file_json(fid), None, None

    def _comment(self, uid: int, form: list[tuple[str, str]]):
        fake = self.canvas
        sub = fake.subs[uid]
        text = next((v for k, v in form if k == 'comment[text_comment]'), None)
        ids = [int(v) for k, v in form if k == 'comment[file_ids][]']
        attempt = next((int(v) for k, v in form if k == 'comment[attempt]'), None)
        for fid in ids:
            if fake.files.get(fid, {}).get('for_user') != uid:
                return 400, {'errors': [{'message': f'file {fid} was not uploaded for this comment'}]}, None, None
        if attempt is not None and not 1 <= attempt <= len(sub['attempts']):
            return 400, {'errors': [{'message': f'no attempt {attempt}'}]}, None, None
        if text is not None or ids:
            sub['comments'].append({'id': fake.new_id(), 'author_id': 1, 'author_name': 'Teaching Assistant',
                                    'comment': text or '', 'attempt': attempt,
                                    'created_at': z(datetime.now(timezone.utc)),
                                    'attachments': [fake.file_json(f) for f in ids]})
        return 200, fake.submission_json(sub, {'submission_comments'}), None, None
