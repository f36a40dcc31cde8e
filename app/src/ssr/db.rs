//! Opening the database (SQLite by default, PostgreSQL by URL), running migrations, and the
//! write gate that keeps SQLite's single writer from failing under concurrent requests.

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{
    SqliteAutoVacuum, SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous,
};
use sea_orm::{
    ConnAcquireErr, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr,
};
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
    ///
    /// Errors: `DbErr::ConnectionAcquire(Timeout)` when another write holds SQLite's gate for
    /// longer than [`WRITE_WAIT`] (the caller's error then says "busy, try again": 503 with
    /// `Retry-After`), never an unbounded wait.
    pub async fn writer(&self) -> Result<Writer<'_>, DbErr> {
        let gate = match self.backend() {
            DbBackend::Sqlite => Some(
                tokio::time::timeout(WRITE_WAIT, self.write_gate.lock())
                    .await
                    .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))?,
            ),
            _ => None,
        };
        Ok(Writer {
            _gate: gate,
            conn: &self.writer,
        })
    }

    /// The write gate if it is free now, else `None` (for bookkeeping that may be skipped).
    pub fn try_writer(&self) -> Option<Writer<'_>> {
        let gate = match self.backend() {
            DbBackend::Sqlite => Some(self.write_gate.try_lock().ok()?),
            _ => None,
        };
        Some(Writer {
            _gate: gate,
            conn: &self.writer,
        })
    }

    pub async fn ping(&self) -> bool {
        self.conn.execute_unprepared("SELECT 1").await.is_ok()
    }
}

/// The longest a write waits for the database (SQLite's write gate, SQLite's own lock, a
/// connection from the pool) before it gives up with "busy": 10 s.
pub const WRITE_WAIT: Duration = Duration::from_secs(10);

/// True when `e` says the database was busy (a lock or a connection not obtained in time, a
/// serialization failure or deadlock on PostgreSQL): the request may succeed if tried again.
pub fn is_busy(e: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    match e {
        DbErr::ConnectionAcquire(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(x))
        | DbErr::Query(RuntimeErr::SqlxError(x))
        | DbErr::Conn(RuntimeErr::SqlxError(x)) => match x.as_ref() {
            sea_orm::SqlxError::PoolTimedOut => true,
            sea_orm::SqlxError::Database(d) => matches!(
                // SQLite: SQLITE_BUSY, SQLITE_LOCKED and their extended codes;
                // PostgreSQL: lock_not_available, serialization_failure, deadlock_detected.
                d.code().as_deref(),
                Some("5" | "6" | "261" | "517" | "262" | "773" | "55P03" | "40001" | "40P01")
            ),
            _ => false,
        },
        _ => false,
    }
}

/// A URL as it may be shown or logged: a password is replaced by `***` (the user name kept,
/// `postgres://census:***@db/census`), a user name alone (often a token) by `***`. URLs
/// without credentials, and text that is not a URL, come back unchanged. Parsed by the `url`
/// crate (through reqwest), so `user:p@ss@host` and percent-encoded credentials are masked whole.
pub fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(mut u) if !u.username().is_empty() => {
            let _ = u.set_username("***");
            u.to_string()
        }
        Ok(_) => url.to_string(),
        // Not a URL the parser takes: mask whatever stands before the last '@' after "://".
        Err(_) => match (url.find("://"), url.rfind('@')) {
            (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
            _ => url.to_string(),
        },
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
        .acquire_timeout(WRITE_WAIT);
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
                .busy_timeout(WRITE_WAIT)
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
        // Any URL: a password with '@' in it, a user name alone, percent-encoded credentials.
        for (given, shown) in [
            (
                "http://user:p@ss@ninja.example/api",
                "http://user:***@ninja.example/api",
            ),
            ("https://tok3n@tl.example", "https://***@tl.example/"),
            (
                "https://a%40b:c%3Ad@h.example",
                "https://a%40b:***@h.example/",
            ),
            ("https://plain.example/x", "https://plain.example/x"),
            ("not a url user:pw@host", "not a url user:pw@host"),
            ("weird://u:p@[::1", "weird://***@[::1"),
        ] {
            assert_eq!(redact_url(given), shown, "{given}");
        }
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
