"""The migration tests use the preflight tests' AWS fixtures (moto on 127.0.0.1)."""

from tests.preflight.conftest import aws, moto_endpoint  # noqa: F401 - fixtures, used by name
