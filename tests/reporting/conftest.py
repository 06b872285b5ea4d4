# Reports are built from encounters: the same program, peers and clients as their tests.
from tests.encounters.conftest import setup  # noqa: F401
