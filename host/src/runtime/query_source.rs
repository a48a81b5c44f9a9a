//! What rule plugins query through the `query` host import: the metrics
//! store and the query limits, set once the store is open (the runtime is
//! created before it). Until then, and in runtimes without a store (`plugin
//! run`, benches), queries answer `unavailable`.

use crate::query::{QueryOptions, Queryable};
use std::sync::{Arc, OnceLock};

/// The store behind the `query` import, shared by every plugin.
#[derive(Default)]
pub struct QuerySource(OnceLock<(Arc<dyn Queryable>, QueryOptions)>);

impl QuerySource {
    /// Sets the store (first call wins).
    pub fn set(&self, store: Arc<dyn Queryable>, options: QueryOptions) {
        let _ = self.0.set((store, options));
    }

    /// The store and limits, once set.
    pub fn get(&self) -> Option<&(Arc<dyn Queryable>, QueryOptions)> {
        self.0.get()
    }
}
