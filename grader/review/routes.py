"""The desk's pages and JSON API (README "The review desk"); the token check is in grader.review.app, the helpers the
routes share in grader.review.http."""
from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, request

from . import similarity as sim
from .http import answer_json, body, desk, item_json, not_found, page, revealed, settings, store, ta
from .views import describe, pair_context, render_pair
from .store import Claimed, ReviewError, Student


def _gradable(students: list[Student]) -> list[Student]:
    # a submission without a notebook has no answer to read; its item stays as the batch scored it
    return [s for s in students if s.notebook_path]


def _item_arg(data: dict):
    return store().item(data.get('item'))


def register(app: Flask) -> None:
    @app.get('/')
    def index():
        students = _gradable(store().students())
        progress = []
        for item in store().items():
            marks = store().marks(item.id)
            progress.append((item, sum(1 for s in students if s.key in marks), len(store().flags(item.id))))
        from .similarity import load_pairs
        return page('index.html', progress=progress, total=len(students), pairs=len(load_pairs(store().gb)))

    @app.get('/item/<item_id>')
    def desk_page(item_id):
        try:
            item = store().item(item_id)
        except ReviewError:
            not_found(f'no item {item_id} at the desk')
        ids = [it.id for it in store().items()]
        return page('desk.html', item=item, prompt=item_json(item)['prompt'], item_ids=ids)

    @app.get('/api/items')
    def api_items():
        return jsonify([item_json(it) for it in store().items()])

    @app.get('/api/answers')
    def api_answers():
        item = store().item(request.args.get('item'))
        marks, flags = store().marks(item.id), store().flags(item.id)
        claims, shown = store().claimed_elsewhere(item.id, desk()), revealed(desk())
        return jsonify([answer_json(s, item, marks, flags, claims, shown) for s in _gradable(store().students())])

    @app.get('/api/comments')
    def api_comments():
        return jsonify(store().comment_bank(store().item(request.args.get('item')).id))

    @app.post('/api/scores')
    def api_scores():
        data = body()
        item = _item_arg(data)
        if 'submission' not in data:
            raise ReviewError('submission is missing: send the number shown at the desk')
        student = store().student(data['submission'])
        if data.get('clear'):
            store().clear(student.key, item.id, ta=ta(), desk=desk())
            return jsonify(submission=student.number, item=item.id, points=None, comment='', deductions=[])
        mark = store().save(student.key, item.id, points=data.get('points'), deductions=data.get('deductions'),
                            comment=data.get('comment', ''), ta=ta(), desk=desk())
        return jsonify(submission=student.number, item=item.id, points=mark.points, comment=mark.comment,
                       deductions=list(mark.deductions))

    @app.post('/api/claim')
    def api_claim():
        """Claim the answer asked for, or, when another desk holds it, the next free one in that direction."""
        data = body()
        item = _item_arg(data)
        wanted = store().student(data.get('submission'))
        direction = -1 if data.get('direction') == -1 else 1
        students = _gradable(store().students())
        marks = store().marks(item.id) if data.get('ungraded') else {}
        start = next(i for i, s in enumerate(students) if s.key == wanted.key)
        order = [students[(start + direction * k) % len(students)] for k in range(len(students))]
        holder = None
        for candidate in order:
            if candidate.key != wanted.key and candidate.key in marks:
                continue
            try:
                store().claim(candidate.key, item.id, ta=ta(), desk=desk(), seconds=settings().claim_seconds)
            except Claimed as exc:
                holder = holder or exc.ta
                continue
            return jsonify(submission=candidate.number, moved=candidate.key != wanted.key, claimed_by=holder)
        return jsonify(error='every answer left is open at another desk', claimed_by=holder), 409

    @app.post('/api/release')
    def api_release():
        # also sent by navigator.sendBeacon as the page closes, which cannot set headers: the desk id may be a query
        store().release((request.args.get('desk') or desk())[:64])
        return jsonify(released=True)

    @app.post('/api/flag')
    def api_flag():
        data = body()
        item, student = _item_arg(data), store().student(data.get('submission'))
        store().flag(student.key, item.id, bool(data.get('flagged', True)), ta=ta(), desk=desk())
        return jsonify(submission=student.number, item=item.id, flagged=bool(data.get('flagged', True)))

    @app.post('/api/undo')
    def api_undo():
        undone = store().undo(ta=ta(), desk=desk())
        if undone is None:
            return jsonify(undone=None)
        number = next((s.number for s in store().students() if s.key == undone[0]), None)
        return jsonify(undone={'submission': number, 'item': undone[1]})

    @app.post('/api/reveal')
    def api_reveal():
        student = store().student(body().get('submission'))
        store().reveal(student.key, ta=ta(), desk=desk())
        return jsonify(submission=student.number, name=student.name, user_id=student.user_id)

    @app.post('/api/deductions')
    def api_deductions():
        data = body()
        count = store().set_deduction_points(data.get('id'), data.get('points'), ta=ta(), desk=desk())
        return jsonify(id=data.get('id'), points=data.get('points'), rescored=count)

    @app.post('/api/export')
    def api_export():
        from ..batch.driver import rescore_dir
        body()
        s = settings()
        summary = rescore_dir(s.out, None, s.rubric_path, s.roster_path)
        return jsonify(outputs={k: str(v) for k, v in summary.outputs.items()}, warnings=summary.warnings,
                       submissions=summary.submissions)

    @app.get('/img/<int:number>/<item_id>/<int:index>')
    def image(number, item_id, index):
        try:
            student, item = store().student(number), store().item(item_id)
        except ReviewError:
            not_found('no such answer')
        images = current_app.extensions['review_answers'].answer(student.notebook_path, item).images
        if not 0 <= index < len(images):
            not_found('no such image')
        response = Response(images[index].data, mimetype=images[index].mime)
        # opened on its own, an SVG is a document: no script of the student's may run in the desk's origin
        response.headers['Content-Security-Policy'] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
        return response

    register_similarity(app)


def register_similarity(app) -> None:
    """The desk's list of flagged pairs and their side-by-side pages (anonymous unless revealed at this desk)."""
    def labeller():
        shown = revealed(desk())
        return lambda s: f'#{s.number} {s.name}' if s.key in shown else f'#{s.number}'

    @app.get('/similar')
    def similar():
        students = {s.key: s for s in store().students()}
        label = labeller()
        rows = [{'n': n, 'kind': p.kind, 'a': label(students[p.a]), 'b': label(students[p.b]), 'score': p.score,
                 'describe': describe(p)}
                for n, p in enumerate(sim.load_pairs(store().gb), start=1) if p.a in students and p.b in students]
        return page('similar.html', rows=rows, notes=sim.stored_notes(store().gb))

    @app.get('/similar/<int:n>')
    def similar_pair(n):
        pairs = sim.load_pairs(store().gb)
        students = {s.key: s for s in store().students()}
        if not 1 <= n <= len(pairs) or pairs[n - 1].a not in students or pairs[n - 1].b not in students:
            not_found(f'no similar pair {n}')
        pair = pairs[n - 1]
        return Response(render_pair(pair_context(pair, students[pair.a], students[pair.b], labeller()),
                                    inline_css=False), mimetype='text/html')

