// A type the macro cannot judge by its name is checked by the compiler.
use collie::Collector;

struct Reading {
    celsius: f64,
}

#[derive(Collector)]
#[chart(id = "station")]
struct Station {
    #[dim]
    reading: Reading,
}

fn main() {}
