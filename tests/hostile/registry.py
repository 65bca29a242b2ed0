"""Every family's case table, and the matrix of (family, operation, case) they make."""

from __future__ import annotations

from . import cases_cgi, cases_dvrip, cases_foscam, cases_grandstream
from .table import OPERATIONS, Case, Family

FAMILIES: tuple[Family, ...] = (
    cases_cgi.FAMILY,
    cases_foscam.FAMILY,
    cases_dvrip.FAMILY,
    cases_grandstream.FAMILY,
)


def case_id(family: Family, operation: str, case: Case) -> str:
    return f"{family.name}-{operation}-{case.name}"


def matrix() -> list[tuple[Family, str, Case]]:
    """Every case of every family, in table order."""
    return [
        (family, operation, case)
        for family in FAMILIES
        for operation in OPERATIONS
        for case in family.operations.get(operation, ())
    ]
