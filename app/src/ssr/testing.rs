//! Test databases: a fresh SQLite file per test, and a fresh PostgreSQL schema per test when
//! `CENSUS_TEST_POSTGRES_URL` is set, both migrated. Used by the tests of every crate.

use super::db::{self, Db};
use sea_orm::{ConnectionTrait, Database};

pub struct TestDb {
    pub db: Db,
    pub backend: &'static str,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(std::path::PathBuf),
    Schema { base: String, schema: String },
}

fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..16].to_string()
}

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
        cleanup: Cleanup::Dir(dir),
    }
}

/// The URL of a fresh PostgreSQL schema, created for one test.
pub async fn postgres_url() -> Option<(String, String, String)> {
    let base = std::env::var("CENSUS_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())?;
    let schema = format!("census_t_{}", unique());
    let admin = Database::connect(base.clone())
        .await
        .expect("connect to CENSUS_TEST_POSTGRES_URL");
    admin
        .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
        .await
        .expect("create schema");
    admin.close().await.ok();
    let sep = if base.contains('?') { '&' } else { '?' };
    Some((format!("{base}{sep}census_schema={schema}"), base, schema))
}

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
        cleanup: Cleanup::Schema { base, schema },
    })
}

/// SQLite always; PostgreSQL too when configured.
pub async fn all() -> Vec<TestDb> {
    let mut v = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        v.push(pg);
    }
    v
}

/// Like `all`, but with no migration run: for tests of the migrations themselves.
pub async fn all_unmigrated() -> Vec<TestDb> {
    let mut v = vec![sqlite_with(false).await];
    if let Some(pg) = postgres_with(false).await {
        v.push(pg);
    }
    v
}

impl TestDb {
    pub async fn cleanup(self) {
        self.db.conn.close().await.ok();
        match self.cleanup {
            Cleanup::Dir(d) => {
                let _ = std::fs::remove_dir_all(d);
            }
            Cleanup::Schema { base, schema } => {
                drop_schema(&base, &schema).await;
            }
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
