//! The history hub: daily device snapshots from NinjaOne and ThreatLocker, their mapping to
//! Census sites, daily and month-end rollups, retention, and the dashboard's figures.

pub mod board;
pub mod dashboard;
pub mod mapping;
pub mod retention;
pub mod rollup;
pub mod rules;
pub mod settings;
pub mod snapshots;

use super::statement;
use chrono::{Datelike, NaiveDate};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Value};
use std::collections::HashMap;

/// The name shown for devices whose source name is not mapped to a site.
pub const UNMAPPED: &str = "Unmapped";

/// Run a hand-written `?`-placeholder query (aggregates the entities do not express) and read
/// each row into `T` by column name.
pub async fn rows<T: FromQueryResult, C: ConnectionTrait>(
    conn: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<T>, DbErr> {
    conn.query_all_raw(statement(conn.get_database_backend(), sql, values))
        .await?
        .iter()
        .map(|r| T::from_query_result(r, ""))
        .collect()
}

/// Run a raw `?`-placeholder statement; the number of rows it touched.
pub async fn exec<C: ConnectionTrait>(
    conn: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<u64, DbErr> {
    Ok(conn
        .execute_raw(statement(conn.get_database_backend(), sql, values))
        .await?
        .rows_affected())
}

/// `?, ?, …` for an IN list.
pub(crate) fn marks(n: usize) -> String {
    vec!["?"; n].join(",")
}

/// A date as the seed's dashboard API writes it: `2024-03-15T00:00:00+00:00`.
pub fn api_date(d: NaiveDate) -> String {
    format!("{}T00:00:00+00:00", d.format("%Y-%m-%d"))
}

/// Parse `YYYY-MM-DD` (or the API's own `YYYY-MM-DDT00:00:00+00:00`).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let day = s.get(..10).unwrap_or(s);
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

/// `YYYY-MM` of a date.
pub fn month_of(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The first and last day of a date's month.
pub fn month_bounds(d: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = d.with_day(1).expect("day 1 exists");
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .expect("date in range");
    (first, next.pred_opt().expect("date in range"))
}

/// Names of the given sites (missing ones, e.g. deleted, show their id).
pub(crate) async fn site_names<C: ConnectionTrait>(
    conn: &C,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, String>, DbErr> {
    #[derive(FromQueryResult)]
    struct Site {
        id: i64,
        name: String,
    }
    let ids: Vec<i64> = ids.into_iter().collect();
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<Site> = rows(
            conn,
            &format!(
                "SELECT id, name FROM sites WHERE id IN ({})",
                marks(chunk.len())
            ),
            chunk.iter().map(|&i| i.into()).collect(),
        )
        .await?;
        out.extend(found.into_iter().map(|s| (s.id, s.name)));
    }
    for id in ids {
        out.entry(id)
            .or_insert_with(|| format!("Site #{id} (deleted)"));
    }
    Ok(out)
}

pub fn site_label(id: Option<i64>, names: &HashMap<i64, String>) -> String {
    match id {
        Some(i) => names
            .get(&i)
            .cloned()
            .unwrap_or_else(|| format!("Site #{i}")),
        None => UNMAPPED.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 10).unwrap();
        assert_eq!(api_date(d), "2024-02-10T00:00:00+00:00");
        assert_eq!(parse_date("2024-02-10T00:00:00+00:00"), Some(d));
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(month_of(d), "2024-02");
        assert_eq!(
            month_bounds(d).1,
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
    }
}
