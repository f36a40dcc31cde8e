//! The `census` command: serve the web application, migrate the database, manage users and
//! API tokens from scripts.
#![recursion_limit = "512"]

use anyhow::{Context, Result, bail};
use app::model::Role;
use app::ssr::db::{self, Db};
use app::ssr::services::{Ctx, tokens, users};
use clap::{Parser, Subcommand};
use server::config::{Config, GlobalArgs, ServeArgs};
use std::io::Read;

// Bulk loads allocate and free many small values; mimalloc handles that better than glibc's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::net::SocketAddr;

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
    let app = server::router(state);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    tracing::info!("Census is listening on http://{}", listener.local_addr()?);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    Ok(())
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
    }
}
