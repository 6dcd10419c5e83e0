"""dbt context for sqlfluff's jinja templater (dbt_project/.sqlfluff: library_path).

sqlfluff's own dbt builtins render every `var()` as the placeholder string "item"; the models loop
over and compute with their vars (e.g. the age bands of int_bevoelkerung__altersbaender), so the
linted SQL would not be the SQL dbt runs. Here `var()` returns the value dbt would use: the
project's `vars:` from dbt_project.yml, else the default given in the call. The remaining names are
the few other dbt context members the models use; `ref`/`source`/`config`/`is_incremental`/`this`
come from sqlfluff's dbt builtins.
"""

import datetime
import itertools
import re
from pathlib import Path
from types import SimpleNamespace

import yaml

_PROJECT = yaml.safe_load((Path(__file__).resolve().parent.parent / "dbt_project.yml").read_text("utf-8"))
_VARS = _PROJECT.get("vars") or {}
_NO_DEFAULT = object()


def var(name, default=_NO_DEFAULT):
    """dbt's var(): the project value, else the default; a missing var without default fails as in dbt."""
    if name in _VARS:
        return _VARS[name]
    if default is _NO_DEFAULT:
        raise KeyError(f"Required var {name!r} not found in dbt_project.yml and given without default")
    return default


def env_var(name, default=""):
    """dbt's env_var() with its default; linting must not depend on the environment."""
    return default


# dbt's `modules` context (the Python modules dbt exposes to jinja)
modules = SimpleNamespace(re=re, datetime=datetime, itertools=itertools)
# run-time arguments of the dbt invocation: none when linting (the models fall back to relative paths)
invocation_args_dict = {}
