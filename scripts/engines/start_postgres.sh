#!/usr/bin/env bash
# Make a local PostgreSQL ready for the engine suite (docs/engines.md). Idempotent:
#   1. installs Debian's postgresql when it is missing (root only: apt-get update && apt-get install -y postgresql);
#   2. creates the cluster when there is none and starts it on localhost when it is not running;
#   3. creates the project role and database (REVOPS_PG_USER / REVOPS_PG_PASSWORD / REVOPS_PG_DBNAME,
#      default revops/revops/revops; the role may create databases, so suites can use scratch ones)
#      and the BI role (REVOPS_BI_ROLE / REVOPS_BI_PASSWORD, default bi_reader/bi_reader) that dbt
#      grants read access to the marts only.
# Exits 0 when the server answers on REVOPS_PG_HOST:REVOPS_PG_PORT (default localhost:5432).
# A non-local REVOPS_PG_HOST is left alone: nothing is installed or started.
set -euo pipefail

host="${REVOPS_PG_HOST:-localhost}"
port="${REVOPS_PG_PORT:-5432}"
user="${REVOPS_PG_USER:-revops}"
password="${REVOPS_PG_PASSWORD:-revops}"
dbname="${REVOPS_PG_DBNAME:-revops}"
bi_role="${REVOPS_BI_ROLE:-bi_reader}"
bi_password="${REVOPS_BI_PASSWORD:-bi_reader}"

say() { echo "start_postgres: $*"; }
die() { echo "start_postgres: $*" >&2; exit 1; }

case "$host" in
    localhost | 127.0.0.1 | ::1) ;;
    *)
        say "REVOPS_PG_HOST=$host is not local; nothing installed or started"
        exit 0
        ;;
esac

if ! command -v pg_lsclusters >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    [ "$(id -u)" = "0" ] || die "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)"
    command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is not installed and there is no apt-get"
    say "installing Debian's postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq postgresql >/dev/null
fi

# The cluster that serves $port (Debian's clusters: version, name, port, status, ...).
cluster=$(pg_lsclusters -h | awk -v port="$port" '$3 == port {print $1 " " $2; exit}')
if [ -z "$cluster" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    [ "$(id -u)" = "0" ] || die "no PostgreSQL cluster on port $port and creating one needs root"
    say "creating cluster $version/main on port $port"
    pg_createcluster --port "$port" "$version" main >/dev/null
    cluster="$version main"
fi
read -r version name <<<"$cluster"

if ! pg_isready -q -h "$host" -p "$port"; then
    [ "$(id -u)" = "0" ] || die "cluster $version/$name is not running and starting it needs root"
    say "starting cluster $version/$name on port $port"
    pg_ctlcluster "$version" "$name" start
    for _ in $(seq 1 30); do
        pg_isready -q -h "$host" -p "$port" && break
        sleep 1
    done
    pg_isready -q -h "$host" -p "$port" || die "cluster $version/$name did not start; see /var/log/postgresql/"
fi

as_postgres() {
    if [ "$(id -u)" = "0" ]; then
        runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$port" "$@"
    else
        psql -X -q -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U postgres "$@"
    fi
}

# Roles: create when missing, and (re)set the password so the documented defaults always work.
as_postgres -d postgres \
    -v user="$user" -v password="$password" -v bi_role="$bi_role" -v bi_password="$bi_password" <<'SQL'
select format('create role %I login createdb', :'user')
where not exists (select from pg_roles where rolname = :'user') \gexec
select format('alter role %I with login createdb password %L', :'user', :'password') \gexec
-- Test databases are dropped "with (force)", which must also end an autovacuum worker that is
-- analysing the freshly published tables; ending a process of another role needs pg_signal_backend.
select format('grant pg_signal_backend to %I', :'user')
where not pg_has_role(:'user', 'pg_signal_backend', 'MEMBER') \gexec
select format('create role %I login', :'bi_role')
where not exists (select from pg_roles where rolname = :'bi_role') \gexec
select format('alter role %I with login nocreatedb nocreaterole password %L', :'bi_role', :'bi_password') \gexec
SQL

as_postgres -d postgres -v dbname="$dbname" -v user="$user" <<'SQL'
select format('create database %I owner %I encoding ''UTF8'' template template0', :'dbname', :'user')
where not exists (select from pg_database where datname = :'dbname') \gexec
SQL

say "ready: postgresql://$user@$host:$port/$dbname (BI role $bi_role)"
