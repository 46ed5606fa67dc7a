use collie::Collector;

#[derive(Collector)]
#[chart(id = "cpu")]
struct Cpu {
    #[dim(id = "user")]
    user: u64,
    #[dim(id = "user")]
    system: u64,
    #[dim(id = "core_{}")]
    cores: [u64; 2],
    #[dim(id = "core_1")]
    extra: u64,
}

fn main() {}
