use collie::Collector;

#[derive(Collector)]
#[chart(id = "temp", title = "Temperature")]
#[chart(id = "humidity", title = "Humidity")]
struct Station {
    #[dim(chart = "temp")]
    temp: i32,
}

#[derive(Collector)]
struct NoCharts {
    value: i32,
}

fn main() {}
