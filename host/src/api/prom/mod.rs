//! Prometheus' HTTP API v1: the JSON envelope and its handlers.

pub(super) mod query;
