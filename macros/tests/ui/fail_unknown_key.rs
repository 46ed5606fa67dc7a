use collie::Collector;

#[derive(Collector)]
#[collector(typ = "station")]
#[chart(id = "temp", colour = "red", units = "Celsius")]
struct Station {
    #[dim(precison = 1, divisor = 10)]
    temp: i32,
}

fn main() {}
