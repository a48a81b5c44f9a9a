//! The one write path every source shares: append to the metrics store
//! (durable when it returns), then queue what was accepted for each
//! forwarder (also durable), then update the store's self-metrics.

use crate::forward::Forwarder;
use crate::storage::metrics::{AppendOutcome, MetricsDb, Sample, SeriesHints};
use crate::telemetry::SelfMetrics;
use std::sync::Arc;

/// Store plus forwarders.
pub struct Pipeline {
    db: Arc<MetricsDb>,
    forwarders: Vec<Forwarder>,
    telemetry: Arc<SelfMetrics>,
}

impl Pipeline {
    /// A pipeline into `db` and `forwarders`.
    pub fn new(
        db: Arc<MetricsDb>,
        forwarders: Vec<Forwarder>,
        telemetry: Arc<SelfMetrics>,
    ) -> Pipeline {
        Pipeline {
            db,
            forwarders,
            telemetry,
        }
    }

    /// The store.
    pub fn db(&self) -> &Arc<MetricsDb> {
        &self.db
    }

    /// Appends `samples`. Blocking (it syncs to disk): call it off the async
    /// runtime.
    pub fn append(&self, samples: &[Sample]) -> std::io::Result<AppendOutcome> {
        self.append_hinted(samples, None)
    }

    /// [`Pipeline::append`] with the ids of series already found in the
    /// store (see [`MetricsDb::append_hinted`]).
    pub fn append_hinted(
        &self,
        samples: &[Sample],
        hints: Option<&SeriesHints>,
    ) -> std::io::Result<AppendOutcome> {
        let outcome = self.db.append_hinted(samples, hints)?;
        if !self.forwarders.is_empty() && outcome.appended > 0 {
            let accepted: Vec<Sample> = if outcome.appended == samples.len() {
                samples.to_vec()
            } else {
                outcome
                    .accepted
                    .iter()
                    .map(|&i| samples[i].clone())
                    .collect()
            };
            for f in &self.forwarders {
                f.enqueue(&accepted);
            }
        }
        self.telemetry.appended(outcome.appended as u64);
        for (reason, n) in MetricsDb::rejections_by_reason(&outcome) {
            self.telemetry.rejected(reason, n);
        }
        self.telemetry
            .head(self.db.series_count() as u64, self.db.wal_size());
        Ok(outcome)
    }
}
