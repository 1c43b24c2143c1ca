"""The TA's review desk (``grader review DIR``): the written parts graded question by question in a browser.

store (the desk's tables in the gradebook: marks, audit log, claims, flags, deduction points), answers (each
student's answer to an item, rendered safely), similarity (similar code and text between submissions), views
(the similarity section of report.html and the side-by-side pages), app (the Flask app), serve (the command).
"""
