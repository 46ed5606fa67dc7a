//! (netdata: work in progress)
