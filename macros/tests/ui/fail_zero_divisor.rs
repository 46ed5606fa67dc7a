use collie::Collector;

#[derive(Collector)]
#[chart(id = "net")]
struct Net {
    #[dim(divisor = 0)]
    received: u64,
    #[dim(multiplier = 0)]
    sent: u64,
}

fn main() {}
