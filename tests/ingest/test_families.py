"""The source declarations (orchestration/ingest/families.py) are the one list of raw tables: the dbt
sources must name exactly the declared tables, and the Dagster assets are made from the declarations."""

from __future__ import annotations

import yaml

from orchestration.ingest import families
from orchestration.ingest.delivery import FAMILY_SUFFIXES
from orchestration.settings import DBT_PROJECT_DIR


def dbt_source_tables() -> dict[str, str]:
    """raw table -> the sources yml that declares it, read from dbt_project/models/**/*.yml."""
    tables: dict[str, str] = {}
    for path in sorted((DBT_PROJECT_DIR / "models").rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for source in document.get("sources") or []:
            assert source.get("schema") == "raw", f"{path}: source {source['name']} is not in schema raw"
            for table in source.get("tables") or []:
                name = table.get("identifier") or table["name"]
                assert name not in tables, f"raw.{name} declared twice: {tables[name]} and {path}"
                tables[name] = str(path.relative_to(DBT_PROJECT_DIR))
    return tables


def test_dbt_sources_are_exactly_the_declared_raw_tables():
    sources = dbt_source_tables()
    declared = families.declared_tables()
    assert len(sources) > 10  # the sources were found and read
    missing_in_dbt = sorted(declared - set(sources))
    undeclared = sorted(set(sources) - declared)
    assert not missing_in_dbt, f"declared in orchestration/ingest/families.py but no dbt source: {missing_in_dbt}"
    assert not undeclared, f"dbt sources no family declares: {[(t, sources[t]) for t in undeclared]}"


def test_every_table_belongs_to_its_family_and_every_loader_exists():
    for family in families.SOURCES.values():
        assert all(t.startswith(f"{family.name}__") for t in family.tables), family.name
        assert callable(family.load), family.loader
        assert set(family.after) <= set(families.SOURCES) - {family.name}, family.name
        assert set(family.checked_against) <= set(families.SOURCES) - {family.name}
    assert [f.name for f in families.DELIVERIES] == list(FAMILY_SUFFIXES)
    assert families.REGION.kind == families.KONFIGURATION
    assert {f.kind for f in families.DELIVERIES} == {families.LIEFERUNG}


def test_assets_come_from_the_declarations():
    from orchestration.ingest.assets import ingest_assets

    keys = {"/".join(k.path) for a in ingest_assets for k in a.keys}
    assert keys == {f"raw/{t}" for t in families.declared_tables()}
    step = next(a for a in ingest_assets if a.node_def.name == "raw_lieferungen")
    deps = {"/".join(d.path) for k in step.keys if k.path[-1].startswith("sgb2__") for d in step.asset_deps[k]}
    assert "raw/genesis__werte" in deps and "raw/melderegister__einwohner" in deps and "raw/region__profil" in deps


def test_the_settings_become_the_ingest_options(tmp_path):
    from orchestration.ingest.assets import options
    from orchestration.settings import DEMO_KEY_FILE, Settings

    demo = options(Settings(demo=True, max_reject_share=0.2))
    assert demo.max_reject_share == 0.2
    assert (demo.key.secret, demo.key.file, demo.key.demo_file) == (None, None, DEMO_KEY_FILE)
    real = options(Settings(pseudonym_key_file=str(tmp_path / "k.key"), pseudonym_key="x" * 20))
    assert real.max_reject_share == 0.01
    assert (real.key.secret, real.key.file, real.key.demo_file) == ("x" * 20, str(tmp_path / "k.key"), DEMO_KEY_FILE)
    elsewhere = options(Settings(demo=True, demo_key_file=str(tmp_path / "demo.key")))
    assert elsewhere.key.demo_file == tmp_path / "demo.key"
