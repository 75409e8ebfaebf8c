"""Where the tests find the data that is not in this repository: `../shared` (PolNeAR, the seed article).

Tests ask for it through the fixtures of conftest.py (`seed_text`, `polnear_dev`, ...), which skip
cleanly when it is absent and put the test in the `full` tier.
"""
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SHARED = TESTS.parent.parent / "shared"
SEED = SHARED / "examples" / "seed-article.txt"  # The Epoch Times, 2021-11-24, with a newsletter/advert tail
POLNEAR = SHARED / "data" / "polnear"
POLNEAR_TRAIN = POLNEAR / "train"
POLNEAR_DEV = POLNEAR / "dev"
