//! Daily schedules: which runs are due, as time slots in the configured time zone. A slot is
//! enqueued once (a unique index), so a run missed while Census was down is caught up when it
//! starts again, and several instances queue it only once.

use crate::config::{JobsConfig, Schedule};
use app::model::history::{JobKind, Source};
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};

/// The latest occurrence of `time` in `tz` at or before `now`, as UTC. A time skipped by a
/// daylight-saving change happens an hour later that day; a repeated one the first time.
pub fn last_slot(tz: chrono_tz::Tz, time: NaiveTime, now: DateTime<Utc>) -> DateTime<Utc> {
    let local_today = now.with_timezone(&tz).date_naive();
    for back in 0..3 {
        let day = local_today - Duration::days(back);
        let naive = day.and_time(time);
        let at = tz.from_local_datetime(&naive).earliest().or_else(|| {
            tz.from_local_datetime(&(naive + Duration::hours(1)))
                .earliest()
        });
        if let Some(at) = at {
            let at = at.with_timezone(&Utc);
            if at <= now {
                return at;
            }
        }
    }
    now
}

/// The runs whose latest slot is due now: each configured source's collection and retention.
pub fn due(config: &JobsConfig, now: DateTime<Utc>) -> Vec<(JobKind, DateTime<Utc>)> {
    let mut out = vec![];
    let mut add = |kind: JobKind, s: Schedule, enabled: bool| {
        if let (Some(t), true) = (s, enabled) {
            out.push((kind, last_slot(config.timezone, t, now)));
        }
    };
    for source in Source::ALL {
        add(
            JobKind::Collect(source),
            config.schedule(source),
            config.configured(source).is_some(),
        );
    }
    add(JobKind::Retention, config.schedule_retention, true);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn slots_in_a_time_zone() {
        let two = NaiveTime::from_hms_opt(2, 0, 0).unwrap();
        // Before 02:00 the slot is yesterday's.
        assert_eq!(
            last_slot(chrono_tz::UTC, two, utc("2026-11-21T01:59:00Z")),
            utc("2026-11-20T02:00:00Z")
        );
        assert_eq!(
            last_slot(chrono_tz::UTC, two, utc("2026-11-21T02:00:00Z")),
            utc("2026-11-21T02:00:00Z")
        );
        // 02:00 in New York (EST, UTC-5) is 07:00 UTC.
        assert_eq!(
            last_slot(
                chrono_tz::America::New_York,
                two,
                utc("2026-11-21T08:00:00Z")
            ),
            utc("2026-11-21T07:00:00Z")
        );
        // 2026-03-08: 02:00 does not exist in New York; the run happens at 03:00 EDT.
        assert_eq!(
            last_slot(
                chrono_tz::America::New_York,
                two,
                utc("2026-03-08T12:00:00Z")
            ),
            utc("2026-03-08T07:00:00Z")
        );
    }

    #[test]
    fn only_configured_sources_are_due() {
        let c = JobsConfig::default();
        let due = due(&c, utc("2026-11-21T12:00:00Z"));
        assert_eq!(due, vec![(JobKind::Retention, utc("2026-11-21T04:00:00Z"))]);
    }
}
