"""Project conventions as dbt-score rules (configured in pyproject.toml [tool.dbt-score]).

dbt-score loads this module as the rule namespace `revops.conventions` (the package that
`pip install -e .` installs; scripts/setup.sh does). Together with dbt-score's own
`has_description` and `columns_have_description` these rules check what CONTRIBUTING.md asks of
every model, and the rules of dbt-project-evaluator this project agrees with (DECISIONLOG.md):

  name_matches_layer           stg_<system>__<table> / int_<what> / fct_|mart_<name>, by folder;
                               a staging model in models/staging/<system>/ is stg_<system>__*
  has_primary_key_test         unique + not_null on one column, or unique_combination
  mart_has_enforced_contract   marts: contract enforced, data_type on every column
  declared_not_null_is_checked a column's not_null constraint is enforced (a contracted table) or
                               checked (the model's or seed's declared_not_null test)
  source_only_in_staging       no source() outside models/staging (evaluator: direct join to source)
  staging_reads_one_table      a staging model reads at most one source table
  layers_flow_downstream       staging reads no intermediate/mart; intermediate reads no mart
  no_hard_coded_relations      no schema.table written into SQL instead of ref()/source()
  access_by_layer              marts public, intermediate and staging protected; every model in a group
  source_in_one_folder         a source's staging models live in the folder of its yml (one folder per source)
  exposure_reads_public_models exposures depend on public models (marts) only

A model states an exception to a rule in its yml, with the reason, and the rule then passes:

    config:
      meta:
        convention_exceptions:
          has_primary_key_test: "an event log: two events of one lead may share a timestamp"

tests/python/test_governance.py runs `dbt-score lint` on a freshly parsed manifest and fails on
any violation; tests/python/test_conventions.py checks what dbt-score cannot see (semantic models
read marts only) and lists the exceptions in force.
"""

# No `from __future__ import annotations`: dbt-score reads the rule functions' annotations at runtime.
import re
from pathlib import PurePosixPath

from dbt_score import Exposure, Model, RuleViolation, Seed, Severity, Source, rule

# models/<layer>/... -> the name pattern of that layer.
LAYER_NAME_PATTERNS: dict[str, re.Pattern[str]] = {
    "staging": re.compile(r"^stg_[a-z0-9]+__[a-z0-9_]+$"),
    "intermediate": re.compile(r"^int_[a-z0-9_]+$"),
    "marts": re.compile(r"^(fct|mart)_[a-z0-9_]+$"),
}
PRIMARY_KEY_TESTS = frozenset({"unique_combination"})


LAYER_ORDER = {"staging": 0, "intermediate": 1, "marts": 2}
# schema.table written into SQL: the project's schemas, outside {{ ... }}.
HARD_CODED_RELATION = re.compile(
    r"\b(?:from|join)\s+(?:raw|staging|intermediate|marts|seeds|ops)\.[a-z_][a-z0-9_]*", re.IGNORECASE
)


def _path_parts(path: str) -> list[str]:
    return path.replace("\\", "/").split("/")


def layer_of(model: Model) -> str | None:
    """The layer folder a model lives in (models/<layer>/...), or None outside one."""
    parts = _path_parts(model.original_file_path)
    if len(parts) >= 3 and parts[0] == "models" and parts[1] in LAYER_NAME_PATTERNS:
        return parts[1]
    return None


def excepted(model: Model | Source, rule_name: str) -> bool:
    """The model states an exception to the rule, with a reason (config.meta.convention_exceptions)."""
    exceptions = (model.config.get("meta") or {}).get("convention_exceptions") or model.meta.get(
        "convention_exceptions", {}
    )
    return bool(str(exceptions.get(rule_name, "")).strip())


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
    parts = _path_parts(model.original_file_path)
    if layer == "staging" and len(parts) > 3 and not model.name.startswith(f"stg_{parts[2]}__"):
        return RuleViolation(
            message=f"A staging model in models/staging/{parts[2]}/ is named stg_{parts[2]}__<table>, "
            f"not {model.name}."
        )
    return None


@rule(severity=Severity.CRITICAL)
def has_primary_key_test(model: Model) -> RuleViolation | None:
    """A model has a primary-key test: unique + not_null on one column, or unique_combination."""
    if excepted(model, "has_primary_key_test"):
        return None
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


ENFORCING_MATERIALIZATIONS = frozenset({"table", "incremental"})
"""Where dbt has the engine enforce an enforced contract's constraints (a view's are ignored)."""


def _unchecked_not_null(node: Model | Seed, enforced: bool) -> RuleViolation | None:
    declared = [
        column.name
        for column in node.columns
        if any(constraint.type == "not_null" for constraint in column.constraints or [])
    ]
    if not declared or enforced or any(test.type == "declared_not_null" for test in node.tests):
        return None
    return RuleViolation(
        message=f"not_null constraints that nothing checks ({', '.join(declared)}): the engine enforces them "
        "only on a contract-enforced table; add the model-level test declared_not_null."
    )


@rule(severity=Severity.CRITICAL)
def declared_not_null_is_checked(model: Model) -> RuleViolation | None:
    """A column's not_null constraint is enforced by the engine (a contract-enforced table) or checked
    by the model's declared_not_null test (macros/tests/declared_not_null.sql)."""
    enforced = bool((model.config.get("contract") or {}).get("enforced")) and (
        model.config.get("materialized") in ENFORCING_MATERIALIZATIONS
    )
    return _unchecked_not_null(model, enforced)


@rule(severity=Severity.CRITICAL)
def seed_declared_not_null_is_checked(seed: Seed) -> RuleViolation | None:
    """A seed column's not_null constraint is checked by the seed's declared_not_null test (nothing
    enforces a seed's constraints)."""
    return _unchecked_not_null(seed, enforced=False)


@rule(severity=Severity.CRITICAL)
def source_only_in_staging(model: Model) -> RuleViolation | None:
    """Only staging models read sources; everything else refs staging (dbt-project-evaluator)."""
    sources = [node for node in model.depends_on.get("nodes", []) if node.startswith("source.")]
    if sources and layer_of(model) != "staging" and not excepted(model, "source_only_in_staging"):
        return RuleViolation(message=f"source() outside models/staging: {', '.join(sorted(sources))}.")
    return None


@rule(severity=Severity.CRITICAL)
def staging_reads_one_table(model: Model) -> RuleViolation | None:
    """A staging model renames and casts one source table."""
    sources = {node for node in model.depends_on.get("nodes", []) if node.startswith("source.")}
    if layer_of(model) == "staging" and len(sources) > 1 and not excepted(model, "staging_reads_one_table"):
        return RuleViolation(message=f"Reads {len(sources)} source tables: {', '.join(sorted(sources))}.")
    return None


@rule(severity=Severity.CRITICAL)
def layers_flow_downstream(model: Model) -> RuleViolation | None:
    """Staging reads no intermediate or mart model; intermediate reads no mart (the DAG flows down)."""
    layer = layer_of(model)
    if layer is None or excepted(model, "layers_flow_downstream"):
        return None
    upstream_of_later = [
        parent.name
        for parent in model.parents
        if isinstance(parent, Model)
        and layer_of(parent) is not None
        and LAYER_ORDER[layer_of(parent)] > LAYER_ORDER[layer]  # type: ignore[index]
    ]
    if upstream_of_later:
        return RuleViolation(
            message=f"A {layer} model reads later layers: {', '.join(sorted(upstream_of_later))}."
        )
    return None


@rule(severity=Severity.CRITICAL)
def no_hard_coded_relations(model: Model) -> RuleViolation | None:
    """Relations are read through ref() or source(), never written as schema.table."""
    found = HARD_CODED_RELATION.findall(model.raw_code or "")
    if found and not excepted(model, "no_hard_coded_relations"):
        return RuleViolation(message=f"Hard-coded relation(s): {', '.join(sorted(set(found)))}.")
    return None


@rule(severity=Severity.CRITICAL)
def access_by_layer(model: Model) -> RuleViolation | None:
    """Marts are public (the BI contract); intermediate and staging are protected; all have a group."""
    layer = layer_of(model)
    if layer is None or excepted(model, "access_by_layer"):
        return None
    wanted = "public" if layer == "marts" else "protected"
    access = str(model.access or "").split(".")[-1].lower()
    if access != wanted:
        return RuleViolation(message=f"A {layer} model has access {wanted}, not {access or 'unset'}.")
    if not model.group:
        return RuleViolation(message="No group: set +group (dbt_project.yml) or config.group.")
    return None


@rule(severity=Severity.CRITICAL)
def source_in_one_folder(source: Source) -> RuleViolation | None:
    """One folder per source: a source's staging models live in the folder of its yml (or below it,
    e.g. models/staging/salesforce/mapping/)."""
    folder = PurePosixPath(source.original_file_path.replace("\\", "/")).parent
    elsewhere = sorted(
        child.name
        for child in source.children
        if isinstance(child, Model)
        and not PurePosixPath(child.original_file_path.replace("\\", "/")).parent.is_relative_to(folder)
    )
    if elsewhere:
        return RuleViolation(message=f"Read outside {folder}/: {', '.join(elsewhere)}.")
    return None


@rule(severity=Severity.CRITICAL)
def exposure_reads_public_models(exposure: Exposure) -> RuleViolation | None:
    """Exposures (BI, dashboard, semantic layer hand-off) depend on public models, i.e. marts, only."""
    private = sorted(
        parent.name
        for parent in exposure.parents
        if not isinstance(parent, Model) or str(parent.access or "").split(".")[-1].lower() != "public"
    )
    if private:
        return RuleViolation(message=f"Depends on models that are not public: {', '.join(private)}.")
    return None
