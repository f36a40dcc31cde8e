//! Settings an admin changes in the UI: extra spare patterns, retention periods.

use super::super::changelog::{self, Action, Change};
use super::super::{Ctx, now};
use super::{exec, query};
use crate::error::AppError;
use sea_orm::{ConnectionTrait, DbErr};

pub use crate::model::history::HistorySettings;

const KEY: &str = "history";

pub async fn load<C: ConnectionTrait>(conn: &C) -> Result<HistorySettings, DbErr> {
    let rows = query(
        conn,
        "SELECT value FROM settings WHERE key = ?",
        vec![KEY.into()],
    )
    .await?;
    Ok(rows
        .first()
        .and_then(|r| r.try_get_by_index::<Option<String>>(0).ok().flatten())
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default())
}

/// Check and save the settings (admin only); recorded in the change log.
pub async fn save(ctx: &Ctx, new: HistorySettings) -> Result<HistorySettings, AppError> {
    ctx.require_admin("change settings")?;
    let mut fields = std::collections::BTreeMap::new();
    let mut new = new;
    new.extra_spare_patterns = new
        .extra_spare_patterns
        .iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    new.extra_spare_patterns.dedup();
    if new
        .extra_spare_patterns
        .iter()
        .any(|p| p.chars().count() > 100)
    {
        fields.insert(
            "extra_spare_patterns".to_string(),
            vec!["A pattern can be at most 100 characters long.".to_string()],
        );
    }
    if !(1..=3650).contains(&new.daily_retention_days) {
        fields.insert(
            "daily_retention_days".into(),
            vec!["Enter a number of days from 1 to 3650.".into()],
        );
    }
    if !(1..=240).contains(&new.month_end_retention_months) {
        fields.insert(
            "month_end_retention_months".into(),
            vec!["Enter a number of months from 1 to 240.".into()],
        );
    }
    if !(0..=3650).contains(&new.raw_retention_days) {
        fields.insert(
            "raw_retention_days".into(),
            vec!["Enter a number of days from 0 to 3650.".into()],
        );
    }
    if !fields.is_empty() {
        return Err(AppError::fields(fields));
    }
    let w = ctx.db.writer().await;
    let txn = w.begin().await?;
    let old = load(&txn).await?;
    let value = serde_json::to_string(&new).expect("settings serialise");
    exec(&txn, "DELETE FROM settings WHERE key = ?", vec![KEY.into()]).await?;
    exec(
        &txn,
        "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)",
        vec![KEY.into(), value.clone().into(), now().into()],
    )
    .await?;
    changelog::record(
        &txn,
        ctx,
        vec![Change {
            object_type: "settings".into(),
            object_id: 0,
            repr: "History settings".into(),
            action: Action::Update,
            before: Some(serde_json::to_string(&old).expect("settings serialise")),
            after: Some(value),
        }],
    )
    .await?;
    txn.commit().await?;
    Ok(new)
}
