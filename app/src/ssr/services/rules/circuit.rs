//! Circuits: a circuit cannot end before it is installed.

use super::{Batch, Rules};
use crate::schema::CIRCUIT;
use sea_orm::{DatabaseExecutor, DbErr};

pub struct CircuitRules;

#[async_trait::async_trait]
impl Rules for CircuitRules {
    async fn clean(&self, _db: &DatabaseExecutor<'_>, b: &mut Batch<'_>) -> Result<(), DbErr> {
        for n in b.clean_rows() {
            let c = &b.rows[n];
            if let (Some(from), Some(to)) = (
                c.get(&CIRCUIT, "install_date").date(),
                c.get(&CIRCUIT, "termination_date").date(),
            ) && to < from
            {
                b.error(
                    n,
                    "termination_date",
                    format!("{to} is before the install date {from}"),
                );
            }
        }
        Ok(())
    }
}
