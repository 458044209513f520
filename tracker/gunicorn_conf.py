"""gunicorn settings the tracker is served with (``gunicorn -c python:tracker.gunicorn_conf``).

Command-line flags still set the address, workers and timeouts; this module holds what has no
flag. gunicorn names itself and its version in a ``Server`` header on every response, which
tells an attacker which advisories to try: the header says only "tracker".
"""

import gunicorn.http.wsgi

gunicorn.http.wsgi.SERVER = "tracker"
