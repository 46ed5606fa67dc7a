use collie::Collector;

#[derive(Collector)]
#[chart(id = "station")]
struct Station {
    #[dim]
    name: String,
    #[dim]
    raining: bool,
    #[dim]
    wind: (f64, f64),
    #[dim(precision = 1)]
    temp: f64,
    #[dim]
    humidity: f64,
    #[dim(precision = 2)]
    pressure: u32,
}

fn main() {}
