import json
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def profile():
    with open(os.path.join(ROOT, "hardware", "profiles", "reference.json")) as f:
        return json.load(f)


class Clock:
    def __init__(self):
        self.ms = 0.0

    def __call__(self):
        return self.ms


@pytest.fixture
def clock():
    return Clock()
