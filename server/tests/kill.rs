//! `kill -9` of `census collect` while it writes its day, on SQLite and PostgreSQL: the day is
//! whole or absent, the run's status agrees with it once the run is recovered, and the kind is
//! free again after the documented time, from the command line alone (no server running).

use app::model::history::{JobKind, JobStatus, Source};
use app::ssr::services::{Ctx, jobs};
use app::ssr::testing::{self, TestDb};
use sea_orm::ConnectionTrait;
use server::mock::ninja::{self, NinjaMock, NinjaOptions};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

const DAY: &str = "2026-08-28";
const DEVICES: i64 = 4000;

fn collect(t: &TestDb, mock: &NinjaMock) -> Child {
    Command::new(env!("CARGO_BIN_EXE_census"))
        .args(["collect", "ninja", "--as-of", DAY])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CENSUS_DATABASE_URL", &t.url)
        .env("CENSUS_NINJA_URL", mock.url())
        .env("CENSUS_NINJA_CLIENT_ID", "census-test")
        .env("CENSUS_NINJA_CLIENT_SECRET", "s3cret-ninja")
        .env("CENSUS_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("census starts")
}

async fn day_rows(t: &TestDb) -> i64 {
    testing::number(
        &t.db.conn,
        &format!("SELECT COUNT(*) FROM snapshots WHERE snapshot_date = '{DAY}'"),
    )
    .await
}

async fn latest(t: &TestDb) -> Option<app::model::history::JobDto> {
    let (last, _) = jobs::latest(&t.db.conn, JobKind::Collect(Source::Ninja))
        .await
        .unwrap();
    last
}

/// Wait until the collection `child` started (a run newer than `previous`) reports that it is
/// saving, then kill it `after` later. False when it finished before its saving was seen (a
/// loaded machine can miss the moment): the day and the run must then be whole all the same.
async fn kill_while_saving(t: &TestDb, child: &mut Child, previous: i64, after: Duration) -> bool {
    let start = Instant::now();
    loop {
        let saving = latest(t).await.is_some_and(|j| {
            j.id > previous
                && j.status == JobStatus::Running
                && j.progress_message.as_deref() == Some("saving snapshots")
        });
        if saving {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            assert!(status.success(), "census collect failed: {status}");
            return false;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "no saving seen");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    tokio::time::sleep(after).await;
    // SIGKILL (a run that already ended is simply reaped).
    let _ = child.start_kill();
    child.wait().await.unwrap();
    true
}

/// The run's last sign of life, moved back past jobs::STALE_AFTER (as if that time had passed).
async fn age_heartbeats(t: &TestDb) {
    let past = (chrono::Utc::now() - jobs::STALE_AFTER - chrono::Duration::seconds(1))
        .format("%Y-%m-%d %H:%M:%S%.f+00:00")
        .to_string();
    let sql = format!("UPDATE job_runs SET heartbeat_at = '{past}' WHERE status = 'running'");
    let sql = if t.backend == "postgres" {
        sql.replace(&format!("'{past}'"), &format!("'{past}'::timestamptz"))
    } else {
        sql
    };
    t.db.conn.execute_unprepared(&sql).await.unwrap();
}

async fn killed_collections_leave_whole_days(t: &TestDb) {
    let mock = NinjaMock::start(
        ninja::generate(20, DEVICES as usize),
        NinjaOptions::default(),
    )
    .await
    .unwrap();
    let mut outcomes = vec![];
    for after in [0, 20, 60, 150, 400, 800, 1500] {
        let previous = latest(t).await.map_or(0, |j| j.id);
        let mut child = collect(t, &mock);
        let killed = kill_while_saving(t, &mut child, previous, Duration::from_millis(after)).await;
        let rows = day_rows(t).await;
        assert!(killed || rows == DEVICES, "finished, yet {rows} rows");
        assert!(
            rows == 0 || rows == DEVICES,
            "killed {after} ms in: {rows} rows"
        );
        let run = latest(t).await.unwrap();
        if rows == DEVICES {
            // Saved: the run says so, in the same transaction.
            assert_eq!(run.status, JobStatus::Succeeded, "{run:?}");
        } else {
            assert_eq!(run.status, JobStatus::Running, "{run:?}");
            // Right after the kill the kind is still taken (the run may be alive)...
            let out = collect(t, &mock).wait_with_output().await.unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                !out.status.success(),
                "refused while the run may still be alive"
            );
            assert!(err.contains("already running"), "{err}");
            // ...and free once the run has been silent for STALE_AFTER: the CLI recovers it.
            age_heartbeats(t).await;
            let recovered = jobs::get(&Ctx::system(t.db.clone(), "test"), run.id)
                .await
                .unwrap();
            assert_eq!(recovered.job.status, JobStatus::Running);
        }
        outcomes.push((after, killed, rows));
        // Start from an empty day for the next kill.
        t.db.conn
            .execute_unprepared(&format!(
                "DELETE FROM snapshots WHERE snapshot_date = '{DAY}'"
            ))
            .await
            .unwrap();
    }
    eprintln!(
        "{}: kills (ms after saving began, killed before it ended, rows): {outcomes:?}",
        t.backend
    );
    // A collection to the end, right after the last kill: the kind is free, the day whole.
    let out = collect(t, &mock).wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(day_rows(t).await, DEVICES);
    let run = latest(t).await.unwrap();
    assert_eq!(run.status, JobStatus::Succeeded);
    // Every interrupted run was recovered as failed, none left running.
    let running = testing::number(
        &t.db.conn,
        "SELECT COUNT(*) FROM job_runs WHERE status = 'running'",
    )
    .await;
    assert_eq!(running, 0);
    mock.server.stop();
}

app::db_tests!(killed_collections_leave_whole_days);
