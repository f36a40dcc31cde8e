//! Test support (the `testing` feature, never in a release build): a fresh, migrated database
//! per test — a SQLite file, or a PostgreSQL schema when `CENSUS_TEST_POSTGRES_URL` is set —
//! dropped when the test ends, even when it panics; and [`db_tests!`](crate::db_tests), which
//! turns `async fn name(t: &TestDb)` into the tests `name_sqlite` and `name_postgres`.

use super::db::{self, Db};
use sea_orm::{ConnectionTrait, Database};

pub use pastey;

/// One test's database. Dropping it removes the SQLite folder or the PostgreSQL schema.
pub struct TestDb {
    pub db: Db,
    pub backend: &'static str,
    /// The database URL (for a `census` process the test starts on the same database).
    pub url: String,
    cleanup: Option<Cleanup>,
}

enum Cleanup {
    Dir(std::path::PathBuf),
    Schema { base: String, schema: String },
}

fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..16].to_string()
}

/// A fresh SQLite database, migrated.
pub async fn sqlite() -> TestDb {
    sqlite_with(true).await
}

async fn sqlite_with(migrate: bool) -> TestDb {
    let dir = std::env::temp_dir().join(format!("census-test-{}", unique()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.join("census.db").display());
    let db = db::connect(&url).await.expect("open sqlite");
    if migrate {
        db::migrate(&db).await.expect("migrate sqlite");
    }
    TestDb {
        db,
        backend: "sqlite",
        url,
        cleanup: Some(Cleanup::Dir(dir)),
    }
}

/// The PostgreSQL server tests use, when `CENSUS_TEST_POSTGRES_URL` is set.
pub fn postgres_base() -> Option<String> {
    std::env::var("CENSUS_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// The URL of a fresh PostgreSQL schema, created for one test: (url, base url, schema).
pub async fn postgres_url() -> Option<(String, String, String)> {
    let base = postgres_base()?;
    let schema = format!("census_t_{}", unique());
    let admin = Database::connect(base.clone())
        .await
        .expect("connect to CENSUS_TEST_POSTGRES_URL");
    // Extensions belong to the database, not to a test's schema (dropping a schema would take
    // them away from the tests running beside it): install them once, outside any test schema.
    db::prepare_postgres(&admin)
        .await
        .expect("prepare the test database");
    admin
        .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
        .await
        .expect("create schema");
    admin.close().await.ok();
    let sep = if base.contains('?') { '&' } else { '?' };
    Some((format!("{base}{sep}census_schema={schema}"), base, schema))
}

/// A fresh PostgreSQL schema, migrated; None when `CENSUS_TEST_POSTGRES_URL` is not set.
pub async fn postgres() -> Option<TestDb> {
    postgres_with(true).await
}

async fn postgres_with(migrate: bool) -> Option<TestDb> {
    let (url, base, schema) = postgres_url().await?;
    let db = db::connect(&url).await.expect("open postgres");
    if migrate {
        db::migrate(&db).await.expect("migrate postgres");
    }
    Some(TestDb {
        db,
        backend: "postgres",
        url,
        cleanup: Some(Cleanup::Schema { base, schema }),
    })
}

/// An unmigrated database of the named backend (tests of the migrations themselves).
pub async fn unmigrated(backend: &str) -> Option<TestDb> {
    match backend {
        "sqlite" => Some(sqlite_with(false).await),
        _ => postgres_with(false).await,
    }
}

/// A migrated database of the named backend (`sqlite` or `postgres`); None for PostgreSQL
/// when it is not configured.
pub async fn open(backend: &str) -> Option<TestDb> {
    match backend {
        "sqlite" => Some(sqlite().await),
        _ => postgres().await,
    }
}

impl TestDb {
    /// Close the pools and drop the database now (dropping the value does the same).
    pub async fn cleanup(mut self) {
        self.db.conn.close_by_ref().await.ok();
        if let Some(c) = self.cleanup.take() {
            remove(c).await;
        }
    }
}

async fn remove(c: Cleanup) {
    match c {
        Cleanup::Dir(d) => {
            let _ = std::fs::remove_dir_all(d);
        }
        Cleanup::Schema { base, schema } => drop_schema(&base, &schema).await,
    }
}

impl Drop for TestDb {
    /// A test that panicked did not reach `cleanup`: drop its database here, on a thread of its
    /// own (a destructor cannot wait on the test's runtime).
    fn drop(&mut self) {
        if let Some(c) = self.cleanup.take() {
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(remove(c));
                }
            })
            .join();
        }
    }
}

pub async fn drop_schema(base: &str, schema: &str) {
    if let Ok(admin) = Database::connect(base.to_string()).await {
        let _ = admin
            .execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .await;
        admin.close().await.ok();
    }
}

/// The one number a hand-written query answers (`SELECT COUNT(*) FROM …`; on SQLite a pragma
/// as `SELECT freelist_count FROM pragma_freelist_count()`).
pub async fn number<C: ConnectionTrait>(conn: &C, sql: &str) -> i64 {
    use sea_orm::Statement;
    let wrapped = format!("SELECT CAST(({sql}) AS BIGINT) AS n");
    let row = conn
        .query_one_raw(Statement::from_string(conn.get_database_backend(), wrapped))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap_or_else(|| panic!("{sql}: no row"));
    row.try_get::<i64>("", "n")
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Run `body` against a database of `backend` (migrated or not); the PostgreSQL variant passes
/// with a note when `CENSUS_TEST_POSTGRES_URL` is not set.
pub async fn run<F, Fut>(backend: &str, migrated: bool, name: &str, body: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let t = if migrated {
        open(backend).await
    } else {
        unmigrated(backend).await
    };
    match t {
        Some(t) => body(t).await,
        None => eprintln!("{name}: CENSUS_TEST_POSTGRES_URL is not set; not run on PostgreSQL"),
    }
}

/// `db_tests!(a, b)`: for each `async fn a(t: &TestDb)`, the tests `a_sqlite` and `a_postgres`,
/// each on a fresh migrated database that is dropped afterwards (also when the test panics).
#[macro_export]
macro_rules! db_tests {
    ($($name:ident),+ $(,)?) => { $crate::__db_tests!(true; $($name),+); };
}

/// `unmigrated_db_tests!(a)`: like [`db_tests!`](crate::db_tests), on databases no migration
/// has touched (tests of the migrations themselves).
#[macro_export]
macro_rules! unmigrated_db_tests {
    ($($name:ident),+ $(,)?) => { $crate::__db_tests!(false; $($name),+); };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __db_tests {
    ($migrated:expr; $($name:ident),+) => {
        $( $crate::ssr::testing::pastey::paste! {
            #[tokio::test]
            async fn [<$name _sqlite>]() {
                $crate::ssr::testing::run("sqlite", $migrated, stringify!($name), |t| async move {
                    $name(&t).await;
                    t.cleanup().await;
                })
                .await;
            }
            #[tokio::test]
            async fn [<$name _postgres>]() {
                $crate::ssr::testing::run("postgres", $migrated, stringify!($name), |t| async move {
                    $name(&t).await;
                    t.cleanup().await;
                })
                .await;
            }
        } )+
    };
}

/// The users most tests need: `admin`, `editor` and `viewer` (password `password123`), each
/// with an API token; the token secrets in that order.
pub async fn users_with_tokens(db: &Db) -> [String; 3] {
    use crate::model::Role;
    use crate::ssr::services::{Ctx, tokens, users};
    let sys = Ctx::system(db.clone(), "test");
    let mut out: [String; 3] = Default::default();
    for (i, (name, role)) in [
        ("admin", Role::Admin),
        ("editor", Role::Editor),
        ("viewer", Role::Viewer),
    ]
    .into_iter()
    .enumerate()
    {
        let u = users::create(&sys, name, "password123", role)
            .await
            .expect("test user");
        out[i] = tokens::create(&sys, u.id, "test")
            .await
            .expect("test token")
            .secret;
    }
    out
}
