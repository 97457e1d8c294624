"""Test-session set-up shared by the doctests and tests/."""

import os

# scikit-learn's check_array_api_input skips itself unless scipy's array API
# mode is on, and scipy reads this variable once, at import.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
