"""Provision the Superset metadata database (run by the Superset venv's python, see manage.sh).

Idempotent, in one process (a Superset app start costs seconds on this machine):
  1. admin user (password from SUPERSET_ADMIN_PASSWORD, else generated once into the secrets dir
     and printed once),
  2. render the asset bundle (superset/bundle.py) and import it with overwrite (the same command
     as POST /api/v1/assets/import/),
  3. roles Leitung (dashboards only), Analyse (dashboards + SQL Lab on the served mart) and one
     role per Gemeinde with a row-level-security filter (its AGS plus its Kreis rows),
  4. demo users for every role (passwords from SOZIALMONITOR_DEMO_PASSWORD, else generated once
     into SECRETS/superset_users.json, mode 0600; the path is printed).

`superset db upgrade` / `superset init` run in manage.sh, only when the marker says they are due.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bundle  # noqa: E402

SECRETS_DIR = Path(os.environ.get("SOZIALMONITOR_SECRETS") or HERE.parent / "var" / "secrets").resolve()
SUPERSET_HOME = Path(os.environ.get("SOZIALMONITOR_SUPERSET_HOME") or HERE.parent / "var" / "superset").resolve()
USERS_FILE = SECRETS_DIR / "superset_users.json"

LEITUNG, ANALYSE = "Leitung", "Analyse"
# Gamma permissions a read-only dashboard reader must not have
WRITE_VIEWS = {"Chart", "Dashboard", "Dataset", "Database", "Tag", "Annotation", "AnnotationLayerRestApi",
               "CssTemplate", "ReportSchedule", "SavedQuery", "Query", "Theme", "ThemeRestApi"}
DROP_PERMS = {("can_explore", "Superset"), ("can_write", "ExploreFormDataRestApi"),
              ("can_csv", "Superset"), ("can_export", "Chart"), ("can_export", "Dashboard"),
              ("can_share_chart", "Superset"), ("can_share_dashboard", "Superset"),
              ("menu_access", "Charts"), ("menu_access", "Datasets"), ("menu_access", "Data"),
              ("can_samples", "Datasource"), ("can_drill", "Dashboard"), ("can_view_query", "Dashboard"),
              ("can_view_chart_as_table", "Dashboard")}


def _write_secret(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def admin_password() -> tuple[str, bool]:
    if os.environ.get("SUPERSET_ADMIN_PASSWORD"):
        return os.environ["SUPERSET_ADMIN_PASSWORD"], False
    path = SECRETS_DIR / "superset_admin_password"
    if path.exists():
        return path.read_text().strip(), False
    pw = secrets.token_urlsafe(14)
    _write_secret(path, pw)
    return pw, True


def gemeinden(published: Path) -> list[tuple[str, str, str]]:
    """(ags, name, kreis_ags) of the Gemeinden: from the published file, else the region profile."""
    if published.exists():
        import duckdb

        con = duckdb.connect(str(published), read_only=True, config={"enable_external_access": False})
        try:
            rows = con.execute("select gebiet_id, gebiet_name, kreis_ags from mart.dim_gebiet "
                               "where gebiet_ebene = 'gemeinde' order by gebiet_id").fetchall()
        finally:
            con.close()
        if rows:
            return [(str(a), str(n), str(k)) for a, n, k in rows]
    region = Path(os.environ.get("SOZIALMONITOR_REGION") or HERE.parent / "seeds/regions/darmstadt-dieburg")
    with (region / "gemeinden_stammdaten.csv").open(encoding="utf-8") as fh:
        return [(r["ags"], r["name_gv"], r["ags"][:5]) for r in csv.DictReader(fh)]


def import_bundle(rendered: Path) -> None:
    from superset.commands.importers.v1.assets import ImportAssetsCommand

    contents = {str(p.relative_to(rendered)): p.read_text(encoding="utf-8") for p in rendered.rglob("*.yaml")}
    ImportAssetsCommand(contents, overwrite=True).run()
    # keep a zip of exactly what was imported (for POST /api/v1/assets/import/ and the tests)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in sorted(contents.items()):
            zf.writestr(f"{rendered.name}/{name}", text)
    (rendered.parent / f"{rendered.name}.zip").write_bytes(buf.getvalue())


def provision() -> dict:
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import db
        from superset import security_manager as sm
        from superset.connectors.sqla.models import RowLevelSecurityFilter, SqlaTable
        from superset.models.core import Database
        from superset.utils.core import override_user

        report: dict = {"created_users": {}}
        # 1 admin
        pw, new = admin_password()
        admin = sm.find_user("admin")
        if admin is None:
            admin = sm.add_user("admin", "Sozialraum", "Admin", "admin@localhost.invalid",
                                sm.find_role("Admin"), password=pw)
            if new:
                report["created_users"]["admin"] = pw
        elif os.environ.get("SUPERSET_ADMIN_PASSWORD"):
            sm.reset_password(admin.id, pw)
        db.session.commit()

        # 2 bundle: the database is the serving copy (OUT/serving/sozialmonitor.duckdb, written by the
        # publisher), never OUT/published; DuckDB spills into Superset's home, not next to that file
        published = bundle.serving_path()
        temp_dir = bundle.duckdb_temp_dir(SUPERSET_HOME)
        temp_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        rendered = bundle.render(SUPERSET_HOME / "bundle", published=published, temp_dir=temp_dir)
        with override_user(admin):
            import_bundle(rendered)
        db.session.commit()

        database = db.session.query(Database).filter_by(uuid=bundle.uuid.UUID(bundle.DB_UUID)).one()
        datasets = db.session.query(SqlaTable).filter(SqlaTable.database_id == database.id).all()
        # every dataset with area rows (indicator values, maps, Sozialindex, exclusions) gets the Gemeinde filters
        rls_tables = [d for d in datasets if str(d.uuid) in bundle.AREA_DATASETS]
        missing = set(bundle.AREA_DATASETS) - {str(d.uuid) for d in rls_tables}
        if missing:
            raise RuntimeError(f"datasets for row-level security not imported: {sorted(missing)}")

        # 3 roles
        gamma = sm.find_role("Gamma")
        sqllab = sm.find_role("sql_lab")

        def reader_perms() -> list:
            out = []
            for pv in gamma.permissions:
                pair = (pv.permission.name, pv.view_menu.name)
                if pair in DROP_PERMS:
                    continue
                if pv.permission.name == "can_write" and pv.view_menu.name in WRITE_VIEWS:
                    continue
                out.append(pv)
            return out

        def ds_perms() -> list:
            out = []
            for ds in datasets:
                pv = sm.find_permission_view_menu("datasource_access", ds.get_perm())
                if pv is None:
                    sm.add_permission_view_menu("datasource_access", ds.get_perm())
                    pv = sm.find_permission_view_menu("datasource_access", ds.get_perm())
                out.append(pv)
            return out

        def set_role(name: str, perms: list):
            role = sm.find_role(name) or sm.add_role(name)
            role.permissions = list({pv.id: pv for pv in perms if pv is not None}.values())
            return role

        base = reader_perms() + ds_perms()
        set_role(LEITUNG, base)
        db_pv = sm.find_permission_view_menu("database_access", database.perm)
        if db_pv is None:
            sm.add_permission_view_menu("database_access", database.perm)
            db_pv = sm.find_permission_view_menu("database_access", database.perm)
        analyse_perms = list(gamma.permissions) + list(sqllab.permissions) + ds_perms() + [db_pv]
        set_role(ANALYSE, analyse_perms)

        users = _load_users()
        wanted = [("leitung", "Leitung", "Kreisverwaltung", [LEITUNG]),
                  ("analyse", "Analyse", "Sozialplanung", [ANALYSE])]
        gem = gemeinden(published)
        for ags, name, kreis in gem:
            role_name = f"Gemeinde {ags}"  # by AGS only: names differ between sources
            set_role(role_name, base)
            # own Gemeinde, its Kreis, and the comparison rows of Land and Bund (public official statistics)
            clause = (f"gebiet_id = '{ags}' OR (gebiet_ebene = 'kreis' AND gebiet_id = '{kreis}') "
                      f"OR gebiet_ebene IN ('land', 'bund')")
            rls_name = f"Gemeinde {ags}"
            rls = db.session.query(RowLevelSecurityFilter).filter_by(name=rls_name).one_or_none()
            if rls is None:
                rls = RowLevelSecurityFilter(name=rls_name)
                db.session.add(rls)
            rls.description = f"{name}: nur die eigene Gemeinde, die Kreiszeilen und Land/Bund als Vergleich"
            rls.filter_type = "Regular"
            rls.clause = clause
            rls.group_key = None
            rls.tables = rls_tables
            rls.roles = [sm.find_role(role_name)]
            wanted.append((f"gemeinde_{ags}", "Gemeinde", name, [role_name]))
        db.session.commit()

        # 4 demo users
        common = os.environ.get("SOZIALMONITOR_DEMO_PASSWORD")
        for username, first, last, roles in wanted:
            role_objs = [sm.find_role(r) for r in roles]
            user = sm.find_user(username)
            pw = common or users.get(username)
            if user is None:
                if not pw:
                    pw = secrets.token_urlsafe(12)
                    report["created_users"][username] = pw
                sm.add_user(username, first, last, f"{username}@localhost.invalid", role_objs, password=pw)
            else:
                user.roles = role_objs
                if common:
                    sm.reset_password(user.id, common)
            if not common:
                users[username] = pw or users.get(username)
        db.session.commit()
        if not common:
            _write_secret(USERS_FILE, json.dumps(users, indent=1, sort_keys=True))
        report["roles"] = [LEITUNG, ANALYSE] + [f"Gemeinde {a}" for a, _, _ in gem]
        report["dashboards"] = len(list((rendered / "dashboards").glob("*.yaml")))
        report["charts"] = len(list((rendered / "charts").glob("*.yaml")))
        report["database"] = f"duckdb:///{published}" + ("" if published.exists() else (
            "  (FEHLT noch: die Serving-Kopie schreibt der Publisher bei jeder Veröffentlichung, "
            "`sozialmonitor build`)"))
        return report


def _load_users() -> dict:
    if USERS_FILE.exists():
        return json.loads(USERS_FILE.read_text())
    return {}


def main() -> int:
    report = provision()
    print(f"Superset provisioniert: {report['dashboards']} Dashboards, {report['charts']} Charts, "
          f"{len(report['roles'])} Rollen; Datenbank {report['database']}")
    created = report["created_users"]
    if "admin" in created:
        print(f"  Benutzer 'admin', Passwort (wird nur einmal angezeigt): {created['admin']}")
    demo = [u for u in created if u != "admin"]
    if demo:
        print(f"  {len(demo)} Demo-Benutzer angelegt (leitung, analyse, gemeinde_<AGS>); "
              f"Passwörter in {USERS_FILE} (nicht im Repository)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
