//! The one export service: every CSV Census writes (inventory lists, devices seen, the change
//! log, later import reports) and every JSON Lines export goes through here, streamed in
//! chunks, whichever door asked (REST, pages, CLI).
//!
//! Spreadsheet formulas are neutralised: a CSV cell that begins with `=`, `+`, `-`, `@`, a tab
//! or a carriage return gets a leading `'`, so a spreadsheet opening the file shows the text
//! instead of running it (the usual defence against CSV injection, as OWASP describes it).
//! Cells that are plainly numbers (`-5`, `-1.25`) stay as they are.

use super::Ctx;
use super::changelog::{self, ChangeFilter};
use super::history::dashboard::{self, DeviceFilter};
use super::objects::{self, api, query::ListQuery};
use crate::error::AppError;
use crate::model::ChangeDto;
use crate::model::history::SnapshotDto;
use crate::schema::Resource;
use std::borrow::Cow;

/// Rows loaded per chunk.
const CHUNK: usize = 1000;

/// What an export is written as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row, formulas neutralised.
    Csv,
    /// One JSON object per line, the API's shape (`application/x-ndjson`).
    JsonLines,
}

impl Format {
    /// `csv` or `jsonl` (the `format` parameter); None for anything else.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "csv" => Some(Format::Csv),
            "jsonl" => Some(Format::JsonLines),
            _ => None,
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::JsonLines => "application/x-ndjson",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::JsonLines => "jsonl",
        }
    }
}

/// A cell as it is written to CSV: text a spreadsheet would take for a formula starts with `'`.
pub fn neutralise(s: &str) -> Cow<'_, str> {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_number(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// A plain decimal number (`-5`, `+1.5`, `-0.25`): safe in a spreadsheet.
fn is_number(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// CSV written in chunks: rows go in, bytes come out as they fill.
pub struct Csv {
    w: csv::Writer<Vec<u8>>,
}

impl Csv {
    /// A writer whose first row is `header`.
    pub fn new(header: &[String]) -> Result<Csv, AppError> {
        let mut c = Csv {
            w: csv::Writer::from_writer(vec![]),
        };
        c.row(header.iter().map(String::as_str))?;
        Ok(c)
    }

    /// Write one row, every cell neutralised.
    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) -> Result<(), AppError> {
        let cells: Vec<Cow<str>> = cells.into_iter().map(neutralise).collect();
        self.w
            .write_record(cells.iter().map(|c| c.as_bytes()))
            .map_err(|e| AppError::Internal(format!("Could not write the CSV: {e}")))
    }

    /// The bytes written since the last call.
    pub fn take(&mut self) -> Result<Vec<u8>, AppError> {
        let w = std::mem::replace(&mut self.w, csv::Writer::from_writer(vec![]));
        w.into_inner()
            .map_err(|e| AppError::Internal(format!("Could not write the CSV: {e}")))
    }
}

/// The header of an export: the CSV writer (with its first row as bytes), or nothing for JSON
/// Lines.
fn start(format: Format, header: &[String]) -> Result<(Option<Csv>, Option<Vec<u8>>), AppError> {
    match format {
        Format::Csv => {
            let mut c = Csv::new(header)?;
            let bytes = c.take()?;
            Ok((Some(c), Some(bytes)))
        }
        Format::JsonLines => Ok((None, None)),
    }
}

/// One chunk of rows: CSV cells from `row` (neutralised), or one JSON object per line from
/// `json`.
fn chunk<T>(
    csv: &mut Option<Csv>,
    items: &[T],
    row: impl Fn(&T) -> Vec<String>,
    json: impl Fn(&T, &mut Vec<u8>) -> serde_json::Result<()>,
) -> Result<Vec<u8>, AppError> {
    match csv {
        Some(c) => {
            for it in items {
                let cells = row(it);
                c.row(cells.iter().map(String::as_str))?;
            }
            c.take()
        }
        None => {
            let mut out = Vec::with_capacity(items.len() * 256);
            for it in items {
                json(it, &mut out)
                    .map_err(|e| AppError::Internal(format!("Could not write JSON: {e}")))?;
                out.push(b'\n');
            }
            Ok(out)
        }
    }
}

fn strings(cols: &[&str]) -> Vec<String> {
    cols.iter().map(|s| s.to_string()).collect()
}

/// An export in progress: each call to `next` gives the next chunk of bytes, None at the end.
#[async_trait::async_trait]
pub trait Export: Send {
    fn format(&self) -> Format;
    /// The file name offered for download (`devices.csv`).
    fn filename(&self) -> String;
    async fn next(&mut self) -> Result<Option<Vec<u8>>, AppError>;
}

/// Every object of a list query (its paging ignored), in list order.
pub struct Objects {
    ctx: Ctx,
    res: &'static Resource,
    lq: ListQuery,
    format: Format,
    ids: Option<Vec<i64>>,
    done: usize,
    csv: Option<Csv>,
}

/// Export the objects a list query matches.
pub fn objects(ctx: &Ctx, res: &'static Resource, lq: ListQuery, format: Format) -> Objects {
    Objects {
        ctx: ctx.clone(),
        res,
        lq,
        format,
        ids: None,
        done: 0,
        csv: None,
    }
}

#[async_trait::async_trait]
impl Export for Objects {
    fn format(&self) -> Format {
        self.format
    }

    fn filename(&self) -> String {
        format!("{}.{}", self.res.slug, self.format.extension())
    }

    async fn next(&mut self) -> Result<Option<Vec<u8>>, AppError> {
        if self.ids.is_none() {
            self.ids = Some(objects::matching_ids(&self.ctx, self.res, &self.lq).await?);
            let (csv, header) = start(self.format, &api::csv_header(self.res))?;
            self.csv = csv;
            if header.is_some() {
                return Ok(header);
            }
        }
        let ids = self.ids.as_ref().expect("loaded above");
        if self.done >= ids.len() {
            return Ok(None);
        }
        let next = &ids[self.done..(self.done + CHUNK).min(ids.len())];
        self.done += next.len();
        let dtos = objects::dtos_by_id(&self.ctx, self.res, next).await?;
        let res = self.res;
        chunk(
            &mut self.csv,
            &dtos,
            |o| api::csv_row(res, o),
            |o, out| serde_json::to_writer(out, &api::ApiObject(res, o)),
        )
        .map(Some)
    }
}

/// The change-log entries a filter matches, newest first.
pub struct Changes {
    ctx: Ctx,
    filter: ChangeFilter,
    format: Format,
    offset: u64,
    started: bool,
    csv: Option<Csv>,
}

/// Export the change log.
pub fn changes(ctx: &Ctx, filter: ChangeFilter, format: Format) -> Changes {
    Changes {
        ctx: ctx.clone(),
        filter,
        format,
        offset: 0,
        started: false,
        csv: None,
    }
}

/// The CSV columns of the change log.
const CHANGE_COLUMNS: [&str; 10] = [
    "id",
    "time",
    "request_id",
    "user_id",
    "username",
    "object_type",
    "object_id",
    "object_repr",
    "action",
    "changes",
];

fn change_row(c: &ChangeDto) -> Vec<String> {
    let diff: Vec<String> = c
        .diff()
        .into_iter()
        .map(|(field, before, after)| format!("{field}: {before} → {after}"))
        .collect();
    vec![
        c.id.to_string(),
        c.time.clone(),
        c.request_id.clone(),
        c.user_id.map(|u| u.to_string()).unwrap_or_default(),
        c.username.clone(),
        c.object_type.clone(),
        c.object_id.to_string(),
        c.object_repr.clone(),
        c.action.clone(),
        diff.join("; "),
    ]
}

#[async_trait::async_trait]
impl Export for Changes {
    fn format(&self) -> Format {
        self.format
    }

    fn filename(&self) -> String {
        format!("changes.{}", self.format.extension())
    }

    async fn next(&mut self) -> Result<Option<Vec<u8>>, AppError> {
        if !self.started {
            self.started = true;
            let (csv, header) = start(self.format, &strings(&CHANGE_COLUMNS))?;
            self.csv = csv;
            if header.is_some() {
                return Ok(header);
            }
        }
        let page = changelog::list(&self.ctx, &self.filter, CHUNK as u64, self.offset).await?;
        if page.rows.is_empty() {
            return Ok(None);
        }
        self.offset += page.rows.len() as u64;
        chunk(&mut self.csv, &page.rows, change_row, |r, out| {
            serde_json::to_writer(out, r)
        })
        .map(Some)
    }
}

/// The devices the history sources reported on one day, filtered (paging ignored).
pub struct Snapshots {
    ctx: Ctx,
    filter: DeviceFilter,
    format: Format,
    day: Option<chrono::NaiveDate>,
    started: bool,
    done: bool,
    csv: Option<Csv>,
}

/// Export the devices seen on the filter's day (the latest collected day when it names none).
pub async fn snapshots(
    ctx: &Ctx,
    mut filter: DeviceFilter,
    format: Format,
) -> Result<Snapshots, AppError> {
    let day = match filter.date {
        Some(d) => Some(d),
        None => dashboard::latest_date(&ctx.db.conn).await?,
    };
    filter.date = day;
    filter.offset = 0;
    filter.limit = CHUNK as u64;
    Ok(Snapshots {
        ctx: ctx.clone(),
        filter,
        format,
        day,
        started: false,
        done: day.is_none(),
        csv: None,
    })
}

/// The CSV columns of devices seen.
const SNAPSHOT_COLUMNS: [&str; 19] = [
    "date",
    "source",
    "external_id",
    "hostname",
    "display_name",
    "site",
    "organization",
    "location",
    "node_class",
    "classification",
    "spare",
    "billable",
    "os_name",
    "serial",
    "mac_addresses",
    "ip_addresses",
    "last_contact",
    "census_device_id",
    "seen_by_other_source",
];

fn snapshot_row(d: &SnapshotDto) -> Vec<String> {
    vec![
        d.date.clone(),
        d.source.as_str().to_string(),
        d.external_id.clone(),
        d.hostname.clone().unwrap_or_default(),
        d.display_name.clone().unwrap_or_default(),
        d.site_name.clone(),
        d.org_name.clone(),
        d.location_name.clone(),
        d.node_class.clone().unwrap_or_default(),
        d.classification.as_str().to_string(),
        d.is_spare.to_string(),
        d.is_billable.to_string(),
        d.os_name.clone().unwrap_or_default(),
        d.serial.clone().unwrap_or_default(),
        d.mac_addresses.join(" "),
        d.ip_addresses.join(" "),
        d.last_contact.clone().unwrap_or_default(),
        d.device_id.map(|i| i.to_string()).unwrap_or_default(),
        d.covered.to_string(),
    ]
}

#[async_trait::async_trait]
impl Export for Snapshots {
    fn format(&self) -> Format {
        self.format
    }

    fn filename(&self) -> String {
        let day = self
            .day
            .map(|d| d.to_string())
            .unwrap_or_else(|| "none".into());
        format!("census-snapshots-{day}.{}", self.format.extension())
    }

    async fn next(&mut self) -> Result<Option<Vec<u8>>, AppError> {
        if !self.started {
            self.started = true;
            let (csv, header) = start(self.format, &strings(&SNAPSHOT_COLUMNS))?;
            self.csv = csv;
            if header.is_some() {
                return Ok(header);
            }
        }
        if self.done {
            return Ok(None);
        }
        let page = dashboard::devices(&self.ctx, &self.filter).await?;
        self.filter.offset += page.results.len() as u64;
        self.done = page.results.len() < CHUNK || self.filter.offset >= page.count;
        if page.results.is_empty() {
            return Ok(None);
        }
        chunk(&mut self.csv, &page.results, snapshot_row, |d, out| {
            serde_json::to_writer(out, d)
        })
        .map(Some)
    }
}

/// Run an export to the end (the CLI, tests).
pub async fn collect(e: &mut dyn Export) -> Result<Vec<u8>, AppError> {
    let mut out = vec![];
    while let Some(chunk) = e.next().await? {
        out.extend(chunk);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_numbers_are_not() {
        assert_eq!(
            neutralise("=HYPERLINK(\"http://evil.invalid/\",\"x\")"),
            "'=HYPERLINK(\"http://evil.invalid/\",\"x\")"
        );
        assert_eq!(neutralise("+1-555"), "'+1-555");
        assert_eq!(neutralise("@SUM(1+1)"), "'@SUM(1+1)");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("\rx"), "'\rx");
        assert_eq!(neutralise("-"), "'-");
        assert_eq!(neutralise("-5"), "-5");
        assert_eq!(neutralise("-1.25"), "-1.25");
        assert_eq!(neutralise("+3"), "+3");
        assert_eq!(neutralise("-1.2.3"), "'-1.2.3");
        assert_eq!(neutralise("sw-core"), "sw-core");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn csv_rows_come_out_in_chunks() {
        let mut c = Csv::new(&["a".into(), "b".into()]).unwrap();
        assert_eq!(c.take().unwrap(), b"a,b\n");
        c.row(["=1+1", "x,y"]).unwrap();
        assert_eq!(c.take().unwrap(), b"'=1+1,\"x,y\"\n");
    }
}
