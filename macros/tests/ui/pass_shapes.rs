// Arrays, options, tuple structs, generics, one field in two charts, a
// chart name that is text rather than an id, and the core crate used
// directly through `crate = ...`.
use collie::chart::Collector as _;

#[derive(collie::Collector)]
#[chart(id = "cores", name = "All cores", title = "CPU cores", units = "%",
        chart_type = "stacked")]
struct Cpu {
    #[dim(id = "core{}", name = "core {}", precision = 1)]
    cores: [f32; 4],
    #[dim(id = "steal", hidden)]
    steal: Option<u8>,
}

#[derive(collie_macros::Collector)]
#[collector(crate = collie_core, type = "disk")]
#[chart(id = "io", units = "KiB/s")]
#[chart(id = "total", units = "KiB")]
struct Disk<T: collie_core::chart::DimensionValue>(
    #[dim(chart = "io", id = "reads", algorithm = "incremental")]
    #[dim(chart = "total", id = "reads")]
    T,
    #[dim(chart = "io", id = "writes", algorithm = "incremental", multiplier = -1)] u64,
);

fn main() {
    assert_eq!(Cpu::CHARTS[0].dimensions.len(), 5);
    assert_eq!(Cpu::CHARTS[0].name, "All cores");
    assert_eq!(<Disk<u32> as collie_core::chart::Collector>::CHARTS.len(), 2);
}
