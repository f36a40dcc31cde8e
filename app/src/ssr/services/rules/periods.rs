//! Periods whose end cannot come before their start, and the types whose only rules they are:
//! a circuit's install and termination dates; an asset's warranty, a contract's and an
//! invoice's invoicing, an asset service's service (seed 000); an RMA's issue and replacement,
//! with its status transitions (nothing leaves `completed` or `cancelled`).

use super::{Batch, Rules, Transitions};
use crate::schema::Resource;
use sea_orm::{DatabaseExecutor, DbErr};

/// The rules of a type made of periods: (start field, end field) pairs, and status
/// transitions when the type has them.
pub struct PeriodRules {
    pub res: &'static Resource,
    pub periods: &'static [(&'static str, &'static str)],
    pub transitions: Option<Transitions>,
}

/// An RMA goes forward through its statuses, or is cancelled; completed and cancelled RMAs
/// stay so (seed 000's RMA workflow).
pub const RMA_TRANSITIONS: Transitions = &[
    (
        "investigating",
        &["authorized", "shipped", "completed", "cancelled"],
    ),
    ("authorized", &["shipped", "completed", "cancelled"]),
    ("shipped", &["completed", "cancelled"]),
    ("completed", &[]),
    ("cancelled", &[]),
];

#[async_trait::async_trait]
impl Rules for PeriodRules {
    async fn clean(&self, _db: &DatabaseExecutor<'_>, b: &mut Batch<'_>) -> Result<(), DbErr> {
        check_periods(b, self.res, self.periods);
        Ok(())
    }

    fn transitions(&self) -> Option<Transitions> {
        self.transitions
    }
}

/// Record on the end field of each clean row whose end comes before its start:
/// "2026-01-01 is before the install date 2026-02-01".
pub fn check_periods(b: &mut Batch<'_>, res: &'static Resource, periods: &[(&str, &str)]) {
    for n in b.clean_rows() {
        for (start, end) in periods {
            let c = &b.rows[n];
            if let (Some(from), Some(to)) = (c.get(res, start).date(), c.get(res, end).date())
                && to < from
            {
                let label = res
                    .field(start)
                    .map(|f| f.label.to_lowercase())
                    .unwrap_or_default();
                b.error(n, end, format!("{to} is before the {label} {from}"));
            }
        }
    }
}
