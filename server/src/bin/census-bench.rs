//! `make bench`: load a generated inventory into a fresh database through the REST API of a
//! release `census serve`, then measure the device list API and page (a filtered, sorted 50-row
//! page at offset 0 and deep in the list, and searches by serial), the load rate and the
//! server's peak memory. Prints a table and writes JSON.

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Benchmark Census with a generated inventory")]
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
    #[arg(long, default_value_t = 3290)]
    port: u16,
    /// Requests per measurement
    #[arg(long, default_value_t = 200)]
    samples: usize,
    #[arg(long, default_value = "target/bench/bench.json")]
    out: PathBuf,
    /// Keep the SQLite database file (its path is printed)
    #[arg(long)]
    keep: bool,
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

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if !args.census.exists() {
        bail!(
            "{} does not exist; build it with `cargo leptos build --release`",
            args.census.display()
        );
    }
    let dir = std::env::temp_dir().join(format!("census-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let sqlite_file = dir.join("census.db");
    let db = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", sqlite_file.display()));
    let backend = if db.starts_with("postgres") {
        "postgresql"
    } else {
        "sqlite"
    };
    eprintln!(
        "bench: {} devices across {} sites on {backend}",
        args.devices, args.sites
    );

    run({
        let mut c = census(&args, &db);
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
    let token = run({
        let mut c = census(&args, &db);
        c.args([
            "token",
            "create",
            "--username",
            "bench",
            "--description",
            "bench",
        ]);
        c
    })?;
    let addr = format!("127.0.0.1:{}", args.port);
    let server = Server {
        child: census(&args, &db)
            .args(["serve", "--addr", &addr])
            .stdout(Stdio::null())
            .spawn()
            .context("starting census serve")?,
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
            bail!("census serve did not start");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

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
    let db_bytes = std::fs::metadata(&sqlite_file).map(|m| m.len()).ok();

    println!();
    println!(
        "Census benchmark — {} devices, {} sites, {backend}",
        args.devices, args.sites
    );
    println!(
        "{:<44} {:>10} {:>10} {:>10} {:>10}",
        "request", "srv med", "srv p95", "cli med", "cli p95"
    );
    for r in &rows {
        println!(
            "{:<44} {:>8.2}ms {:>8.2}ms {:>8.2}ms {:>8.2}ms",
            r.name, r.server_median, r.server_p95, r.client_median, r.client_p95
        );
    }
    println!(
        "{:<44} {:>10.1} s ({:.0} devices/s through POST /api/v1/devices/, 1000 per request)",
        "load", load_secs, rate
    );
    if let Some(kib) = peak {
        println!(
            "{:<44} {:>10.1} MiB",
            "server peak memory (VmHWM)",
            kib as f64 / 1024.0
        );
    }
    if let Some(b) = db_bytes {
        println!(
            "{:<44} {:>10.1} MiB",
            "database file",
            b as f64 / 1_048_576.0
        );
    }
    let report = json!({
        "devices": args.devices,
        "sites": args.sites,
        "backend": backend,
        "load_seconds": load_secs,
        "load_devices_per_second": rate,
        "server_peak_memory_kib": peak,
        "database_bytes": db_bytes,
        "requests": rows.iter().map(|r| json!({
            "name": r.name, "path": r.path,
            "server_median_ms": r.server_median, "server_p95_ms": r.server_p95,
            "client_median_ms": r.client_median, "client_p95_ms": r.client_p95,
            "response_bytes": r.bytes,
        })).collect::<Vec<_>>(),
    });
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&report)?)?;
    println!("\nwritten to {}", args.out.display());
    if args.keep {
        println!("database kept at {}", sqlite_file.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
