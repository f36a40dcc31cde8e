//! Each inventory type's own rules, one module per type that has any: checks that need other
//! objects (placement of racks and devices, dates in order), status transitions, side effects
//! in the write transaction (what moves with a container), and values computed on read. The
//! generic engine (`services::objects`) calls these hooks for every door; it never branches on
//! a type's name. What data can say (defaults, uniqueness, choices) is in `schema.rs`.
//!
//! This is NetBox's model `clean()`/`save()` under its generic views.

mod device;
mod location;
mod periods;
mod rack;

use super::Ctx;
use super::changelog::Change;
use super::objects::cells::{Cell, Row};
use super::objects::refs::RefCache;
use crate::error::FieldErrors;
use crate::schema::{self, Kind, Resource};
use periods::PeriodRules;
use sea_orm::{DatabaseExecutor, DbErr};

/// A row about to be written: its id and stored state when it exists, the cells to store.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub id: Option<i64>,
    pub before: Option<Row>,
    pub cells: Vec<Cell>,
}

impl Candidate {
    /// The cell of field `name` (an unknown name panics, naming it).
    pub fn get(&self, res: &Resource, name: &str) -> &Cell {
        super::objects::cells::get(&self.cells, res, name)
    }
    /// The stored value of field `name` before this change (None for a new object).
    pub fn was(&self, res: &Resource, name: &str) -> Option<&Cell> {
        self.before.as_ref().map(|b| b.get(res, name))
    }
    /// Whether field `name` changes (a new object changes every field).
    pub fn changes(&self, res: &Resource, name: &str) -> bool {
        self.was(res, name) != Some(self.get(res, name))
    }
}

/// The rows of one write, checked together: their errors (per row, by field) and the objects
/// they refer to.
pub struct Batch<'a> {
    pub res: &'static Resource,
    pub rows: &'a mut [Candidate],
    pub errors: &'a mut [FieldErrors],
    pub refs: &'a mut RefCache,
}

impl Batch<'_> {
    /// Record an error on field `field` of row `n`.
    pub fn error(&mut self, n: usize, field: &str, msg: String) {
        self.errors[n]
            .entry(field.to_string())
            .or_default()
            .push(msg);
    }
    /// Rows with no error yet.
    pub fn clean_rows(&self) -> Vec<usize> {
        (0..self.rows.len())
            .filter(|n| self.errors[*n].is_empty())
            .collect()
    }
}

/// Allowed status changes: (from, the statuses it may become).
pub type Transitions = &'static [(&'static str, &'static [&'static str])];

/// The hooks a type's rules implement; every one has a default that does nothing.
#[async_trait::async_trait]
pub trait Rules: Sync {
    /// Check (and complete) the rows after the generic checks passed (kinds of value,
    /// references exist); record errors on fields. `db` reads the stored objects.
    async fn clean(&self, _db: &DatabaseExecutor<'_>, _batch: &mut Batch<'_>) -> Result<(), DbErr> {
        Ok(())
    }

    /// Which status changes are allowed; None allows any.
    fn transitions(&self) -> Option<Transitions> {
        None
    }

    /// Side effects after the rows were stored, in the same transaction: write what else
    /// changes and return its change-log entries. `saved` holds (before, after) of updated
    /// rows (created rows have no before and are not passed).
    async fn after_save(
        &self,
        _db: &DatabaseExecutor<'_>,
        _ctx: &Ctx,
        _saved: &[(Row, Row)],
    ) -> Result<Vec<Change>, DbErr> {
        Ok(vec![])
    }

    /// Fill in the computed fields of rows being read, all at once.
    async fn computed(&self, _db: &DatabaseExecutor<'_>, _rows: &mut [Row]) -> Result<(), DbErr> {
        Ok(())
    }
}

/// Types without rules of their own.
struct NoRules;

impl Rules for NoRules {}

static CIRCUIT_RULES: PeriodRules = PeriodRules {
    res: &schema::CIRCUIT,
    periods: &[("install_date", "termination_date")],
    transitions: None,
};
static ASSET_RULES: PeriodRules = PeriodRules {
    res: &schema::ASSET,
    periods: &[("warranty_start", "warranty_end")],
    transitions: None,
};
static CONTRACT_RULES: PeriodRules = PeriodRules {
    res: &schema::CONTRACT,
    periods: &[("invoicing_start", "invoicing_end")],
    transitions: None,
};
static INVOICE_RULES: PeriodRules = PeriodRules {
    res: &schema::INVOICE,
    periods: &[("invoicing_start", "invoicing_end")],
    transitions: None,
};
static ASSET_SERVICE_RULES: PeriodRules = PeriodRules {
    res: &schema::ASSET_SERVICE,
    periods: &[("service_start", "service_end")],
    transitions: None,
};
static RMA_RULES: PeriodRules = PeriodRules {
    res: &schema::RMA,
    periods: &[("date_issued", "date_replaced")],
    transitions: Some(periods::RMA_TRANSITIONS),
};

/// The rules of a type.
pub fn rules(kind: Kind) -> &'static dyn Rules {
    match kind {
        Kind::Location => &location::LocationRules,
        Kind::Rack => &rack::RackRules,
        Kind::Device => &device::DeviceRules,
        Kind::Circuit => &CIRCUIT_RULES,
        Kind::Asset => &ASSET_RULES,
        Kind::Contract => &CONTRACT_RULES,
        Kind::Invoice => &INVOICE_RULES,
        Kind::AssetService => &ASSET_SERVICE_RULES,
        Kind::Rma => &RMA_RULES,
        _ => &NoRules,
    }
}

/// Whether a status may change from `from` to `to` under `transitions` (staying is always
/// allowed). The message names the statuses `from` may become.
pub fn check_transition(transitions: Transitions, from: &str, to: &str) -> Result<(), String> {
    if from == to {
        return Ok(());
    }
    let allowed = transitions
        .iter()
        .find(|(f, _)| *f == from)
        .map(|(_, to)| *to)
        .unwrap_or(&[]);
    if allowed.contains(&to) {
        Ok(())
    } else if allowed.is_empty() {
        Err(format!("a {from} object cannot change its status"))
    } else {
        Err(format!(
            "cannot go from {from} to {to}; from {from} it can become: {}",
            allowed.join(", ")
        ))
    }
}

/// Change stored objects of `res` in place (`f` edits their cells) within the caller's
/// transaction, and return their change-log entries. Objects `f` leaves as they were are not
/// written.
pub async fn rewrite(
    db: &DatabaseExecutor<'_>,
    res: &'static Resource,
    ids: &[i64],
    f: impl Fn(&mut Vec<Cell>),
) -> Result<Vec<Change>, DbErr> {
    use super::changelog::Action;
    use super::objects::store;
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let old = store::load(db, res, ids).await?;
    let new: Vec<Vec<Cell>> = old
        .iter()
        .map(|r| {
            let mut c = r.cells.clone();
            f(&mut c);
            c
        })
        .collect();
    let t = super::now();
    let pairs: Vec<(&Row, &[Cell])> = old.iter().zip(new.iter().map(|c| c.as_slice())).collect();
    let changed = store::update(db, res, &pairs, t).await?;
    Ok(old
        .iter()
        .zip(new)
        .filter(|(o, _)| changed.contains(&o.id))
        .map(|(o, cells)| {
            let after = Row {
                id: o.id,
                cells,
                created_at: o.created_at,
                updated_at: t,
            };
            super::objects::logged(res, Action::Update, Some(o), Some(&after))
        })
        .collect())
}

/// Objects of `kind` in site `site` whose name (folded) is one of `keys`, not among `except`:
/// their names, for messages about what a move would clash with.
pub async fn names_in_site(
    db: &DatabaseExecutor<'_>,
    kind: Kind,
    site: i64,
    keys: &[String],
    except: &[i64],
) -> Result<Vec<String>, DbErr> {
    use crate::ssr::entities::inventory::table;
    use sea_orm::ConnectionTrait;
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let t = table(kind);
    let mut out = vec![];
    for chunk in keys.chunks(500) {
        let mut q = Query::select();
        q.expr_as(Expr::col(t.column("name")?), "name")
            .from(t.table())
            .and_where(Expr::col(t.column("site_id")?).eq(site))
            .and_where(Expr::col(t.column("name_key")?).is_in(chunk.to_vec()));
        if !except.is_empty() {
            q.and_where(Expr::col(t.column("id")?).is_not_in(except.to_vec()));
        }
        for r in db.query_all(&q).await? {
            out.push(r.try_get::<String>("", "name")?);
        }
    }
    out.sort();
    Ok(out)
}

/// Ids of objects of `kind` whose field `column` holds one of `values`.
pub async fn ids_where(
    db: &DatabaseExecutor<'_>,
    kind: Kind,
    column: &str,
    values: &[i64],
) -> Result<Vec<i64>, DbErr> {
    use crate::ssr::entities::inventory::table;
    use sea_orm::ConnectionTrait;
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let t = table(kind);
    let mut out = vec![];
    for chunk in values.chunks(900) {
        let mut q = Query::select();
        q.expr_as(Expr::col(t.column("id")?), "id")
            .from(t.table())
            .and_where(Expr::col(t.column(column)?).is_in(chunk.to_vec()));
        for r in db.query_all(&q).await? {
            out.push(r.try_get::<i64>("", "id")?);
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Refuse moving row `n` to site `to` when objects moving along clash with others of the same
/// name there: `inside` lists them (type, ids), `what` says whose they are ("what is inside",
/// "its devices").
pub async fn refuse_clashes(
    db: &DatabaseExecutor<'_>,
    b: &mut Batch<'_>,
    n: usize,
    to: i64,
    inside: &[(Kind, Vec<i64>)],
    what: &str,
) -> Result<(), DbErr> {
    let mut clash = vec![];
    for (kind, ids) in inside {
        clash.extend(location::clashes(db, *kind, ids, to).await?);
    }
    if !clash.is_empty() {
        let msg = format!(
            "cannot move it to site {}: {what} would clash with {} of the same name there",
            b.refs.site_name(Some(to)),
            join_and(&clash)
        );
        b.error(n, "site_id", msg);
    }
    Ok(())
}

/// "a, b and c".
pub fn join_and(parts: &[String]) -> String {
    match parts.len() {
        0 => String::new(),
        1 => parts[0].clone(),
        n => format!("{} and {}", parts[..n - 1].join(", "), parts[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_name_what_is_allowed() {
        const T: Transitions = &[("open", &["shipped", "closed"]), ("shipped", &["closed"])];
        assert!(check_transition(T, "open", "shipped").is_ok());
        assert!(check_transition(T, "closed", "closed").is_ok());
        assert!(
            check_transition(T, "shipped", "open")
                .unwrap_err()
                .contains("can become: closed")
        );
        assert!(
            check_transition(T, "closed", "open")
                .unwrap_err()
                .contains("cannot change")
        );
    }
}
