//! (cache: work in progress)
