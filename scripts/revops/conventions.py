"""Project conventions as dbt-score rules (configured in pyproject.toml [tool.dbt-score]).

dbt-score loads this module as the rule namespace `scripts.revops.conventions` (it puts the
working directory, the project root, on the Python path). Together with dbt-score's own
`has_description` and `columns_have_description` these rules check what CONTRIBUTING.md asks of
every model: documented, a primary-key test, the layer in its name, and for marts an enforced
contract with a data_type on every column. tests/python/test_governance.py runs `dbt-score lint`
on a freshly parsed manifest and fails on any violation.
"""

# No `from __future__ import annotations`: dbt-score reads the rule functions' annotations at runtime.
import re

from dbt_score import Model, RuleViolation, Severity, rule

# models/<layer>/... -> the name pattern of that layer.
LAYER_NAME_PATTERNS: dict[str, re.Pattern[str]] = {
    "staging": re.compile(r"^stg_[a-z0-9]+__[a-z0-9_]+$"),
    "intermediate": re.compile(r"^int_[a-z0-9_]+$"),
    "marts": re.compile(r"^(fct|mart)_[a-z0-9_]+$"),
}
PRIMARY_KEY_TESTS = frozenset({"unique_combination"})


def layer_of(model: Model) -> str | None:
    """The layer folder a model lives in (models/<layer>/...), or None outside one."""
    parts = model.original_file_path.replace("\\", "/").split("/")
    if len(parts) >= 3 and parts[0] == "models" and parts[1] in LAYER_NAME_PATTERNS:
        return parts[1]
    return None


@rule(severity=Severity.CRITICAL)
def name_matches_layer(model: Model) -> RuleViolation | None:
    """A model's name says its layer: stg_<source>__<table>, int_<what>, fct_/mart_<name>."""
    layer = layer_of(model)
    if layer is None:
        return RuleViolation(
            message=f"{model.original_file_path} is not under models/staging, models/intermediate or "
            "models/marts."
        )
    if not LAYER_NAME_PATTERNS[layer].match(model.name):
        expected = {"staging": "stg_<source>__<table>", "intermediate": "int_<what>", "marts": "fct_/mart_"}
        return RuleViolation(message=f"{layer} model names start with {expected[layer]}, not {model.name}.")
    return None


@rule(severity=Severity.CRITICAL)
def has_primary_key_test(model: Model) -> RuleViolation | None:
    """A model has a primary-key test: unique + not_null on one column, or unique_combination."""
    for column in model.columns:
        test_types = {test.type for test in column.tests}
        if {"unique", "not_null"} <= test_types:
            return None
    if any(test.type in PRIMARY_KEY_TESTS for test in model.tests):
        return None
    return RuleViolation(
        message="No primary-key test: add unique and not_null to the key column, or unique_combination."
    )


@rule(severity=Severity.CRITICAL)
def mart_has_enforced_contract(model: Model) -> RuleViolation | None:
    """A mart (models/marts/...) enforces its contract and declares a data_type for every column."""
    if layer_of(model) != "marts":
        return None
    contract = model.config.get("contract") or {}
    if not contract.get("enforced"):
        return RuleViolation(message="Mart without `contract: {enforced: true}`.")
    untyped = [column.name for column in model.columns if not column.data_type]
    if untyped:
        return RuleViolation(message=f"Contract columns without data_type: {', '.join(untyped)}.")
    if not model.columns:
        return RuleViolation(message="Contract declares no columns.")
    return None
