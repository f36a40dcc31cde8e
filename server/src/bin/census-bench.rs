//! `make bench`: benchmark Census against release `census serve` processes started on fresh
//! databases; prints one table and writes one JSON report.
//!
//! - Inventory (`--skip-inventory` leaves it out): load a generated inventory through the REST
//!   API, then measure the device list API and page (a filtered, sorted 50-row page at offset 0
//!   and deep in the list, and searches by serial), the load rate and the server's peak memory.
//! - History hub (`--skip-history` leaves it out): serve generated NinjaOne and ThreatLocker
//!   fleets (`--history-devices` each) from the in-process mock servers, time one collection of
//!   each through the jobs API (`POST /api/v1/jobs/`, polled to the end; snapshots and rollups
//!   included), fill two years of history the way retention keeps it (the last day of each of
//!   the 24 months before this one and every day of the last 65, both sources each day), run
//!   retention, then measure every dashboard endpoint and report the database size and the
//!   server's peak memory. It uses its own database: a SQLite file, or a new schema in the
//!   PostgreSQL database given.

use anyhow::{Context, Result, bail};
use chrono::{Datelike, NaiveDate};
use clap::Parser;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};
use server::mock::ninja::{self, NinjaMock, NinjaOptions};
use server::mock::threatlocker::{self, ThreatLockerMock, ThreatLockerOptions};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Benchmark Census with a generated inventory and history")]
struct Args {
    /// The census binary to run
    #[arg(long, default_value = "target/release/census")]
    census: PathBuf,
    #[arg(long, default_value_t = 100_000)]
    devices: usize,
    #[arg(long, default_value_t = 500)]
    sites: usize,
    /// Database to benchmark (default: a fresh SQLite file in a temporary folder)
    #[arg(long, env = "BENCH_DATABASE_URL")]
    database_url: Option<String>,
    /// Port of the inventory benchmark's server; the history hub's uses the next one
    #[arg(long, default_value_t = 3290)]
    port: u16,
    /// Requests per measurement
    #[arg(long, default_value_t = 200)]
    samples: usize,
    #[arg(long, default_value = "target/bench/bench.json")]
    out: PathBuf,
    /// Keep the databases (SQLite paths and PostgreSQL schema are printed)
    #[arg(long)]
    keep: bool,
    /// Devices each mock source (NinjaOne, ThreatLocker) serves in the history-hub benchmark
    #[arg(long, default_value_t = 20_000)]
    history_devices: usize,
    /// Leave out the history-hub benchmark
    #[arg(long)]
    skip_history: bool,
    /// Leave out the inventory benchmark (the generated devices loaded through the REST API)
    #[arg(long)]
    skip_inventory: bool,
}

struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Peak resident memory (VmHWM) in KiB.
    fn peak_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
    }
}

fn census(args: &Args, db: &str) -> Command {
    let mut c = Command::new(&args.census);
    c.env("CENSUS_DATABASE_URL", db).env("CENSUS_LOG", "warn");
    c
}

fn run(mut c: Command) -> Result<String> {
    let out = c.stderr(Stdio::inherit()).output()?;
    if !out.status.success() {
        bail!("{:?} failed", c);
    }
    Ok(String::from_utf8(out.stdout)?.trim().to_string())
}

#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn post(&self, path: &str, body: &Value) -> Result<Value> {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await?;
        let status = r.status();
        let v: Value = r.json().await?;
        if !status.is_success() {
            bail!("POST {path}: {status}: {v}");
        }
        Ok(v)
    }

    /// POST without reading the created objects back (bulk loading).
    async fn post_quiet(&self, path: &str, body: &Value) -> Result<()> {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("Prefer", "return=minimal")
            .json(body)
            .send()
            .await?;
        let status = r.status();
        let bytes = r.bytes().await?;
        if !status.is_success() {
            bail!("POST {path}: {status}: {}", String::from_utf8_lossy(&bytes));
        }
        Ok(())
    }

    /// (client ms, server ms from Server-Timing, body length).
    async fn timed_get(&self, path: &str) -> Result<(f64, f64, usize)> {
        let start = Instant::now();
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await?;
        let status = r.status();
        let server = r
            .headers()
            .get("server-timing")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split("dur=").nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN);
        let body = r.bytes().await?;
        let client = start.elapsed().as_secs_f64() * 1000.0;
        if !status.is_success() {
            bail!("GET {path}: {status}: {}", String::from_utf8_lossy(&body));
        }
        Ok((client, server, body.len()))
    }

    async fn get_json(&self, path: &str) -> Result<Value> {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await?;
        Ok(r.error_for_status()?.json().await?)
    }
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .map(|a| a.iter().filter_map(|o| o["id"].as_i64()).collect())
        .unwrap_or_default()
}

/// Serial numbers in no particular order, as real ones are.
fn serial_of(i: usize) -> String {
    format!(
        "SN{:08X}",
        (i as u64).wrapping_mul(2_654_435_761) & 0xFFFF_FFFF
    )
}

const STATUSES: [&str; 5] = ["active", "active", "active", "planned", "offline"];
const ROLES: [&str; 6] = [
    "access switch",
    "core switch",
    "router",
    "firewall",
    "server",
    "access point",
];

/// Load the inventory; returns (seconds spent loading devices, a known serial, a region id).
async fn load(c: &Client, devices: usize, sites: usize) -> Result<(f64, String, i64)> {
    let manufacturers = ids(&c
        .post(
            "/api/v1/manufacturers/",
            &json!(
                [
                    "Cisco", "Juniper", "Arista", "HPE", "Dell", "Ubiquiti", "Fortinet", "MikroTik"
                ]
                .iter()
                .map(|n| json!({"name": n}))
                .collect::<Vec<_>>()
            ),
        )
        .await?);
    let tenants = ids(&c
        .post(
            "/api/v1/tenants/",
            &json!(
                (0..20)
                    .map(|i| json!({"name": format!("Tenant {i:02}")}))
                    .collect::<Vec<_>>()
            ),
        )
        .await?);
    let top = ids(&c
        .post(
            "/api/v1/regions/",
            &json!(
                ["Europe", "North America", "Asia", "South America", "Africa"]
                    .iter()
                    .map(|n| json!({"name": n}))
                    .collect::<Vec<_>>()
            ),
        )
        .await?);
    let sub = ids(&c
        .post("/api/v1/regions/", &json!((0..25).map(|i| json!({"name": format!("Region {i:02}"), "parent_id": top[i % top.len()]})).collect::<Vec<_>>()))
        .await?);
    let groups = ids(&c
        .post(
            "/api/v1/site-groups/",
            &json!(
                (0..8)
                    .map(|i| json!({"name": format!("Group {i}")}))
                    .collect::<Vec<_>>()
            ),
        )
        .await?);
    let mut site_ids = vec![];
    for chunk in (0..sites).collect::<Vec<_>>().chunks(500) {
        let body: Vec<Value> = chunk
            .iter()
            .map(|&i| json!({"name": format!("Site {i:04}"), "region_id": sub[i % sub.len()], "site_group_id": groups[i % groups.len()],
                              "tenant_id": tenants[i % tenants.len()], "status": if i % 10 == 0 { "planned" } else { "active" }, "facility": format!("DC{i}")}))
            .collect();
        site_ids.extend(ids(&c.post("/api/v1/sites/", &json!(body)).await?));
    }
    let start = Instant::now();
    let chunk = 1000;
    // A few requests in flight, so the server parses the next batch while it writes one.
    let mut inflight = tokio::task::JoinSet::new();
    let mut n = 0;
    while n < devices {
        let body: Vec<Value> = (n..(n + chunk).min(devices))
            .map(|i| {
                json!({
                    "name": format!("dev-{i:06}"),
                    "status": STATUSES[i % STATUSES.len()],
                    "role": ROLES[i % ROLES.len()],
                    "manufacturer_id": manufacturers[i % manufacturers.len()],
                    "model": format!("M{}", i % 37),
                    "serial": serial_of(i),
                    "asset_tag": format!("AT{i:07}"),
                    "platform": "IOS-XE",
                    "primary_ipv4": format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255),
                    "mac_address": format!("02:00:{:02x}:{:02x}:{:02x}:{:02x}", (i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255),
                    "site_id": site_ids[i % site_ids.len()],
                    "tenant_id": tenants[i % tenants.len()],
                })
            })
            .collect();
        if inflight.len() >= 3 {
            inflight.join_next().await.expect("task")??;
        }
        let c = c.clone();
        let first = n;
        inflight.spawn(async move {
            c.post_quiet("/api/v1/devices/", &json!(body))
                .await
                .with_context(|| format!("loading devices {first}…"))
        });
        n += chunk;
    }
    while let Some(r) = inflight.join_next().await {
        r??;
    }
    let secs = start.elapsed().as_secs_f64();
    let known = devices / 2 + 7;
    let serial = format!(
        "SN{:08X}",
        (known as u64).wrapping_mul(2_654_435_761) & 0xFFFF_FFFF
    );
    Ok((secs, serial, top[0]))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

struct Measure {
    name: String,
    path: String,
    client_median: f64,
    client_p95: f64,
    server_median: f64,
    server_p95: f64,
    bytes: usize,
}

async fn measure(c: &Client, name: &str, path: &str, samples: usize) -> Result<Measure> {
    for _ in 0..5 {
        c.timed_get(path).await?;
    }
    let mut client = vec![];
    let mut server = vec![];
    let mut bytes = 0;
    for _ in 0..samples {
        let (cl, sv, b) = c.timed_get(path).await?;
        client.push(cl);
        server.push(sv);
        bytes = b;
    }
    client.sort_by(f64::total_cmp);
    server.sort_by(f64::total_cmp);
    Ok(Measure {
        name: name.into(),
        path: path.into(),
        client_median: percentile(&client, 0.5),
        client_p95: percentile(&client, 0.95),
        server_median: percentile(&server, 0.5),
        server_p95: percentile(&server, 0.95),
        bytes,
    })
}

fn row_json(r: &Measure) -> Value {
    json!({
        "name": r.name, "path": r.path,
        "server_median_ms": r.server_median, "server_p95_ms": r.server_p95,
        "client_median_ms": r.client_median, "client_p95_ms": r.client_p95,
        "response_bytes": r.bytes,
    })
}

fn print_rows(rows: &[Measure]) {
    println!(
        "{:<44} {:>10} {:>10} {:>10} {:>10}",
        "request", "srv med", "srv p95", "cli med", "cli p95"
    );
    for r in rows {
        println!(
            "{:<44} {:>8.2}ms {:>8.2}ms {:>8.2}ms {:>8.2}ms",
            r.name, r.server_median, r.server_p95, r.client_median, r.client_p95
        );
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// Create the bench user (an admin) and return an API token for it.
fn api_token(args: &Args, db: &str) -> Result<String> {
    run({
        let mut c = census(args, db);
        c.args([
            "user",
            "add",
            "--username",
            "bench",
            "--password",
            "bench-password",
            "--role",
            "admin",
        ]);
        c
    })?;
    run({
        let mut c = census(args, db);
        c.args([
            "token",
            "create",
            "--username",
            "bench",
            "--description",
            "bench",
        ]);
        c
    })
}

/// Start `census serve` on `port` with extra environment variables; wait until it answers.
async fn serve(
    args: &Args,
    db: &str,
    port: u16,
    env: &[(&str, String)],
    token: String,
) -> Result<(Server, Client)> {
    let addr = format!("127.0.0.1:{port}");
    let mut cmd = census(args, db);
    cmd.args(["serve", "--addr", &addr]).stdout(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let server = Server {
        child: cmd.spawn().context("starting census serve")?,
    };
    let client = Client {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(600))
            .build()?,
        base: format!("http://{addr}"),
        token,
    };
    for i in 0.. {
        if client
            .http
            .get(format!("{}/health", client.base))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        if i > 100 {
            bail!("census serve did not start on {addr}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok((server, client))
}

struct Inventory {
    rows: Vec<Measure>,
    load_secs: f64,
    rate: f64,
    peak: Option<u64>,
    db_bytes: Option<u64>,
}

/// The inventory benchmark: load `args.devices` devices, then measure lists and pages.
async fn inventory(args: &Args, dir: &Path, backend: &str) -> Result<Inventory> {
    let (bench_db, db) = BenchDb::create(args, dir, "inventory").await?;
    let result = inventory_on(args, &db, backend, &bench_db).await;
    if args.keep {
        println!("inventory database kept at {}", bench_db.describe());
    } else {
        bench_db.remove().await;
    }
    result
}

async fn inventory_on(
    args: &Args,
    db: &str,
    backend: &str,
    bench_db: &BenchDb,
) -> Result<Inventory> {
    let db = db.to_string();
    eprintln!(
        "bench: {} devices across {} sites on {backend}",
        args.devices, args.sites
    );
    let token = api_token(args, &db)?;
    let (server, client) = serve(args, &db, args.port, &[], token).await?;

    let (load_secs, serial, region) = load(&client, args.devices, args.sites).await?;
    let rate = args.devices as f64 / load_secs;
    eprintln!(
        "bench: loaded {} devices in {load_secs:.1} s ({rate:.0}/s)",
        args.devices
    );

    let active = client
        .get_json("/api/v1/devices/?status=active&limit=1")
        .await?["count"]
        .as_u64()
        .unwrap_or(0);
    let in_region = client
        .get_json(&format!("/api/v1/devices/?region_id={region}&limit=1"))
        .await?["count"]
        .as_u64()
        .unwrap_or(0);
    let deep = active.saturating_sub(50);
    let deep_region = in_region.saturating_sub(50);
    let n = args.samples;
    let mut rows = vec![];
    for (name, path) in [
        (
            "API: status filter, by name, offset 0",
            "/api/v1/devices/?status=active&ordering=name&limit=50".to_string(),
        ),
        (
            "API: status filter, by name, last page",
            format!("/api/v1/devices/?status=active&ordering=name&limit=50&offset={deep}"),
        ),
        (
            "API: region filter, by -serial, offset 0",
            format!("/api/v1/devices/?region_id={region}&ordering=-serial&limit=50"),
        ),
        (
            "API: region filter, by -serial, last page",
            format!(
                "/api/v1/devices/?region_id={region}&ordering=-serial&limit=50&offset={deep_region}"
            ),
        ),
        (
            "API: exact serial (serial=)",
            format!("/api/v1/devices/?serial={serial}"),
        ),
        (
            "API: search q=<serial>",
            format!("/api/v1/devices/?q={serial}"),
        ),
        (
            "Page: status filter, by name, offset 0",
            "/devices?status=active&ordering=name&limit=50".to_string(),
        ),
        (
            "Page: status filter, by name, last page",
            format!("/devices?status=active&ordering=name&limit=50&offset={deep}"),
        ),
        ("Page: search q=<serial>", format!("/devices?q={serial}")),
    ] {
        let samples = if name.contains("q=") { n / 4 } else { n };
        let m = measure(&client, name, &path, samples.max(10)).await?;
        eprintln!("bench: {name}: median {:.2} ms", m.server_median);
        rows.push(m);
    }
    let peak = server.peak_kib();
    drop(server);
    let db_bytes = bench_db.size().await.ok().map(|s| s.bytes);
    Ok(Inventory {
        rows,
        load_secs,
        rate,
        peak,
        db_bytes,
    })
}

fn print_inventory(args: &Args, backend: &str, inv: &Inventory) {
    println!();
    println!(
        "Census benchmark — {} devices, {} sites, {backend}",
        args.devices, args.sites
    );
    print_rows(&inv.rows);
    println!(
        "{:<44} {:>10.1} s ({:.0} devices/s through POST /api/v1/devices/, 1000 per request)",
        "load", inv.load_secs, inv.rate
    );
    if let Some(kib) = inv.peak {
        println!(
            "{:<44} {:>10.1} MiB",
            "server peak memory (VmHWM)",
            kib as f64 / 1024.0
        );
    }
    if let Some(b) = inv.db_bytes {
        println!("{:<44} {:>10.1} MiB", "database (with its WAL)", mib(b));
    }
}

// ---------------------------------------------------------------------------------------------
// History hub.

/// Organisations of the generated fleets.
const HISTORY_ORGS: usize = 50;
/// "A collection of 20,000 NinjaOne and 20,000 ThreatLocker devices, with rollups, in under 30 s."
const COLLECT_TARGET_SECS: f64 = 30.0;
/// "Every dashboard endpoint under 50 ms median."
const DASHBOARD_TARGET_MS: f64 = 50.0;
/// What retention keeps by default: daily snapshots for 65 days, month-ends for 24 months.
const DAILY_DAYS: i64 = 65;
const MONTH_ENDS: usize = 24;
/// A job run that takes longer than this is taken as stuck.
const JOB_TIMEOUT: Duration = Duration::from_secs(1800);

/// Where one part of the benchmark (inventory or history hub) keeps its data.
enum BenchDb {
    Sqlite(PathBuf),
    /// A schema created for this run in the PostgreSQL database at `admin_url`.
    Postgres {
        admin_url: String,
        schema: String,
    },
}

impl BenchDb {
    /// A fresh database and its URL for Census: a SQLite file in `dir/<part>`, or a new schema
    /// `census_bench_<part>_<pid>` in the PostgreSQL database given.
    async fn create(args: &Args, dir: &Path, part: &str) -> Result<(BenchDb, String)> {
        match args
            .database_url
            .as_deref()
            .filter(|u| u.starts_with("postgres"))
        {
            None => {
                let folder = dir.join(part);
                std::fs::create_dir_all(&folder)
                    .with_context(|| format!("creating {}", folder.display()))?;
                let file = folder.join("census.db");
                let url = format!("sqlite://{}?mode=rwc", file.display());
                Ok((BenchDb::Sqlite(file), url))
            }
            Some(base) => {
                let admin_url = app::ssr::db::driver_url(base);
                let schema = format!("census_bench_{part}_{}", std::process::id());
                let admin = Database::connect(admin_url.clone())
                    .await
                    .context("connecting to the PostgreSQL database")?;
                admin
                    .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
                    .await
                    .with_context(|| format!("creating schema {schema}"))?;
                admin.close().await.ok();
                let sep = if admin_url.contains('?') { '&' } else { '?' };
                let url = format!("{admin_url}{sep}census_schema={schema}");
                Ok((BenchDb::Postgres { admin_url, schema }, url))
            }
        }
    }

    /// SQLite: the database and WAL files, and the pages in use; PostgreSQL: the schema's
    /// tables with their indexes and TOAST.
    async fn size(&self) -> Result<DbSize> {
        match self {
            BenchDb::Sqlite(file) => {
                let db = std::fs::metadata(file)
                    .with_context(|| format!("reading the size of {}", file.display()))?
                    .len();
                let mut wal_path = file.clone().into_os_string();
                wal_path.push("-wal");
                let wal = std::fs::metadata(&wal_path).map(|m| m.len()).unwrap_or(0);
                // Pages in use, as a reader sees them (WAL included): what a VACUUM would keep.
                let conn = Database::connect(format!("sqlite://{}?mode=ro", file.display()))
                    .await
                    .with_context(|| format!("opening {} to read its size", file.display()))?;
                let mut pragma = [0i64; 3];
                for (value, name) in
                    pragma
                        .iter_mut()
                        .zip(["page_size", "page_count", "freelist_count"])
                {
                    *value = conn
                        .query_one_raw(Statement::from_string(
                            DbBackend::Sqlite,
                            format!("SELECT {name} AS n FROM pragma_{name}()"),
                        ))
                        .await?
                        .with_context(|| format!("no answer to PRAGMA {name}"))?
                        .try_get("", "n")?;
                }
                conn.close().await.ok();
                let [page_size, pages, free] = pragma;
                Ok(DbSize {
                    bytes: db + wal,
                    wal: Some(wal),
                    in_use: Some((page_size * (pages - free)).max(0) as u64),
                })
            }
            BenchDb::Postgres { admin_url, schema } => {
                let admin = Database::connect(admin_url.clone()).await?;
                let row = admin
                    .query_one_raw(Statement::from_sql_and_values(
                        DbBackend::Postgres,
                        "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint AS bytes FROM pg_class c \
                         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'",
                        [schema.clone().into()],
                    ))
                    .await?
                    .context("no answer to the size query")?;
                let bytes: i64 = row.try_get("", "bytes")?;
                admin.close().await.ok();
                Ok(DbSize {
                    bytes: bytes.max(0) as u64,
                    wal: None,
                    in_use: None,
                })
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            BenchDb::Sqlite(file) => file.display().to_string(),
            BenchDb::Postgres { schema, .. } => format!("PostgreSQL schema {schema}"),
        }
    }

    /// Drop a PostgreSQL schema (SQLite files go with the temporary folder).
    async fn remove(&self) {
        if let BenchDb::Postgres { admin_url, schema } = self
            && let Ok(admin) = Database::connect(admin_url.clone()).await
        {
            let _ = admin
                .execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                .await;
            admin.close().await.ok();
        }
    }
}

#[derive(Clone, Copy)]
struct DbSize {
    /// SQLite: the database and WAL files; PostgreSQL: the schema's relations.
    bytes: u64,
    /// SQLite: the WAL file.
    wal: Option<u64>,
    /// SQLite: pages in use (the file less its free pages).
    in_use: Option<u64>,
}

/// A finished job run: the wall time measured here and the job as the server last showed it.
struct JobRun {
    secs: f64,
    job: Value,
}

impl JobRun {
    fn id(&self) -> Option<i64> {
        self.job["id"].as_i64()
    }
    /// The run's own `duration_secs`.
    fn job_secs(&self) -> Option<f64> {
        self.job["duration_secs"].as_f64()
    }
    fn result(&self) -> &Value {
        &self.job["result"]
    }
}

/// Queue a job through `POST /api/v1/jobs/` and poll it every 100 ms until it has succeeded.
async fn run_job(c: &Client, kind: &str, params: Value) -> Result<JobRun> {
    let start = Instant::now();
    let queued = c
        .post("/api/v1/jobs/", &json!({"kind": kind, "params": params}))
        .await
        .with_context(|| format!("queueing a {kind} job"))?;
    let id = queued["id"]
        .as_i64()
        .with_context(|| format!("no job id in the answer {queued}"))?;
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let v = c
            .get_json(&format!("/api/v1/jobs/{id}"))
            .await
            .with_context(|| format!("reading job #{id} ({kind})"))?;
        let job = v.get("job").cloned().unwrap_or(v);
        match job["status"].as_str().unwrap_or("") {
            "succeeded" => {
                return Ok(JobRun {
                    secs: start.elapsed().as_secs_f64(),
                    job,
                });
            }
            s @ ("failed" | "cancelled") => bail!(
                "job #{id} ({kind}) {s}: {}",
                job["error"].as_str().unwrap_or("no error given")
            ),
            _ if start.elapsed() > JOB_TIMEOUT => {
                bail!(
                    "job #{id} ({kind}) has not finished after {} s",
                    JOB_TIMEOUT.as_secs()
                )
            }
            _ => {}
        }
    }
}

/// A collection run (`as_of` a given day, else today) that must have saved `expected` devices.
async fn collect(
    c: &Client,
    kind: &str,
    as_of: Option<NaiveDate>,
    expected: usize,
) -> Result<JobRun> {
    let params = match as_of {
        Some(d) => json!({"as_of": d.to_string()}),
        None => json!({}),
    };
    let run = run_job(c, kind, params).await?;
    let saved = run.result()["devices"].as_u64();
    if saved != Some(expected as u64) {
        bail!(
            "{kind} (job #{}) saved {saved:?} devices, not {expected}",
            run.id().unwrap_or_default()
        );
    }
    Ok(run)
}

/// The days, before `today`, that retention keeps: every day of the last 65 and the last day of
/// each of the 24 months before this one. Oldest first.
fn history_days(today: NaiveDate) -> Vec<NaiveDate> {
    let mut days: BTreeSet<NaiveDate> = (1..=DAILY_DAYS)
        .map(|k| today - chrono::Duration::days(k))
        .collect();
    let mut first_of_month = today.with_day(1).unwrap_or(today);
    for _ in 0..MONTH_ENDS {
        let Some(month_end) = first_of_month.pred_opt() else {
            break;
        };
        days.insert(month_end);
        first_of_month = month_end.with_day(1).unwrap_or(month_end);
    }
    days.into_iter().collect()
}

/// Percent-encode a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

struct History {
    devices: usize,
    generate_secs: f64,
    sites: usize,
    ninja: JobRun,
    threatlocker: JobRun,
    fill_days: usize,
    fill_secs: f64,
    retention: JobRun,
    dates: Vec<String>,
    rows: Vec<Measure>,
    peak: Option<u64>,
    size: Option<DbSize>,
}

impl History {
    fn collect_secs(&self) -> f64 {
        self.ninja.secs + self.threatlocker.secs
    }

    fn slow_rows(&self) -> Vec<&Measure> {
        self.rows
            .iter()
            // The target is the API's; pages are reported beside it.
            .filter(|r| !r.name.starts_with("Page:") && r.client_median >= DASHBOARD_TARGET_MS)
            .collect()
    }

    fn json(&self) -> Value {
        let run = |r: &JobRun| {
            json!({
                "job_id": r.id(),
                "seconds": r.secs,
                "job_seconds": r.job_secs(),
                "devices": r.result()["devices"],
                "devices_per_second": self.devices as f64 / r.secs,
            })
        };
        json!({
            "devices_per_source": self.devices,
            "organizations": HISTORY_ORGS,
            "sites_mapped": self.sites,
            "mock_data_seconds": self.generate_secs,
            "collection": {
                "ninja": run(&self.ninja),
                "threatlocker": run(&self.threatlocker),
                "seconds": self.collect_secs(),
                "target_seconds": COLLECT_TARGET_SECS,
                "meets_target": self.collect_secs() < COLLECT_TARGET_SECS,
            },
            "history_fill": {
                "days": self.fill_days,
                "collections": self.fill_days * 2,
                "seconds": self.fill_secs,
            },
            "retention": {
                "job_id": self.retention.id(),
                "seconds": self.retention.secs,
                "job_seconds": self.retention.job_secs(),
                "result": self.retention.result(),
            },
            "days_kept": self.dates.len(),
            "newest_day": self.dates.first(),
            "oldest_day": self.dates.last(),
            "dashboard_target_median_ms": DASHBOARD_TARGET_MS,
            "dashboard_meets_target": self.slow_rows().is_empty(),
            "requests": self.rows.iter().map(row_json).collect::<Vec<_>>(),
            "server_peak_memory_kib": self.peak,
            "database_bytes": self.size.map(|s| s.bytes),
            "database_wal_bytes": self.size.and_then(|s| s.wal),
            "database_in_use_bytes": self.size.and_then(|s| s.in_use),
        })
    }

    fn print(&self, backend: &str) {
        println!();
        println!(
            "History hub — {n} NinjaOne + {n} ThreatLocker devices, {HISTORY_ORGS} organisations, {backend}",
            n = self.devices
        );
        print_rows(&self.rows);
        for (name, r) in [
            ("collect NinjaOne (POST /api/v1/jobs/)", &self.ninja),
            (
                "collect ThreatLocker (POST /api/v1/jobs/)",
                &self.threatlocker,
            ),
        ] {
            println!(
                "{:<44} {:>10.1} s ({:.0} devices/s; the job's own time {:.1} s)",
                name,
                r.secs,
                self.devices as f64 / r.secs,
                r.job_secs().unwrap_or(f64::NAN)
            );
        }
        let secs = self.collect_secs();
        println!(
            "{:<44} {:>10.1} s (target < {COLLECT_TARGET_SECS:.0} s: {})",
            "collect both",
            secs,
            if secs < COLLECT_TARGET_SECS {
                "met"
            } else {
                "MISSED"
            }
        );
        let slow = self.slow_rows();
        println!(
            "{:<44} {:>10} (client median < {DASHBOARD_TARGET_MS:.0} ms){}",
            "dashboard target",
            if slow.is_empty() { "met" } else { "MISSED" },
            slow.iter()
                .map(|r| format!("; {} {:.1} ms", r.name, r.client_median))
                .collect::<String>()
        );
        println!(
            "{:<44} {:>10.1} s ({} days × 2 sources, {:.1} s per day)",
            "history fill (collections via REST)",
            self.fill_secs,
            self.fill_days,
            self.fill_secs / self.fill_days.max(1) as f64
        );
        let res = self.retention.result();
        println!(
            "{:<44} {:>10.1} s ({} snapshots removed, {} raw payloads cleared)",
            "retention", self.retention.secs, res["snapshots_deleted"], res["raw_payloads_cleared"]
        );
        println!(
            "{:<44} {:>10} ({} to {})",
            "days kept",
            self.dates.len(),
            self.dates.last().map(String::as_str).unwrap_or("-"),
            self.dates.first().map(String::as_str).unwrap_or("-")
        );
        if let Some(size) = self.size {
            match size.wal {
                Some(w) => println!(
                    "{:<44} {:>10.1} MiB (database {:.1} + WAL {:.1})",
                    "database files after retention",
                    mib(size.bytes),
                    mib(size.bytes - w),
                    mib(w)
                ),
                None => println!(
                    "{:<44} {:>10.1} MiB (tables, indexes and TOAST)",
                    "database size after retention",
                    mib(size.bytes)
                ),
            }
            if let Some(b) = size.in_use {
                println!(
                    "{:<44} {:>10.1} MiB (pages in use, free pages left out)",
                    "database data after retention",
                    mib(b)
                );
            }
        }
        if let Some(kib) = self.peak {
            println!(
                "{:<44} {:>10.1} MiB",
                "server peak memory (VmHWM)",
                kib as f64 / 1024.0
            );
        }
    }
}

/// The history-hub benchmark on its own database, removed afterwards unless `--keep`.
async fn history(args: &Args, dir: &Path, backend: &str) -> Result<History> {
    let (db, url) = BenchDb::create(args, dir, "history").await?;
    let result = history_on(args, &db, &url, backend).await;
    if args.keep {
        println!("history database kept at {}", db.describe());
    } else {
        db.remove().await;
    }
    result
}

async fn history_on(args: &Args, hdb: &BenchDb, db: &str, backend: &str) -> Result<History> {
    let n = args.history_devices;
    if n == 0 {
        bail!("--history-devices must be at least 1");
    }
    eprintln!(
        "bench: history hub, {n} NinjaOne + {n} ThreatLocker devices in {HISTORY_ORGS} organisations on {backend}"
    );
    let start = Instant::now();
    let ninja_data = ninja::generate(HISTORY_ORGS, n);
    let tl_data = threatlocker::generate(HISTORY_ORGS, n);
    let generate_secs = start.elapsed().as_secs_f64();
    eprintln!("bench: generated the mock data in {generate_secs:.1} s");
    // Most organisations have a Census site of the same name, so their devices map to it; every
    // tenth stays unmapped.
    let site_names: Vec<String> = ninja_data
        .organizations
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 10 != 9)
        .filter_map(|(_, o)| o["name"].as_str().map(str::to_string))
        .collect();
    let fragment = tl_data
        .computers
        .get(n / 2)
        .and_then(|c| c["computerName"].as_str())
        .and_then(|name| name.get(2..))
        .map(str::to_string)
        .context("the generated ThreatLocker data has no computer names")?;
    let ninja_mock = NinjaMock::start(ninja_data, NinjaOptions::default()).await?;
    let tl_mock = ThreatLockerMock::start(tl_data, ThreatLockerOptions::default()).await?;
    let ninja_opts = ninja_mock.options();
    let env = [
        ("CENSUS_TIMEZONE", "UTC".to_string()),
        ("CENSUS_NINJA_URL", ninja_mock.url().to_string()),
        ("CENSUS_NINJA_CLIENT_ID", ninja_opts.client_id.clone()),
        (
            "CENSUS_NINJA_CLIENT_SECRET",
            ninja_opts.client_secret.clone(),
        ),
        ("CENSUS_THREATLOCKER_URL", tl_mock.url().to_string()),
        (
            "CENSUS_THREATLOCKER_API_KEY",
            tl_mock.options().api_key.clone(),
        ),
        ("CENSUS_SCHEDULE_NINJA", "off".to_string()),
        ("CENSUS_SCHEDULE_THREATLOCKER", "off".to_string()),
        ("CENSUS_SCHEDULE_RETENTION", "off".to_string()),
    ];
    let token = api_token(args, db)?;
    let port = args
        .port
        .checked_add(1)
        .context("--port leaves no port for the history hub's server")?;
    let (server, client) = serve(args, db, port, &env, token).await?;
    let sites = site_names.len();
    client
        .post_quiet(
            "/api/v1/sites/",
            &json!(
                site_names
                    .iter()
                    .map(|name| json!({"name": name, "status": "active"}))
                    .collect::<Vec<_>>()
            ),
        )
        .await
        .context("creating the sites the organisations map to")?;

    // Target 1: one collection of each source, as a user starts it.
    let ninja = collect(&client, "collect_ninja", None, n).await?;
    eprintln!("bench: NinjaOne collection in {:.1} s", ninja.secs);
    let threatlocker = collect(&client, "collect_threatlocker", None, n).await?;
    eprintln!(
        "bench: ThreatLocker collection in {:.1} s",
        threatlocker.secs
    );

    // Two years of history: both sources on every day retention keeps.
    let today = ninja.result()["date"]
        .as_str()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .with_context(|| format!("no date in the collection's result {}", ninja.result()))?;
    let days = history_days(today);
    let start = Instant::now();
    for (i, day) in days.iter().enumerate() {
        tokio::try_join!(
            collect(&client, "collect_ninja", Some(*day), n),
            collect(&client, "collect_threatlocker", Some(*day), n),
        )
        .with_context(|| format!("collecting {day}"))?;
        let done = i + 1;
        if done % 10 == 0 || done == days.len() {
            let secs = start.elapsed().as_secs_f64();
            eprintln!(
                "bench: history {done}/{} days (up to {day}) in {secs:.0} s, about {:.0} s left",
                days.len(),
                secs / done as f64 * (days.len() - done) as f64
            );
        }
    }
    let fill_secs = start.elapsed().as_secs_f64();

    let retention = run_job(&client, "retention", json!({"as_of": today.to_string()})).await?;
    eprintln!(
        "bench: retention in {:.1} s: {}",
        retention.secs,
        retention.result()
    );
    let dates: Vec<String> = client.get_json("/api/v1/dashboard/dates").await?["dates"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();

    let deep = n / 2;
    let mut rows = vec![];
    for (name, path) in [
        ("Dashboard: today", "/api/v1/dashboard/today".to_string()),
        (
            "Dashboard: comparison",
            "/api/v1/dashboard/comparison".to_string(),
        ),
        ("Dashboard: sites", "/api/v1/dashboard/sites".to_string()),
        (
            "Dashboard: coverage",
            "/api/v1/dashboard/coverage".to_string(),
        ),
        ("Dashboard: dates", "/api/v1/dashboard/dates".to_string()),
        (
            "Devices: classification=server",
            "/api/v1/dashboard/devices?classification=server&limit=50".to_string(),
        ),
        (
            "Devices: q=<host name fragment>",
            format!("/api/v1/dashboard/devices?q={}&limit=50", encode(&fragment)),
        ),
        (
            &format!("Devices: offset {deep}"),
            format!("/api/v1/dashboard/devices?offset={deep}&limit=50"),
        ),
        // The pages, as a browser gets them (server-rendered, charts included).
        ("Page: /dashboard", "/dashboard".to_string()),
        (
            "Page: /dashboard/devices, servers",
            "/dashboard/devices?classification=server".to_string(),
        ),
        ("Page: /jobs", "/jobs".to_string()),
    ] {
        let m = measure(&client, name, &path, args.samples.max(10)).await?;
        eprintln!("bench: {name}: median {:.2} ms", m.server_median);
        rows.push(m);
    }
    let size = match hdb.size().await {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("bench: could not read the database size: {e:#}");
            None
        }
    };
    let peak = server.peak_kib();
    drop(server);
    ninja_mock.stop();
    tl_mock.stop();
    Ok(History {
        devices: n,
        generate_secs,
        sites,
        ninja,
        threatlocker,
        fill_days: days.len(),
        fill_secs,
        retention,
        dates,
        rows,
        peak,
        size,
    })
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if args.skip_inventory && args.skip_history {
        bail!("--skip-inventory and --skip-history leave nothing to measure");
    }
    if !args.census.exists() {
        bail!(
            "{} does not exist; build it with `cargo leptos build --release`",
            args.census.display()
        );
    }
    let dir = std::env::temp_dir().join(format!("census-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let backend = if args
        .database_url
        .as_deref()
        .is_some_and(|u| u.starts_with("postgres"))
    {
        "postgresql"
    } else {
        "sqlite"
    };
    let outcome = bench(&args, &dir, backend).await;
    if !args.keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    outcome
}

async fn bench(args: &Args, dir: &Path, backend: &str) -> Result<()> {
    let inv = if args.skip_inventory {
        None
    } else {
        Some(inventory(args, dir, backend).await?)
    };
    let hist = if args.skip_history {
        None
    } else {
        Some(history(args, dir, backend).await?)
    };

    let mut report = json!({ "backend": backend });
    if let Some(inv) = &inv {
        print_inventory(args, backend, inv);
        for (k, v) in [
            ("devices", json!(args.devices)),
            ("sites", json!(args.sites)),
            ("load_seconds", json!(inv.load_secs)),
            ("load_devices_per_second", json!(inv.rate)),
            ("server_peak_memory_kib", json!(inv.peak)),
            ("database_bytes", json!(inv.db_bytes)),
            (
                "requests",
                json!(inv.rows.iter().map(row_json).collect::<Vec<_>>()),
            ),
        ] {
            report[k] = v;
        }
    }
    if let Some(h) = &hist {
        h.print(backend);
        report["history"] = h.json();
    }
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("writing {}", args.out.display()))?;
    println!("\nwritten to {}", args.out.display());
    Ok(())
}
