//! Request counts and latencies by route and status, rendered as Prometheus text together with
//! object counts at scrape time.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Stat {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), Stat>>,
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut m = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        let s = m
            .entry((method.to_string(), route.to_string(), status))
            .or_default();
        s.count += 1;
        s.sum += seconds;
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                s.buckets[i] += 1;
            }
        }
    }

    /// Prometheus text exposition format.
    pub fn render(&self, objects: &[(String, u64)], users: u64, database_up: bool) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP census_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE census_http_requests_total counter\n");
        let m = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        for ((method, route, status), s) in m.iter() {
            let _ = writeln!(
                out,
                "census_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(method),
                escape(route),
                s.count
            );
        }
        out.push_str("# HELP census_http_request_duration_seconds Time to answer HTTP requests.\n");
        out.push_str("# TYPE census_http_request_duration_seconds histogram\n");
        for ((method, route, status), s) in m.iter() {
            let labels = format!(
                "method=\"{}\",route=\"{}\",status=\"{status}\"",
                escape(method),
                escape(route)
            );
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "census_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "census_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "census_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum
            );
            let _ = writeln!(
                out,
                "census_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        drop(m);
        out.push_str(
            "# HELP census_objects Inventory objects by type.\n# TYPE census_objects gauge\n",
        );
        for (kind, n) in objects {
            let _ = writeln!(out, "census_objects{{type=\"{}\"}} {n}", escape(kind));
        }
        out.push_str("# HELP census_users Users.\n# TYPE census_users gauge\n");
        let _ = writeln!(out, "census_users {users}");
        out.push_str("# HELP census_database_up Whether the database answers.\n# TYPE census_database_up gauge\n");
        let _ = writeln!(out, "census_database_up {}", u8::from(database_up));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_histograms() {
        let m = Metrics::default();
        m.observe("GET", "/api/v1/devices/", 200, 0.004);
        m.observe("GET", "/api/v1/devices/", 200, 0.2);
        let text = m.render(&[("device".into(), 7)], 2, true);
        assert!(text.contains(
            "census_http_requests_total{method=\"GET\",route=\"/api/v1/devices/\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains("census_objects{type=\"device\"} 7"));
        assert!(text.contains("census_database_up 1"));
    }
}
