//! (chart: work in progress)
