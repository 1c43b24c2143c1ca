"""Take docs/review-desk.png: the review desk on a graded copy of the sample (README "The review desk").

    python docs/review_screenshot.py GRADED_FOLDER      # a folder `grader grade` wrote for the sample zip

Works on a copy of the folder (the desk writes marks); needs Playwright for Python and /usr/bin/chromium.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from grader.review.app import create_app

ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run']


def main(graded: Path, png: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / 'graded'
        shutil.copytree(graded, folder)
        import sqlite3
        db = sqlite3.connect(folder / 'gradebook.sqlite')
        with db:
            db.execute('UPDATE submissions SET notebook_path = replace(notebook_path, ?, ?)',
                       (str(graded), str(folder)))
        db.close()
        app = create_app(folder, token='screenshot', ta='Tess')
        server = make_server('127.0.0.1', 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f'http://127.0.0.1:{server.server_port}'
        with sync_playwright() as p:
            env = {**os.environ, 'HOME': tmp, 'XDG_CONFIG_HOME': f'{tmp}/.config'}    # chromium's crash database
            context = p.chromium.launch_persistent_context(str(Path(tmp) / 'profile'), headless=True, args=ARGS,
                                                           executable_path='/usr/bin/chromium', env=env,
                                                           viewport={'width': 1360, 'height': 860})
            page = context.new_page()
            page.goto(f'{base}/?token=screenshot')
            page.keyboard.press('1')
            page.wait_for_selector('#answer-number:has-text("Answer #")')
            # the answer that picked its best row by RMSE Train
            for _ in range(20):
                if 'very good' in page.text_content('#answer'):
                    break
                page.keyboard.press('j')
                page.wait_for_timeout(300)
            page.keyboard.press('1')
            page.wait_for_selector('#status:has-text("Saved")')
            page.keyboard.press('c')
            page.fill('#comment', 'RMSE Train picks the row that overfits most: choose by RMSE Val.')
            page.keyboard.press('Enter')
            page.wait_for_selector('#comment-shown:has-text("RMSE Train picks")')
            page.screenshot(path=str(png))
            context.close()
        server.shutdown()


if __name__ == '__main__':
    main(Path(sys.argv[1]), Path(__file__).with_name('review-desk.png'))
