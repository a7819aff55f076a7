# Runs after boot.py: start the bench.
from benchcore.app import run

run()
