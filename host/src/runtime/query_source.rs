//! What rule plugins query through the `query` host import: the metrics
//! store and the query limits, and the log store, set once they are open (the runtime is
//! created before it). Until then, and in runtimes without a store (`plugin
//! run`, benches), queries answer `unavailable`.

use crate::query::{QueryOptions, Queryable};
use crate::storage::logs::LogStore;
use std::sync::{Arc, OnceLock};

/// The stores behind the `query` import, shared by every plugin.
#[derive(Default)]
pub struct QuerySource {
    metrics: OnceLock<(Arc<dyn Queryable>, QueryOptions)>,
    logs: OnceLock<LogStore>,
}

impl QuerySource {
    /// Sets the metrics store (first call wins).
    pub fn set(&self, store: Arc<dyn Queryable>, options: QueryOptions) {
        let _ = self.metrics.set((store, options));
    }

    /// The metrics store and limits, once set.
    pub fn get(&self) -> Option<&(Arc<dyn Queryable>, QueryOptions)> {
        self.metrics.get()
    }

    /// Sets the log store (first call wins).
    pub fn set_logs(&self, store: LogStore) {
        let _ = self.logs.set(store);
    }

    /// The log store, once set.
    pub fn logs(&self) -> Option<&LogStore> {
        self.logs.get()
    }
}
