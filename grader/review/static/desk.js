// The review desk's keys (README "The review desk"). Every mark is saved at once through the JSON API; the server
// keeps the state, this page only shows it. Text from students arrives escaped (answer_html is rendered server-side
// with raw HTML off) and everything else is set with textContent.
'use strict';

const $ = (id) => document.getElementById(id);

async function api(method, path, body, desk) {
  const headers = {'Content-Type': 'application/json'};
  if (desk) { headers['X-Review-Desk'] = desk.id; headers['X-Review-TA'] = desk.ta; }
  const response = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                                      credentials: 'same-origin'});
  const data = await response.json().catch(() => ({error: `HTTP ${response.status}`}));
  if (!response.ok) {
    const error = new Error(data.error || `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

function say(text) { $('status').textContent = text; }

function typing(event) {
  const t = event.target;
  return t && (t.tagName === 'TEXTAREA' || t.tagName === 'INPUT' || t.isContentEditable);
}

// ------------------------------------------------------------------ the items page
function indexPage() {
  const links = [...document.querySelectorAll('a.item-link')];
  document.addEventListener('keydown', (event) => {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    const n = Number(event.key);
    if (n >= 1 && n <= links.length) { window.location = links[n - 1].href; }
  });
  $('export').addEventListener('click', () => exportGrades());
}

async function exportGrades(desk) {
  say('Exporting…');
  try {
    const data = await api('POST', '/api/export', {}, desk);
    say(`Exported: ${data.submissions} submissions, grades.csv and report.html rewritten.`);
  } catch (e) { say(`Export failed: ${e.message}`); }
}

// ------------------------------------------------------------------ the desk
class Desk {
  constructor(root) {
    this.item = root.dataset.item;
    this.id = root.dataset.desk;
    this.ta = root.dataset.ta;
    this.items = root.dataset.items.split(' ');
    this.max = Number(root.dataset.max);
    this.answers = []; this.deductions = []; this.bank = []; this.index = 0; this.bankPick = -1;
  }

  async start() {
    const items = await api('GET', '/api/items', undefined, this);
    this.deductions = items.find((it) => it.id === this.item).deductions;
    this.renderDeductionPoints();
    await this.reload();
    const wanted = Number(new URLSearchParams(window.location.search).get('submission'));
    const at = this.answers.findIndex((a) => a.submission === wanted);
    const first = at >= 0 ? at : Math.max(0, this.answers.findIndex((a) => a.points === null));
    await this.go(first, 1, false);
    document.addEventListener('keydown', (event) => this.key(event));
    setInterval(() => this.claim(this.index, 1, false, true), 30000);     // keep the claim while the answer is open
    window.addEventListener('pagehide', () => navigator.sendBeacon('/api/release?desk=' + this.id));
  }

  async reload() {
    this.answers = await api('GET', `/api/answers?item=${encodeURIComponent(this.item)}`, undefined, this);
    this.bank = await api('GET', `/api/comments?item=${encodeURIComponent(this.item)}`, undefined, this);
  }

  get current() { return this.answers[this.index]; }

  async claim(index, direction, ungraded, quiet) {
    const answer = this.answers[index];
    if (!answer) return null;
    try {
      const got = await api('POST', '/api/claim',
                            {item: this.item, submission: answer.submission, direction, ungraded}, this);
      if (got.moved && !quiet) {
        say(`#${answer.submission} is open at ${got.claimed_by}'s desk: here is #${got.submission}.`);
      }
      return this.answers.findIndex((a) => a.submission === got.submission);
    } catch (e) {
      if (!quiet) say(e.status === 409 ? 'Every answer left is open at another desk.' : e.message);
      return null;
    }
  }

  async go(index, direction = 1, ungraded = false) {
    if (!this.answers.length) { say('No answers to grade.'); return; }
    index = (index + this.answers.length) % this.answers.length;
    const got = await this.claim(index, direction, ungraded, false);
    if (got === null || got < 0) return;
    this.index = got;
    this.closeComment();
    this.render();
  }

  render() {
    const a = this.current;
    $('answer-number').textContent = `Answer #${a.submission}`;
    $('position').textContent = `${this.index + 1} of ${this.answers.length}`;
    $('flag').hidden = !a.flagged;
    $('name').textContent = a.name ? `${a.name}${a.user_id ? ' (' + a.user_id + ')' : ''}` : '';
    $('problem').hidden = !a.problem; $('problem').textContent = a.problem || '';
    $('answer').innerHTML = a.answer_html || '<p><em>No written answer found under the prompt.</em></p>';
    const tables = $('tables'); tables.replaceChildren();
    for (const t of a.tables) { const pre = document.createElement('pre'); pre.textContent = t; tables.append(pre); }
    const images = $('images'); images.replaceChildren();
    for (const src of a.images) {
      const img = document.createElement('img');
      img.src = src;
      img.alt = 'plot saved in the notebook';
      images.append(img);
    }
    $('points').textContent = a.points === null ? '–' : String(a.points);
    $('graded-by').textContent = a.points === null ? 'not graded yet' : `by ${a.graded_by}`;
    $('provisional').textContent = a.provisional_points === null ? 'none' : `${a.provisional_points} / ${this.max}`;
    $('provisional-why').textContent = a.provisional_message || '';
    $('comment-shown').textContent = a.comment ? `Comment: ${a.comment}` : '';
    const list = $('deductions'); list.replaceChildren();
    this.deductions.forEach((d, i) => {
      const li = document.createElement('li');
      li.dataset.id = d.id;
      li.className = a.deductions.includes(d.id) ? 'applied' : '';
      const key = document.createElement('kbd'); key.textContent = i < 9 ? String(i + 1) : '·';
      const pts = document.createElement('span'); pts.className = 'pts'; pts.textContent = ` −${d.points} `;
      li.append(key, pts, document.createTextNode(d.message || d.id));
      list.append(li);
    });
    const graded = this.answers.filter((x) => x.points !== null).length;
    $('progress').textContent = `${graded} of ${this.answers.length} graded on this item.`;
  }

  async save(change) {
    const a = this.current;
    const payload = {item: this.item, submission: a.submission, comment: a.comment || '', ...change};
    say(`Saving #${a.submission}…`);
    try {
      const saved = await api('POST', '/api/scores', payload, this);
      Object.assign(a, {points: saved.points, comment: saved.comment, deductions: saved.deductions,
                        graded_by: this.ta, from_desk: true});
      if (saved.comment && !this.bank.includes(saved.comment)) this.bank.unshift(saved.comment);
      say(`Saved #${a.submission}: ${saved.points} / ${this.max}.`);
      this.render();
    } catch (e) { say(`Not saved: ${e.message}`); }
  }

  toggle(i) {
    const d = this.deductions[i];
    if (!d) return;
    const applied = new Set(this.current.from_desk === false ? [] : this.current.deductions);
    if (applied.has(d.id)) applied.delete(d.id); else applied.add(d.id);
    this.save({deductions: this.deductions.map((x) => x.id).filter((x) => applied.has(x))});
  }

  openComment() {
    $('comment-box').hidden = false;
    const box = $('comment');
    box.value = this.current.comment || '';
    this.bankPick = -1;
    this.renderBank();
    box.focus();
  }

  closeComment() { $('comment-box').hidden = true; if (document.activeElement === $('comment')) $('comment').blur(); }

  renderBank() {
    const ul = $('bank'); ul.replaceChildren();
    this.bank.forEach((text, i) => {
      const li = document.createElement('li'); li.textContent = text;
      if (i === this.bankPick) li.className = 'picked';
      ul.append(li);
    });
  }

  commentKey(event) {
    if (event.key === 'Tab' && this.bank.length) {
      event.preventDefault();
      this.bankPick = (this.bankPick + (event.shiftKey ? this.bank.length - 1 : 1)) % this.bank.length;
      $('comment').value = this.bank[this.bankPick];
      this.renderBank();
    } else if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      const known = this.deductions.map((d) => d.id);
      const applied = this.current.from_desk === false ? [] : this.current.deductions.filter((id) => known.includes(id));
      this.current.comment = $('comment').value.trim();
      this.closeComment();
      this.save({deductions: applied});
    } else if (event.key === 'Escape') {
      event.preventDefault();
      this.closeComment();
    }
  }

  async undo() {
    try {
      const data = await api('POST', '/api/undo', {}, this);
      if (!data.undone) { say('Nothing to undo.'); return; }
      await this.reload();
      const at = data.undone.item !== this.item ? -1
        : this.answers.findIndex((a) => a.submission === data.undone.submission);
      if (at >= 0) this.index = at;
      this.render();
      say(`Undone on #${data.undone.submission} (${data.undone.item}).`);
    } catch (e) { say(`Undo failed: ${e.message}`); }
  }

  async flag() {
    const a = this.current;
    try {
      await api('POST', '/api/flag', {item: this.item, submission: a.submission, flagged: !a.flagged}, this);
      a.flagged = !a.flagged; this.render();
      say(a.flagged ? `#${a.submission} flagged for a second look.` : `Flag removed from #${a.submission}.`);
    } catch (e) { say(e.message); }
  }

  async reveal() {
    try {
      const data = await api('POST', '/api/reveal', {submission: this.current.submission}, this);
      Object.assign(this.current, {name: data.name, user_id: data.user_id}); this.render();
      say('Name revealed (logged).');
    } catch (e) { say(e.message); }
  }

  nextUngraded() {
    const n = this.answers.length;
    for (let k = 1; k <= n; k++) {
      const i = (this.index + k) % n;
      if (this.answers[i].points === null) return this.go(i, 1, true);
    }
    say('Every answer of this item is graded: ] opens the next item.');
    return null;
  }

  otherItem(step) {
    const i = this.items.indexOf(this.item);
    const next = this.items[(i + step + this.items.length) % this.items.length];
    window.location = `/item/${encodeURIComponent(next)}`;
  }

  renderDeductionPoints() {
    const box = $('deduction-points'); box.replaceChildren();
    for (const d of this.deductions) {
      const label = document.createElement('label'); label.className = 'deduction-points';
      const input = document.createElement('input'); input.type = 'number'; input.min = '0'; input.step = '0.5';
      input.value = d.points; input.dataset.id = d.id; input.style.width = '4.5rem';
      input.addEventListener('change', async () => {
        try {
          const r = await api('POST', '/api/deductions', {id: d.id, points: Number(input.value)}, this);
          d.points = Number(input.value);
          await this.reload(); this.render();
          say(`${d.id} now costs ${d.points}: ${r.rescored} answer(s) re-scored.`);
        } catch (e) { say(e.message); input.value = d.points; }
      });
      label.append(input, document.createTextNode(` ${d.id}`));
      box.append(label, document.createElement('br'));
    }
  }

  key(event) {
    if (event.target === $('comment')) { this.commentKey(event); return; }
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    const k = event.key;
    if (k >= '1' && k <= '9') this.toggle(Number(k) - 1);
    else if (k === '0') this.save({deductions: []});
    else if (k === 'c') { event.preventDefault(); this.openComment(); }
    else if (k === 'j') this.go(this.index + 1, 1);
    else if (k === 'k') this.go(this.index - 1, -1);
    else if (k === 'n') this.nextUngraded();
    else if (k === 'f') this.flag();
    else if (k === 'u') this.undo();
    else if (k === ']') this.otherItem(1);
    else if (k === '[') this.otherItem(-1);
    else if (k === 'h') window.location = '/';
    else return;
    event.preventDefault();
  }
}

document.addEventListener('DOMContentLoaded', () => {
  const root = $('desk');
  if (root) {
    const desk = new Desk(root);
    $('reveal').addEventListener('click', () => desk.reveal());
    $('export').addEventListener('click', () => exportGrades(desk));
    desk.start().catch((e) => say(`The desk could not start: ${e.message}`));
  } else if ($('export')) {
    indexPage();
  }
});
