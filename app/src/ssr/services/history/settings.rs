//! Settings an admin changes in the UI: extra spare patterns, retention periods.

use super::super::changelog::{self, Action, Change};
use super::super::{Ctx, now};
use crate::error::AppError;
use crate::ssr::entities::setting;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

pub use crate::model::history::HistorySettings;
use crate::model::history::RETENTION_LIMITS;

const KEY: &str = "history";

/// The most extra spare patterns: each is tried against every device of every collection.
pub const MAX_SPARE_PATTERNS: usize = 100;
/// The longest extra spare pattern, in characters.
pub const MAX_SPARE_PATTERN_CHARS: usize = 100;

/// The stored settings, or the defaults when none were saved. Settings that no longer parse
/// (a damaged row) are an error, not silently the defaults.
pub async fn load<C: ConnectionTrait>(conn: &C) -> Result<HistorySettings, DbErr> {
    let row = setting::Entity::find_by_id(KEY.to_string())
        .one(conn)
        .await?;
    match row.and_then(|r| r.value) {
        None => Ok(HistorySettings::default()),
        Some(v) => serde_json::from_str(&v)
            .map_err(|e| DbErr::Json(format!("settings.value of '{KEY}' does not parse: {e}"))),
    }
}

/// Change some settings and keep the rest ("patch = merge"), whichever door it came by: the
/// REST API sends JSON (numbers, a list of patterns), the settings form sends text (digits,
/// one pattern per line); both are read here. Unknown settings and values that are not whole
/// numbers are field errors; then [`save`] checks the ranges.
pub async fn patch(
    ctx: &Ctx,
    changes: serde_json::Map<String, serde_json::Value>,
) -> Result<HistorySettings, AppError> {
    use serde_json::Value;
    ctx.require_admin("change settings")?;
    let mut new = load(&ctx.db.conn).await?;
    let mut fields = std::collections::BTreeMap::new();
    for (k, v) in changes {
        let number = |v: &Value| -> Option<i64> {
            match v {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }
        };
        let target = match k.as_str() {
            "daily_retention_days" => &mut new.daily_retention_days,
            "month_end_retention_months" => &mut new.month_end_retention_months,
            "raw_retention_days" => &mut new.raw_retention_days,
            "extra_spare_patterns" => {
                let patterns = match &v {
                    Value::Array(a) if a.iter().all(Value::is_string) => Some(
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect(),
                    ),
                    Value::String(s) => Some(s.lines().map(str::to_string).collect()),
                    Value::Null => Some(vec![]),
                    _ => None,
                };
                match patterns {
                    Some(p) => new.extra_spare_patterns = p,
                    None => {
                        fields.insert(
                            k.clone(),
                            vec!["Give a list of patterns (text).".to_string()],
                        );
                    }
                }
                continue;
            }
            _ => {
                fields.insert(k.clone(), vec!["Unknown setting.".to_string()]);
                continue;
            }
        };
        match number(&v) {
            Some(n) => *target = n,
            None => {
                fields.insert(k.clone(), vec!["Enter a whole number.".to_string()]);
            }
        }
    }
    // Every fault at once: what could not be read, and what was read but is out of range.
    let mut problems = problems(&mut new);
    problems.extend(fields);
    if !problems.is_empty() {
        return Err(AppError::fields(problems));
    }
    save(ctx, new).await
}

/// Tidy `new` (patterns trimmed, blank ones and repeats dropped) and list what is wrong with it,
/// by field: pattern count, length and control characters, and the numbers' ranges
/// ([`RETENTION_LIMITS`]).
fn problems(new: &mut HistorySettings) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut fields = std::collections::BTreeMap::new();
    new.extra_spare_patterns = new
        .extra_spare_patterns
        .iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    new.extra_spare_patterns.dedup();
    let mut pattern_errors = vec![];
    if new.extra_spare_patterns.len() > MAX_SPARE_PATTERNS {
        pattern_errors.push(format!(
            "Give at most {MAX_SPARE_PATTERNS} patterns (got {}).",
            new.extra_spare_patterns.len()
        ));
    }
    if new
        .extra_spare_patterns
        .iter()
        .any(|p| p.chars().count() > MAX_SPARE_PATTERN_CHARS)
    {
        pattern_errors.push(format!(
            "A pattern can be at most {MAX_SPARE_PATTERN_CHARS} characters long."
        ));
    }
    if let Some(e) = new
        .extra_spare_patterns
        .iter()
        .find_map(|p| super::super::text::check_controls(p).err())
    {
        pattern_errors.push(format!("A pattern {e}."));
    }
    if !pattern_errors.is_empty() {
        fields.insert("extra_spare_patterns".to_string(), pattern_errors);
    }
    for (name, unit, min, max) in RETENTION_LIMITS {
        let value = match name {
            "daily_retention_days" => new.daily_retention_days,
            "month_end_retention_months" => new.month_end_retention_months,
            _ => new.raw_retention_days,
        };
        if !(min..=max).contains(&value) {
            fields.insert(
                name.to_string(),
                vec![format!("Enter a number of {unit} from {min} to {max}.")],
            );
        }
    }
    fields
}

/// Check and save the settings (admin only); recorded in the change log.
pub async fn save(ctx: &Ctx, new: HistorySettings) -> Result<HistorySettings, AppError> {
    ctx.require_admin("change settings")?;
    let mut new = new;
    let fields = problems(&mut new);
    if !fields.is_empty() {
        return Err(AppError::fields(fields));
    }
    let w = ctx.db.writer().await?;
    let txn = w.begin().await?;
    let old = load(&txn).await?;
    let value = serde_json::to_string(&new).expect("settings serialise");
    setting::Entity::delete_by_id(KEY.to_string())
        .exec(&txn)
        .await?;
    setting::Entity::insert(setting::ActiveModel {
        key: Set(KEY.into()),
        value: Set(Some(value.clone())),
        updated_at: Set(now()),
    })
    .exec_without_returning(&txn)
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
