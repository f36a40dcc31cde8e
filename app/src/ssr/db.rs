//! Opening the database (SQLite by default, PostgreSQL by URL), running migrations, and the
//! write gate that keeps SQLite's single writer from failing under concurrent requests.

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{
    SqliteAutoVacuum, SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous,
};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, MutexGuard};

pub const DEFAULT_URL: &str = "sqlite://census.db?mode=rwc";

/// The connection pool for reads, and the connection and gate for writes.
#[derive(Clone, Debug)]
pub struct Db {
    pub conn: DatabaseConnection,
    /// SQLite: one connection for every write, so its page cache stays warm with the indexes
    /// that writes touch. PostgreSQL: the same pool as `conn`.
    writer: DatabaseConnection,
    write_gate: Arc<Mutex<()>>,
}

/// Exclusive (on SQLite) use of the write connection.
pub struct Writer<'a> {
    _gate: Option<MutexGuard<'a, ()>>,
    pub conn: &'a DatabaseConnection,
}

impl Writer<'_> {
    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`,
    /// waiting up to the busy timeout): a deferred one that reads first fails at once if
    /// another process (the CLI next to the server) wrote in between.
    pub async fn begin(&self) -> Result<sea_orm::DatabaseTransaction, DbErr> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
        self.conn
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
    }
}

impl Db {
    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// Held for the duration of a write (reads that validate it included). SQLite allows one
    /// writer at a time and a deferred transaction that later tries to write can fail at once
    /// with "database is locked"; queueing writers here avoids that. PostgreSQL writers run
    /// concurrently.
    pub async fn writer(&self) -> Writer<'_> {
        let gate = match self.backend() {
            DbBackend::Sqlite => Some(self.write_gate.lock().await),
            _ => None,
        };
        Writer {
            _gate: gate,
            conn: &self.writer,
        }
    }

    pub async fn ping(&self) -> bool {
        self.conn.execute_unprepared("SELECT 1").await.is_ok()
    }
}

/// Describe a database URL without its password, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..s], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// Open the pools. SQLite files are created when missing and use WAL and foreign keys.
pub async fn connect(url: &str) -> Result<Db, DbErr> {
    let conn = Database::connect(options(url, false)).await?;
    let writer = if url.starts_with("sqlite:") {
        Database::connect(options(url, true)).await?
    } else {
        conn.clone()
    };
    Ok(Db {
        conn,
        writer,
        write_gate: Arc::new(Mutex::new(())),
    })
}

fn options(url: &str, writer: bool) -> ConnectOptions {
    let mut opts = ConnectOptions::new(driver_url(url));
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30));
    if url.starts_with("sqlite:") {
        if writer {
            opts.max_connections(1).min_connections(1);
        } else {
            opts.max_connections(8).min_connections(1);
        }
        // A connection to a file in this process cannot go stale: no ping before each use
        // (sqlx's default pings on every checkout, a round trip to the connection's thread).
        opts.test_before_acquire(false);
        let cache = if writer { "-65536" } else { "-16384" };
        opts.map_sqlx_sqlite_opts(move |o: SqliteConnectOptions| {
            o.create_if_missing(true)
                // New databases give pages freed by retention back to the file system
                // (`incremental_vacuum` after each retention run).
                .auto_vacuum(SqliteAutoVacuum::Incremental)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                .pragma("cache_size", cache)
                // A larger WAL between checkpoints: pages changed again and again during a bulk
                // load are written to the database file once per checkpoint, not every 4 MB.
                .pragma("wal_autocheckpoint", "8000")
                .pragma("temp_store", "memory")
        });
    } else {
        // Ping only a connection idle long enough for a server, proxy or firewall to have
        // dropped it, not every checkout (a network round trip per query).
        opts.max_connections(16)
            .min_connections(1)
            .test_before_acquire_if_idle_for(Duration::from_secs(30));
    }
    if let Some(schema) = search_path(url) {
        opts.set_schema_search_path(schema);
    }
    opts
}

/// `?census_schema=NAME` on a PostgreSQL URL confines Census to one schema (tests use it to
/// run in parallel on one database).
fn search_path(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("census_schema="))
        .map(str::to_string)
}

/// The URL without Census's own parameters, as the driver wants it.
pub fn driver_url(url: &str) -> String {
    match url.split_once('?') {
        Some((base, query)) => {
            let rest: Vec<&str> = query
                .split('&')
                .filter(|kv| !kv.starts_with("census_schema="))
                .collect();
            if rest.is_empty() {
                base.to_string()
            } else {
                format!("{base}?{}", rest.join("&"))
            }
        }
        None => url.to_string(),
    }
}

pub async fn migrate(db: &Db) -> Result<(), DbErr> {
    if db.backend() == DbBackend::Postgres {
        prepare_postgres(&db.conn).await?;
    }
    Migrator::up(&db.conn, None).await
}

/// What a PostgreSQL database needs before the migrations: the `pg_trgm` extension behind the
/// free-text search indexes. It belongs to the database (installed in `public` when missing;
/// PostgreSQL 13+ lets a database owner do that), so schemas sharing one database share it.
/// Concurrent callers wait for each other.
pub async fn prepare_postgres(conn: &DatabaseConnection) -> Result<(), DbErr> {
    use sea_orm::TransactionTrait;
    let txn = conn.begin().await?;
    txn.execute_unprepared("SELECT pg_advisory_xact_lock(7369726)")
        .await?;
    txn.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        .await?;
    txn.commit().await
}

/// Migrations not yet applied.
pub async fn pending(db: &Db) -> Result<usize, DbErr> {
    Ok(Migrator::get_pending_migrations(&db.conn).await?.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://census:s3cret@db:5432/census"),
            "postgres://census:***@db:5432/census"
        );
        assert_eq!(redact_url(DEFAULT_URL), DEFAULT_URL);
        assert_eq!(
            driver_url("postgres://h/db?census_schema=t1&sslmode=disable"),
            "postgres://h/db?sslmode=disable"
        );
        assert_eq!(
            search_path("postgres://h/db?census_schema=t1").as_deref(),
            Some("t1")
        );
    }
}
