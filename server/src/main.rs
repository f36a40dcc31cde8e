//! The `census` command: serve the web application, migrate the database, manage users and
//! API tokens from scripts.
#![recursion_limit = "512"]

use anyhow::{Context, Result, bail};
use app::model::Role;
use app::model::history::{JobKind, JobStatus, Source};
use app::ssr::db::{self, Db};
use app::ssr::services::jobs::{self, Trigger};
use app::ssr::services::{Ctx, tokens, users};
use clap::{Parser, Subcommand};
use server::config::{Config, GlobalArgs, ServeArgs};
use std::io::Read;

// Bulk loads allocate and free many small values; mimalloc handles that better than glibc's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "census",
    version,
    about = "Census: the network and IT asset inventory"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web application (runs pending migrations first)
    Serve(ServeArgs),
    /// Apply pending database migrations
    Migrate,
    /// Manage users
    #[command(subcommand)]
    User(UserCmd),
    /// Manage API tokens
    #[command(subcommand)]
    Token(TokenCmd),
    /// Collect today's devices from a source now (the job the scheduler runs daily)
    Collect {
        /// The source to collect from
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(Source::ALL.map(Source::as_str)))]
        source: String,
        /// Record the snapshots under this date (YYYY-MM-DD) instead of today
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Recompute daily and month-end rollups from the snapshots
    Rollup {
        /// First day (YYYY-MM-DD) [default: the first collected day]
        #[arg(long)]
        from: Option<String>,
        /// Last day (YYYY-MM-DD) [default: the last collected day]
        #[arg(long)]
        to: Option<String>,
    },
    /// Purge snapshots, rollups and job runs older than the retention periods
    Retention {
        /// Purge as of this date (YYYY-MM-DD) instead of today
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Fill an empty database with a labelled demo estate and 14 months of history
    Demo,
    /// Compress the browser bundle (the site's pkg/ folder) for serving, print its sizes, and
    /// check them against a budget (run by `make build`)
    Assets {
        /// The main module's name, without `.wasm` (or its content hash)
        #[arg(long, default_value = "census")]
        main: String,
        /// Largest main module, in bytes
        #[arg(long)]
        max_main: Option<u64>,
        /// Largest main module compressed with brotli, in bytes
        #[arg(long)]
        max_main_brotli: Option<u64>,
        /// Largest lazily loaded chunk, in bytes
        #[arg(long)]
        max_chunk: Option<u64>,
    },
    /// Serve mock NinjaOne and ThreatLocker APIs with generated devices (for trying Census
    /// out and for its browser tests)
    #[command(hide = true)]
    MockSources {
        #[arg(long, default_value = "127.0.0.1:3290")]
        ninja_addr: String,
        #[arg(long, default_value = "127.0.0.1:3291")]
        threatlocker_addr: String,
        /// Devices per source
        #[arg(long, default_value_t = 200)]
        devices: usize,
        /// Organisations per source
        #[arg(long, default_value_t = 6)]
        orgs: usize,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Add a user
    Add {
        #[arg(long)]
        username: String,
        /// The password (visible in the process list; prefer --password-stdin)
        #[arg(long, conflicts_with = "password_stdin")]
        password: Option<String>,
        /// Read the password from standard input
        #[arg(long)]
        password_stdin: bool,
        /// viewer, editor or admin
        #[arg(long, default_value = "viewer")]
        role: String,
    },
    /// List users
    List,
}

#[derive(Subcommand)]
enum TokenCmd {
    /// Create an API token for a user and print it (shown only this once)
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "")]
        description: String,
    },
}

fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log_json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open(config: &Config) -> Result<Db> {
    let db = db::connect(&config.database_url).await.with_context(|| {
        format!(
            "opening the database {}",
            db::redact_url(&config.database_url)
        )
    })?;
    Ok(db)
}

async fn open_migrated(config: &Config) -> Result<Db> {
    let db = open(config).await?;
    let pending = db::pending(&db).await?;
    if pending > 0 {
        tracing::info!(pending, "applying migrations");
        db::migrate(&db).await.context("migrating the database")?;
    }
    Ok(db)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

async fn serve(config: Config) -> Result<()> {
    let db = open_migrated(&config).await?;
    tracing::info!(database = %db::redact_url(&config.database_url), site_root = %config.site_root.display(), "starting Census");
    if !config.site_root.join("pkg").exists() {
        tracing::warn!(site_root = %config.site_root.display(), "no pkg/ folder in the site root: pages will lack styles and scripts (build with `cargo leptos build --release` or set CENSUS_SITE_ROOT)");
    }
    // Expired sessions are removed hourly.
    {
        use tower_sessions::ExpiredDeletion;
        let store = app::ssr::auth::store::DbSessionStore::new(db.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                tick.tick().await;
                if let Err(e) = store.delete_expired().await {
                    tracing::warn!(error = %e, "could not remove expired sessions");
                }
            }
        });
    }
    let addr = config.addr.clone();
    let state = server::AppState::new(db, config);
    state.runner.clone().spawn();
    let app = server::router(state);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    tracing::info!("Census is listening on http://{}", listener.local_addr()?);
    axum::serve(
        server::listener::Listener(listener),
        app.into_make_service_with_connect_info::<server::listener::ClientAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    Ok(())
}

/// Run a job in the foreground with a progress bar; fails when the job does.
async fn run_job(config: &Config, kind: JobKind, params: serde_json::Value) -> Result<()> {
    use indicatif::{ProgressBar, ProgressStyle};
    let db = open_migrated(config).await?;
    let runner = server::jobs::Runner::new(db.clone(), config.jobs.clone());
    let ctx = Ctx::system(db, "cli");
    // Queued and claimed in one transaction: a CLI killed at any moment leaves no run that
    // only it would have run (a running one is recovered after jobs::STALE_AFTER).
    let job = jobs::enqueue_claimed(&ctx, kind, params, Trigger::Cli, &runner.worker_id)
        .await
        .map_err(describe)?;
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar.set_message(format!("{} #{}", kind.label(), job.id));
    let b = bar.clone();
    let observe: server::jobs::Observer = std::sync::Arc::new(move |ev| match ev {
        server::jobs::Event::Progress {
            done,
            total,
            message,
        } => {
            if let Some(t) = total {
                b.set_length(*t as u64);
            }
            b.set_position(*done as u64);
            b.set_message(message.clone());
        }
        server::jobs::Event::Log { level, message } => {
            b.println(format!("{:>5}  {message}", level.as_str()));
        }
    });
    let id = job.id;
    runner.execute(job, Some(observe)).await;
    let status = jobs::status(&ctx, id).await.map_err(describe)?;
    bar.finish_and_clear();
    match status.status {
        JobStatus::Succeeded => {
            println!(
                "{} #{} succeeded in {:.1} s: {}",
                kind.label(),
                status.id,
                status.duration_secs.unwrap_or(0.0),
                status.result.map(|r| r.to_string()).unwrap_or_default()
            );
            Ok(())
        }
        s => bail!(
            "{} #{} {}: {}",
            kind.label(),
            status.id,
            s.as_str(),
            status.error.unwrap_or_default()
        ),
    }
}

fn date_arg(name: &str, v: Option<String>) -> Result<serde_json::Value> {
    match v {
        None => Ok(serde_json::Value::Null),
        Some(s) => {
            app::ssr::services::history::parse_date(&s)
                .with_context(|| format!("--{name} must be a date as YYYY-MM-DD"))?;
            Ok(serde_json::Value::String(s))
        }
    }
}

fn read_password(password: Option<String>, stdin: bool) -> Result<String> {
    match (password, stdin) {
        (Some(p), false) => Ok(p),
        (None, true) => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            let p = s.trim_end_matches(['\n', '\r']).to_string();
            if p.is_empty() {
                bail!("no password on standard input");
            }
            Ok(p)
        }
        _ => bail!("give --password-stdin (or --password)"),
    }
}

fn describe(e: app::error::AppError) -> anyhow::Error {
    match &e {
        app::error::AppError::Invalid { fields, .. } if !fields.is_empty() => {
            anyhow::anyhow!("{}", app::error::summarize(fields))
        }
        _ => anyhow::anyhow!("{e}"),
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let serve_args = match &cli.command {
        Command::Serve(s) => s.clone(),
        _ => ServeArgs::default(),
    };
    let config = Config::load(&cli.global, &serve_args)?;
    init_logging(&config);
    match cli.command {
        Command::Serve(_) => serve(config).await,
        Command::Migrate => {
            let db = open(&config).await?;
            let pending = db::pending(&db).await?;
            db::migrate(&db).await?;
            println!("applied {pending} migration(s); the database is up to date");
            Ok(())
        }
        Command::User(UserCmd::Add {
            username,
            password,
            password_stdin,
            role,
        }) => {
            let role = Role::parse(&role).context("--role must be viewer, editor or admin")?;
            let password = read_password(password, password_stdin)?;
            let db = open_migrated(&config).await?;
            let ctx = Ctx::system(db, "cli");
            let u = users::create(&ctx, &username, &password, role)
                .await
                .map_err(describe)?;
            println!(
                "created user {} ({}) with id {}",
                u.username,
                u.role.as_str(),
                u.id
            );
            Ok(())
        }
        Command::User(UserCmd::List) => {
            let db = open_migrated(&config).await?;
            let ctx = Ctx::system(db, "cli");
            for u in users::list(&ctx).await.map_err(describe)? {
                println!(
                    "{}\t{}\t{}\t{}",
                    u.id,
                    u.username,
                    u.role.as_str(),
                    if u.is_active { "active" } else { "disabled" }
                );
            }
            Ok(())
        }
        Command::Token(TokenCmd::Create {
            username,
            description,
        }) => {
            let db = open_migrated(&config).await?;
            let u = users::find_by_username(&db, &username)
                .await
                .map_err(describe)?
                .with_context(|| format!("there is no user {username}"))?;
            let ctx = Ctx::system(db, "cli");
            let t = tokens::create(&ctx, u.id, &description)
                .await
                .map_err(describe)?;
            println!("{}", t.secret);
            Ok(())
        }
        Command::Collect { source, as_of } => {
            let kind = match Source::parse(&source) {
                Some(s) => JobKind::Collect(s),
                None => bail!("collect what? {}", Source::choices()),
            };
            let params = serde_json::json!({ "as_of": date_arg("as-of", as_of)? });
            run_job(&config, kind, strip_nulls(params)).await
        }
        Command::Rollup { from, to } => {
            let params =
                serde_json::json!({ "from": date_arg("from", from)?, "to": date_arg("to", to)? });
            run_job(&config, JobKind::Rollup, strip_nulls(params)).await
        }
        Command::Retention { as_of } => {
            let params = serde_json::json!({ "as_of": date_arg("as-of", as_of)? });
            run_job(&config, JobKind::Retention, strip_nulls(params)).await
        }
        Command::Assets {
            main,
            max_main,
            max_main_brotli,
            max_chunk,
        } => {
            let pkg = config.site_root.join("pkg");
            if server::assets::adopt_hash_file(&config.site_root, &main).with_context(|| {
                format!(
                    "copying {} into {}",
                    server::assets::HASH_FILE,
                    config.site_root.display()
                )
            })? {
                println!(
                    "file names hashed ({} copied into the site)",
                    server::assets::HASH_FILE
                );
            }
            let sizes = server::assets::precompress(&pkg)
                .with_context(|| format!("compressing the bundle in {}", pkg.display()))?;
            print!("{}", server::assets::report(&sizes));
            let budget = server::assets::Budget {
                main_raw: max_main.unwrap_or(u64::MAX),
                main_brotli: max_main_brotli.unwrap_or(u64::MAX),
                chunk_raw: max_chunk.unwrap_or(u64::MAX),
            };
            let faults = server::assets::over_budget(&sizes, &main, budget);
            if !faults.is_empty() {
                bail!("the bundle is over its budget:\n  {}", faults.join("\n  "));
            }
            Ok(())
        }
        Command::Demo => {
            let db = open_migrated(&config).await?;
            let ctx = Ctx::system(db, "demo");
            let s = server::demo::fill(
                &ctx,
                chrono::Utc::now()
                    .with_timezone(&config.jobs.timezone)
                    .date_naive(),
            )
            .await
            .map_err(describe)?;
            println!("{s}");
            Ok(())
        }
        Command::MockSources {
            ninja_addr,
            threatlocker_addr,
            devices,
            orgs,
        } => {
            let n = server::mock::ninja::generate(orgs, devices);
            let t = server::mock::threatlocker::generate(orgs, devices);
            let (nm, tm) = server::mock::serve_both(&ninja_addr, &threatlocker_addr, n, t).await?;
            println!(
                "NinjaOne mock at {} (client id census-test, secret s3cret-ninja)\nThreatLocker mock at {} (API key tl-key-123)",
                nm.url(),
                tm.url()
            );
            shutdown_signal().await;
            Ok(())
        }
    }
}

fn strip_nulls(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            serde_json::Value::Object(m.into_iter().filter(|(_, v)| !v.is_null()).collect())
        }
        v => v,
    }
}
