"""dagster-dbt wiring: the dbt project's models, seeds and tests as Dagster assets and asset checks."""
