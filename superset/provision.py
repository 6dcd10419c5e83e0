"""Provision the Superset metadata database (run by the Superset venv's python, see manage.sh).

Idempotent, in one process (a Superset app start costs seconds on this machine):
  1. admin user (password from SUPERSET_ADMIN_PASSWORD, else generated once into the secrets dir
     and printed once),
  2. render the asset bundle (superset/bundle.py) and import it with overwrite (the same command
     as POST /api/v1/assets/import/),
  3. roles Leitung (dashboards only), Analyse (dashboards + SQL Lab on the served mart), one role per
     Gemeinde and one per Träger (superset/traeger.csv) with a row-level-security filter by data class
     (public rows of every area; confidential rows only of the Gemeinde, its Sozialraum and its Kreis, resp.
     of the Träger's Sozialräume), and the anonymous role Public: the public dashboard and its dataset only,
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
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bundle  # noqa: E402
import bundle_massnahmen  # noqa: E402

SECRETS_DIR = Path(os.environ.get("SOZIALMONITOR_SECRETS") or HERE.parent / "var" / "secrets").resolve()
SUPERSET_HOME = Path(os.environ.get("SOZIALMONITOR_SUPERSET_HOME") or HERE.parent / "var" / "superset").resolve()
USERS_FILE = SECRETS_DIR / "superset_users.json"
TRAEGER_FILE = Path(os.environ.get("SOZIALMONITOR_TRAEGER") or HERE / "traeger.csv")

LEITUNG, ANALYSE = "Leitung", "Analyse"
PUBLIC = "Public"  # AUTH_ROLE_PUBLIC of superset_config.py: every request without login
# Everything the anonymous role may do besides reading its datasets (datasource_access, added below): open a
# dashboard page, read dashboards and charts (the lists are filtered to what its datasets allow), chart data
# (POST /api/v1/chart/data is Chart can_read), native filter state and the time-range helper the dashboard
# calls. A subset of Superset's own PUBLIC_ROLE_PERMISSIONS: no explore, no legacy explore_json/slice view,
# no datasource metadata, no permalinks, no CSS/annotations, no embedding; no SQL Lab, no dataset or database
# API, no export.
PUBLIC_PERMS = {("can_read", "Dashboard"), ("can_read", "Chart"), ("can_dashboard", "Superset"),
                ("can_read", "DashboardFilterStateRestApi"), ("can_write", "DashboardFilterStateRestApi"),
                ("can_time_range", "Api"), ("can_read", "CurrentUserRestApi"), ("can_read", "Theme")}
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


# A Gemeinde role sees the confidential rows of an aggregate it belongs to only where subtracting what it sees
# leaves at least this many areas: with a Sozialraum of two Gemeinden, Sozialraum − own Gemeinde would be the
# neighbour's confidential value; with a Kreis of two Sozialräume, Kreis − own Sozialraum the other one's.
MIN_TEILE = 3


def _mitglieder(published: Path) -> list[tuple[str, str, str, int | None]]:
    """(ags, sozialraum_id, kreis_ags, jahr) of every Gemeinde and year: from the published file (every cut, a
    Gemeinde split across Sozialräume by Ortsteile has no Sozialraum there), else the region profile (jahr None)."""
    if published.exists():
        import duckdb

        con = duckdb.connect(str(published), read_only=True, config={"enable_external_access": False})
        try:
            rows = con.execute("""
                select distinct gebiet_id, sozialraum_id, kreis_ags, jahr from mart.rpt_indikatorwerte
                where gebiet_ebene = 'gemeinde' and sozialraum_id is not null""").fetchall()
        finally:
            con.close()
        if rows:
            return [(str(a), str(s), str(k), j) for a, s, k, j in rows]
    region = Path(os.environ.get("SOZIALMONITOR_REGION") or HERE.parent / "seeds/regions/darmstadt-dieburg")
    if not (region / "sozialraeume.csv").exists():
        return []
    with (region / "sozialraeume.csv").open(encoding="utf-8") as fh:
        return [(r["ags"], r["sozialraum_id"], r["ags"][:5], None) for r in csv.DictReader(fh)
                if not (r.get("ortsteil_schluessel") or "").strip()]


def freigaben(published: Path) -> tuple[dict[str, set[str]], set[str], set[str]]:
    """What Gemeinde roles may see confidentially beyond their own Gemeinde and Ortsteile, safe against
    differencing: (Gemeinde AGS -> its Sozialräume that have at least MIN_TEILE Gemeinden in every year and lie
    in a Kreis of at least MIN_TEILE Sozialräume in every year; the Kreise with at least MIN_TEILE Gemeinden in
    every year; every Sozialraum)."""
    mitglieder: dict[tuple[str, int | None], set[str]] = defaultdict(set)
    kreis_gemeinden: dict[tuple[str, int | None], set[str]] = defaultdict(set)
    kreis_raeume: dict[tuple[str, int | None], set[str]] = defaultdict(set)
    eigene: dict[str, set[str]] = defaultdict(set)
    kreis_von: dict[str, str] = {}
    for ags, sr, kreis, jahr in _mitglieder(published):
        mitglieder[(sr, jahr)].add(ags)
        kreis_gemeinden[(kreis, jahr)].add(ags)
        kreis_raeume[(kreis, jahr)].add(sr)
        eigene[ags].add(sr)
        kreis_von[sr] = kreis
    zu_klein = {sr for (sr, _), teile in mitglieder.items() if len(teile) < MIN_TEILE}
    kleine_kreise = {k for (k, _), raeume in kreis_raeume.items() if len(raeume) < MIN_TEILE}
    zu_klein |= {sr for sr, kreis in kreis_von.items() if kreis in kleine_kreise}
    kreise = {k for k, _ in kreis_gemeinden} - {k for (k, _), teile in kreis_gemeinden.items() if len(teile) < MIN_TEILE}
    return {ags: ids - zu_klein for ags, ids in eigene.items()}, kreise, set(kreis_von)


def traeger(path: Path = TRAEGER_FILE) -> dict[str, tuple[str, list[str]]]:
    """Träger (superset/traeger.csv: traeger_id,name,sozialraum_id; one line per Sozialraum) -> (name, IDs)."""
    out: dict[str, tuple[str, list[str]]] = {}
    if not path.exists():
        return out
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            tid = (r.get("traeger_id") or "").strip()
            if not tid:
                continue
            if not tid.replace("_", "").isalnum() or not tid.isascii():
                raise ValueError(f"{path}: traeger_id {tid!r} (nur Buchstaben, Ziffern, _)")
            name, ids = out.get(tid, (r["name"].strip(), []))
            ids.append(r["sozialraum_id"].strip())
            out[tid] = (name, ids)
    return out


def _sql_list(values) -> str:
    for v in values:  # identifiers from the published file or a planner's CSV, never free text in SQL
        if "'" in v:
            raise ValueError(f"Gebiets-ID mit Anführungszeichen: {v!r}")
    return ", ".join(f"'{v}'" for v in sorted(values))


def gemeinde_clause(ags: str, kreis: str | None, sozialraum_ids: set[str]) -> str:
    """Row-level security of a Gemeinde role: public rows of every area (datenklasse, dbt macro), confidential
    rows only of the Gemeinde, its Ortsteile, its Sozialraum(e) and its Kreis where `freigaben` allows them
    (`kreis` None: not); Land and Bund are official comparison rows."""
    own = [f"(gebiet_ebene = 'gemeinde' AND gebiet_id = {_sql_list([ags])})",
           # its Ortsteile (Ortsteil-ID = AGS + Ortsteilschlüssel)
           f"(gebiet_ebene = 'ortsteil' AND left(gebiet_id, {len(ags)}) = {_sql_list([ags])})"]
    if sozialraum_ids:
        own.append(f"(gebiet_ebene = 'sozialraum' AND gebiet_id IN ({_sql_list(sozialraum_ids)}))")
    if kreis:
        own.append(f"(gebiet_ebene = 'kreis' AND gebiet_id = {_sql_list([kreis])})")
    return " OR ".join(["datenklasse = 'oeffentlich'", *own, "gebiet_ebene IN ('land', 'bund')"])


def traeger_clause(sozialraum_ids: list[str]) -> str:
    """Row-level security of a Träger role: public rows, plus the confidential rows of its Sozialräume."""
    return (f"datenklasse = 'oeffentlich' OR (gebiet_ebene = 'sozialraum' AND gebiet_id IN "
            f"({_sql_list(sozialraum_ids)}))")


def _hash(args: tuple[str, str, int]) -> str:
    from werkzeug.security import generate_password_hash

    password, method, salt_length = args
    return generate_password_hash(password, method=method, salt_length=salt_length)


def _hash_config() -> tuple[str, int]:
    """The hash Flask-AppBuilder's add_user/reset_password store: FAB_PASSWORD_HASH_METHOD, salt length."""
    from flask import current_app

    return (current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
            current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16))


def hash_password(password: str) -> str:
    return _hash((password, *_hash_config()))


def hash_passwords(passwords: list[str]) -> list[str]:
    """hash_password of each, in parallel processes when there are many (scrypt: ~0.1 s each)."""
    jobs = [(pw, *_hash_config()) for pw in passwords]
    if len(jobs) < 50:
        return [_hash(j) for j in jobs]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor() as pool:
        return list(pool.map(_hash, jobs, chunksize=32))


def import_bundle(rendered: Path) -> None:
    from superset.commands.importers.v1.assets import ImportAssetsCommand

    contents = {str(p.relative_to(rendered)): p.read_text(encoding="utf-8") for p in rendered.rglob("*.yaml")}
    ImportAssetsCommand(contents, overwrite=True).run()
    zip_rendered(rendered)


def zip_rendered(rendered: Path) -> None:
    """Keep a zip of exactly what was imported (for POST /api/v1/assets/import/ and the tests)."""
    contents = {str(p.relative_to(rendered)): p.read_text(encoding="utf-8") for p in rendered.rglob("*.yaml")}
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
        # the measures annotation layers name their source chart by id, known only now
        from superset.models.slice import Slice

        source_id, _ = bundle_massnahmen.resolve_annotations(db.session, Slice)
        db.session.commit()
        if bundle_massnahmen.resolve_rendered(rendered, source_id):
            zip_rendered(rendered)

        database = db.session.query(Database).filter_by(uuid=bundle.uuid.UUID(bundle.DB_UUID)).one()
        datasets = db.session.query(SqlaTable).filter(SqlaTable.database_id == database.id).all()
        # every dataset with area rows (indicator values, maps, Sozialindex, exclusions) gets the Gemeinde filters
        rls_tables = [d for d in datasets if str(d.uuid) in bundle.AREA_DATASETS]
        missing = set(bundle.AREA_DATASETS) - {str(d.uuid) for d in rls_tables}
        if missing:
            raise RuntimeError(f"datasets for row-level security not imported: {sorted(missing)}")
        public_tables = [d for d in datasets if str(d.uuid) in bundle.PUBLIC_DATASETS]
        if len(public_tables) != len(bundle.PUBLIC_DATASETS):
            raise RuntimeError("the public datasets (rpt_oeffentlich, rpt_massnahmen) were not imported")

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

        def ds_perms(only: list | None = None) -> list:
            out = []
            for ds in datasets if only is None else only:
                pv = sm.find_permission_view_menu("datasource_access", ds.get_perm())
                if pv is None:
                    sm.add_permission_view_menu("datasource_access", ds.get_perm())
                    pv = sm.find_permission_view_menu("datasource_access", ds.get_perm())
                out.append(pv)
            return out

        # Every role, RLS filter and user is looked up once and written in one transaction: on the Germany-wide
        # mart (10,801 Gemeinden) per-object lookups and commits (each commit also expires every loaded object,
        # which the next role then reloads row by row) took most of the provisioning time.
        # (loaded with their permissions, and a collection is only replaced when it differs: provisioning again
        # rewrites nothing that is already right)
        from sqlalchemy.orm import selectinload

        roles = {r.name: r for r in db.session.query(sm.role_model).options(selectinload(sm.role_model.permissions))}

        def same(a: list, b: list) -> bool:  # the same ORM objects (identity: no attribute loads)
            return {id(x) for x in a} == {id(x) for x in b}

        def unique(perms: list) -> list:
            return list({pv.id: pv for pv in perms if pv is not None}.values())

        def set_role(name: str, perms: list):
            role = roles.get(name)
            if role is None:
                role = roles[name] = sm.role_model(name=name)
                db.session.add(role)
            if not same(role.permissions, perms):
                role.permissions = list(perms)
            return role

        base = unique(reader_perms() + ds_perms())
        set_role(LEITUNG, base)
        db_pv = sm.find_permission_view_menu("database_access", database.perm)
        if db_pv is None:
            sm.add_permission_view_menu("database_access", database.perm)
            db_pv = sm.find_permission_view_menu("database_access", database.perm)
        analyse_perms = list(gamma.permissions) + list(sqllab.permissions) + ds_perms() + [db_pv]
        set_role(ANALYSE, unique(analyse_perms))

        # the anonymous role: exactly the public dataset(s) and what viewing a dashboard needs
        public_perms = [sm.find_permission_view_menu(perm, view) for perm, view in sorted(PUBLIC_PERMS)]
        set_role(PUBLIC, unique(public_perms + ds_perms(public_tables)))

        filters = {f.name: f for f in db.session.query(RowLevelSecurityFilter).options(
            selectinload(RowLevelSecurityFilter.tables), selectinload(RowLevelSecurityFilter.roles))}

        def set_rls(name: str, description: str, clause: str, role_name: str) -> None:
            rls = filters.get(name)
            if rls is None:
                rls = filters[name] = RowLevelSecurityFilter(name=name)
                db.session.add(rls)
            rls.description = description
            rls.filter_type = "Regular"
            rls.clause = clause
            rls.group_key = None
            if not same(rls.tables, rls_tables):
                rls.tables = list(rls_tables)
            if not same(rls.roles, [roles[role_name]]):
                rls.roles = [roles[role_name]]

        users = _load_users()
        wanted = [("leitung", "Leitung", "Kreisverwaltung", [LEITUNG]),
                  ("analyse", "Analyse", "Sozialplanung", [ANALYSE])]
        gem = gemeinden(published)
        sr_of, kreise, known_sr = freigaben(published)
        for ags, name, kreis in gem:
            role_name = f"Gemeinde {ags}"  # by AGS only: names differ between sources
            set_role(role_name, base)
            clause = gemeinde_clause(ags, kreis if kreis in kreise else None, sr_of.get(ags, set()))
            set_rls(role_name, f"{name}: öffentliche Daten aller Gebiete, vertrauliche nur der eigenen Gemeinde, "
                    f"ihres Sozialraums und des Kreises", clause, role_name)
            wanted.append((f"gemeinde_{ags}", "Gemeinde", name, [role_name]))
        tr = traeger()
        for tid, (name, ids) in tr.items():
            unknown = sorted(set(ids) - known_sr)
            if unknown:
                print(f"  Warnung: Träger {tid}: Sozialräume {unknown} nicht im veröffentlichten Mart", file=sys.stderr)
            role_name = f"Träger {tid}"
            set_role(role_name, base)
            set_rls(role_name, f"{name}: öffentliche Daten aller Gebiete, vertrauliche nur der Sozialräume "
                    f"{', '.join(ids)}", traeger_clause(ids), role_name)
            wanted.append((f"traeger_{tid}", "Träger", name, [role_name]))
        db.session.commit()

        # 4 demo users (one transaction). A common password is hashed once: every demo user gets that hash (the
        # users share the password anyway), instead of one scrypt run (~0.1 s) per user and provisioning; generated
        # passwords of new users are hashed on all cores.
        common = os.environ.get("SOZIALMONITOR_DEMO_PASSWORD")
        common_hash = hash_password(common) if common else None
        existing = {u.username: u for u in db.session.query(sm.user_model).options(selectinload(sm.user_model.roles))}
        new_users = []
        for username, first, last, role_names in wanted:
            role_objs = [roles[r] for r in role_names]
            user = existing.get(username)
            pw = common or users.get(username)
            if user is None:
                if not pw:
                    pw = secrets.token_urlsafe(12)
                    report["created_users"][username] = pw
                new_users.append((username, first, last, role_objs, pw))
            else:
                if not same(user.roles, role_objs):
                    user.roles = role_objs
                if common:
                    user.password = common_hash
            if not common:
                users[username] = pw or users.get(username)
        hashes = [common_hash] * len(new_users) if common else hash_passwords([u[4] for u in new_users])
        for (username, first, last, role_objs, _), hashed in zip(new_users, hashes, strict=True):
            # what sm.add_user stores, without its flush per user (each flush walks every object of the session:
            # quadratic in the number of Gemeinden); no Superset code listens to its signals
            db.session.add(sm.user_model(username=username, first_name=first, last_name=last,
                                         email=f"{username}@localhost.invalid", active=True, roles=role_objs,
                                         password=hashed))
        db.session.commit()
        if not common:
            _write_secret(USERS_FILE, json.dumps(users, indent=1, sort_keys=True))
        report["roles"] = ([LEITUNG, ANALYSE, PUBLIC] + [f"Gemeinde {a}" for a, _, _ in gem]
                           + [f"Träger {t}" for t in tr])
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
        print(f"  {len(demo)} Demo-Benutzer angelegt (leitung, analyse, gemeinde_<AGS>, traeger_<ID>); "
              f"Passwörter in {USERS_FILE} (nicht im Repository)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
