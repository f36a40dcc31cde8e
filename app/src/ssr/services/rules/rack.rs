//! Racks: a rack's location is in its site. A rack's devices are where the rack is: moving a
//! rack to another site or location moves them along in the same transaction, refused when a
//! device would clash with another of the same name in the new site.

use super::location::check_in_site;
use super::{Batch, Rules, ids_where, refuse_clashes, rewrite};
use crate::schema::{DEVICE, Kind, RACK};
use crate::ssr::services::Ctx;
use crate::ssr::services::changelog::Change;
use crate::ssr::services::objects::cells::{self, Row};
use sea_orm::{DatabaseExecutor, DbErr};

pub struct RackRules;

#[async_trait::async_trait]
impl Rules for RackRules {
    async fn clean(&self, db: &DatabaseExecutor<'_>, b: &mut Batch<'_>) -> Result<(), DbErr> {
        for n in b.clean_rows() {
            let c = &b.rows[n];
            let site = c.get(&RACK, "site_id").int();
            let location = c.get(&RACK, "location_id").int();
            check_in_site(b, n, "location_id", location, site);
            let c = &b.rows[n];
            let (Some(id), Some(to), true) = (c.id, site, c.before.is_some()) else {
                continue;
            };
            if !c.changes(&RACK, "site_id") {
                continue;
            }
            let devices = ids_where(db, Kind::Device, "rack_id", &[id]).await?;
            refuse_clashes(db, b, n, to, &[(Kind::Device, devices)], "its devices").await?;
        }
        Ok(())
    }

    async fn after_save(
        &self,
        db: &DatabaseExecutor<'_>,
        _ctx: &Ctx,
        saved: &[(Row, Row)],
    ) -> Result<Vec<Change>, DbErr> {
        let mut changes = vec![];
        for (before, after) in saved {
            let site = after.get(&RACK, "site_id").clone();
            let location = after.get(&RACK, "location_id").clone();
            if before.get(&RACK, "site_id") == &site
                && before.get(&RACK, "location_id") == &location
            {
                continue;
            }
            let devices = ids_where(db, Kind::Device, "rack_id", &[after.id]).await?;
            changes.extend(
                rewrite(db, &DEVICE, &devices, move |c| {
                    cells::set(c, &DEVICE, "site_id", site.clone());
                    cells::set(c, &DEVICE, "location_id", location.clone());
                })
                .await?,
            );
        }
        Ok(changes)
    }
}
