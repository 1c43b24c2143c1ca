"""A fake Canvas (tests/fake_canvas.py) seeded with the sample's students, started for a test and stopped after."""
import pytest

from fake_canvas import FakeCanvas


@pytest.fixture
def fake():
    fake = FakeCanvas()
    fake.seed_sample()
    fake.start()
    yield fake
    fake.stop()
