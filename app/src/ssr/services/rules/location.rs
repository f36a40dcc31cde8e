//! Locations: a parent location is in the same site; moving a location to another site moves
//! everything inside it — its child locations, their racks and the devices in them — in the
//! same transaction (as NetBox does), and is refused when something moving along would clash
//! with an object of the same name in the new site.

use super::{Batch, Candidate, Rules, ids_where, names_in_site, refuse_clashes, rewrite};
use crate::schema::{Kind, LOCATION, RACK};
use crate::ssr::services::Ctx;
use crate::ssr::services::changelog::Change;
use crate::ssr::services::objects::cells::{self, Row};
use crate::ssr::services::objects::{query, store};
use crate::ssr::services::text;
use sea_orm::{DatabaseExecutor, DbErr};

pub struct LocationRules;

/// The site a candidate moves to, when it is an existing location changing site.
fn moving(c: &Candidate) -> Option<i64> {
    c.before.as_ref()?;
    if c.changes(&LOCATION, "site_id") {
        c.get(&LOCATION, "site_id").int()
    } else {
        None
    }
}

/// What moves with location `id`: its whole subtree (itself included), the racks in it and
/// the devices in it.
pub(super) async fn contents(
    db: &DatabaseExecutor<'_>,
    id: i64,
) -> Result<(Vec<i64>, Vec<i64>, Vec<i64>), DbErr> {
    let tree = query::descendants(db, Kind::Location, &[id]).await?;
    let racks = ids_where(db, Kind::Rack, "location_id", &tree).await?;
    let devices = ids_where(db, Kind::Device, "location_id", &tree).await?;
    Ok((tree, racks, devices))
}

/// Names of objects of `kind` among `ids` that clash with others of the same name in `site`.
pub(super) async fn clashes(
    db: &DatabaseExecutor<'_>,
    kind: Kind,
    ids: &[i64],
    site: i64,
) -> Result<Vec<String>, DbErr> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let res = kind.res();
    let rows = store::load(db, res, ids).await?;
    let keys: Vec<String> = rows.iter().map(|r| text::fold(&r.title(res))).collect();
    let taken = names_in_site(db, kind, site, &keys, ids).await?;
    Ok(taken
        .into_iter()
        .map(|n| format!("{} {n}", res.singular))
        .collect())
}

#[async_trait::async_trait]
impl Rules for LocationRules {
    async fn clean(&self, db: &DatabaseExecutor<'_>, b: &mut Batch<'_>) -> Result<(), DbErr> {
        for n in b.clean_rows() {
            let c = &b.rows[n];
            let site = c.get(&LOCATION, "site_id").int();
            if let Some(p) = c.get(&LOCATION, "parent_id").int() {
                let parent = b.refs.get(Kind::Location, p).cloned().unwrap_or_default();
                if parent.site_id != site {
                    let msg = format!(
                        "the parent location {} is in site {}, not {}",
                        parent.display,
                        b.refs.site_name(parent.site_id),
                        b.refs.site_name(site)
                    );
                    b.error(n, "parent_id", msg);
                    continue;
                }
            }
            let (Some(to), Some(id)) = (moving(c), c.id) else {
                continue;
            };
            let (tree, _, devices) = contents(db, id).await?;
            let children: Vec<i64> = tree.into_iter().filter(|l| *l != id).collect();
            let inside = [(Kind::Location, children), (Kind::Device, devices)];
            refuse_clashes(db, b, n, to, &inside, "what is inside").await?;
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
            let site = after.get(&LOCATION, "site_id").clone();
            if before.get(&LOCATION, "site_id") == &site {
                continue;
            }
            let (tree, racks, devices) = contents(db, after.id).await?;
            let children: Vec<i64> = tree.into_iter().filter(|l| *l != after.id).collect();
            for (res, ids) in [
                (&LOCATION, children),
                (&RACK, racks),
                (Kind::Device.res(), devices),
            ] {
                let s = site.clone();
                changes.extend(
                    rewrite(db, res, &ids, move |cells| {
                        cells::set(cells, res, "site_id", s.clone());
                    })
                    .await?,
                );
            }
        }
        Ok(changes)
    }
}

/// A location chosen for a rack or device is in its site.
pub(super) fn check_in_site(
    b: &mut Batch<'_>,
    n: usize,
    field: &str,
    location: Option<i64>,
    site: Option<i64>,
) {
    let Some(l) = location else { return };
    if let Some(loc) = b.refs.get(Kind::Location, l).cloned()
        && loc.site_id != site
    {
        let msg = format!(
            "location {} is in site {}, not {}",
            loc.display,
            b.refs.site_name(loc.site_id),
            b.refs.site_name(site)
        );
        b.error(n, field, msg);
    }
}

/// Make sure the cache knows locations the rows now name (filled in from a rack).
pub(super) async fn load_locations(
    db: &DatabaseExecutor<'_>,
    b: &mut Batch<'_>,
) -> Result<(), DbErr> {
    let res = b.res;
    let missing: Vec<i64> = b
        .rows
        .iter()
        .filter_map(|c| cells::get(&c.cells, res, "location_id").int())
        .filter(|id| b.refs.get(Kind::Location, *id).is_none())
        .collect();
    if !missing.is_empty() {
        b.refs.fetch(db, Kind::Location, missing).await?;
    }
    let sites: Vec<i64> = b
        .rows
        .iter()
        .filter_map(|c| cells::get(&c.cells, res, "location_id").int())
        .filter_map(|l| b.refs.get(Kind::Location, l).and_then(|i| i.site_id))
        .filter(|s| b.refs.get(Kind::Site, *s).is_none())
        .collect();
    if !sites.is_empty() {
        b.refs.fetch(db, Kind::Site, sites).await?;
    }
    Ok(())
}
