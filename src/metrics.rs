//! Prometheus metrics of one server: GraphQL requests by operation and outcome, their latency,
//! SQL statements, the connection pool, and open WebSockets and subscriptions.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Distinct operation names kept as labels; later ones count as `other` (clients choose names,
/// so the label set must stay bounded).
const MAX_OPERATIONS: usize = 200;

/// How an operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Data and no errors.
    Ok,
    /// Executed, with errors.
    Error,
    /// Refused before execution (parse, validation, limits, persisted query not found).
    Rejected,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Rejected => "rejected",
        }
    }
}

#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Requests {
    /// Operation names given a label of their own.
    names: std::collections::BTreeSet<String>,
    by_operation: BTreeMap<(String, Outcome), u64>,
    latency: BTreeMap<Outcome, Histogram>,
}

/// The metrics of one server.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<Requests>,
    /// SQL statements run on the pool.
    pub statements: std::sync::Arc<AtomicU64>,
    /// Operations answered by a compiled plan (`graphql::plans`).
    pub planned: AtomicU64,
}

/// Gauges read at scrape time.
pub struct Gauges {
    pub pool_size: u32,
    pub pool_idle: usize,
    pub websockets: usize,
    pub subscribers: usize,
    /// Creates written on PostgreSQL, and the statements that wrote them.
    pub creates: (u64, u64),
}

impl Metrics {
    /// Metrics reading SQL statements from `statements`.
    pub fn new(statements: std::sync::Arc<AtomicU64>) -> Self {
        Self {
            requests: Mutex::default(),
            statements,
            planned: AtomicU64::new(0),
        }
    }

    /// Records one GraphQL operation.
    pub fn observe(&self, operation: Option<&str>, outcome: Outcome, elapsed: Duration) {
        let Ok(mut requests) = self.requests.lock() else {
            return;
        };
        let mut name = operation.unwrap_or("anonymous").to_owned();
        if !requests.names.contains(&name) {
            if requests.names.len() < MAX_OPERATIONS {
                requests.names.insert(name.clone());
            } else {
                name = "other".into();
            }
        }
        *requests.by_operation.entry((name, outcome)).or_default() += 1;
        let histogram = requests.latency.entry(outcome).or_default();
        let seconds = elapsed.as_secs_f64();
        for (bucket, bound) in histogram.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// The Prometheus text exposition.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# HELP interest_gateway_graphql_requests_total GraphQL operations by operation name and outcome.");
        let _ = writeln!(out, "# TYPE interest_gateway_graphql_requests_total counter");
        if let Ok(requests) = self.requests.lock() {
            for ((operation, outcome), n) in &requests.by_operation {
                let _ = writeln!(
                    out,
                    "interest_gateway_graphql_requests_total{{operation=\"{}\",outcome=\"{}\"}} {n}",
                    escape(operation),
                    outcome.as_str()
                );
            }
            let _ = writeln!(out, "# HELP interest_gateway_graphql_request_duration_seconds Time to answer a GraphQL operation.");
            let _ = writeln!(
                out,
                "# TYPE interest_gateway_graphql_request_duration_seconds histogram"
            );
            for (outcome, h) in &requests.latency {
                let o = outcome.as_str();
                for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                    let _ = writeln!(
                        out,
                        "interest_gateway_graphql_request_duration_seconds_bucket{{outcome=\"{o}\",le=\"{bound}\"}} {n}"
                    );
                }
                let _ = writeln!(
                    out,
                    "interest_gateway_graphql_request_duration_seconds_bucket{{outcome=\"{o}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "interest_gateway_graphql_request_duration_seconds_sum{{outcome=\"{o}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "interest_gateway_graphql_request_duration_seconds_count{{outcome=\"{o}\"}} {}",
                    h.count
                );
            }
        }
        let gauges_and_counters = [
            (
                "interest_gateway_db_statements_total",
                "counter",
                "SQL statements run on the connection pool.",
                self.statements.load(Ordering::Relaxed) as f64,
            ),
            (
                "interest_gateway_graphql_planned_operations_total",
                "counter",
                "GraphQL operations answered by a compiled plan rather than async-graphql's executor.",
                self.planned.load(Ordering::Relaxed) as f64,
            ),
            (
                "interest_gateway_db_creates_total",
                "counter",
                "Creates written on PostgreSQL (several to a statement under load).",
                gauges.creates.0 as f64,
            ),
            (
                "interest_gateway_db_create_statements_total",
                "counter",
                "Statements that wrote the creates of interest_gateway_db_creates_total.",
                gauges.creates.1 as f64,
            ),
            (
                "interest_gateway_db_pool_connections",
                "gauge",
                "Connections open in the pool.",
                f64::from(gauges.pool_size),
            ),
            (
                "interest_gateway_db_pool_idle_connections",
                "gauge",
                "Idle connections in the pool.",
                gauges.pool_idle as f64,
            ),
            (
                "interest_gateway_websockets",
                "gauge",
                "Open WebSocket connections.",
                gauges.websockets as f64,
            ),
            (
                "interest_gateway_subscribers",
                "gauge",
                "Open subscriptions in this process.",
                gauges.subscribers as f64,
            ),
        ];
        for (name, kind, help, value) in gauges_and_counters {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
        }
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_counted_by_outcome_and_bounded() {
        let m = Metrics::default();
        m.observe(Some("Count"), Outcome::Ok, Duration::from_millis(3));
        m.observe(Some("Count"), Outcome::Ok, Duration::from_millis(30));
        m.observe(None, Outcome::Rejected, Duration::from_millis(1));
        for i in 0..300 {
            m.observe(Some(&format!("op{i}")), Outcome::Error, Duration::ZERO);
        }
        let text = m.render(&Gauges {
            pool_size: 1,
            pool_idle: 1,
            websockets: 0,
            subscribers: 0,
            creates: (7, 2),
        });
        assert!(
            text.contains("interest_gateway_graphql_requests_total{operation=\"Count\",outcome=\"ok\"} 2")
        );
        assert!(text.contains("operation=\"anonymous\",outcome=\"rejected\"} 1"));
        assert!(text.contains("operation=\"other\""));
        assert!(text.contains(
            "interest_gateway_graphql_request_duration_seconds_bucket{outcome=\"ok\",le=\"0.005\"} 1"
        ));
        assert!(text.contains("interest_gateway_graphql_request_duration_seconds_count{outcome=\"ok\"} 2"));
        assert!(text.contains("interest_gateway_db_creates_total 7\n"));
        assert!(text.contains("interest_gateway_db_create_statements_total 2\n"));
        assert_eq!(escape("a\"b"), "a\\\"b");
    }
}
