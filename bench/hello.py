"""The reference for bench/load.py: a one-line Flask app, served by the same gunicorn config.

What it answers per second on this machine is the ceiling any Flask page can reach here;
the portal's figures divided by it show how much of the machine the portal itself uses.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
