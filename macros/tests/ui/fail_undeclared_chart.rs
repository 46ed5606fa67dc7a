use collie::Collector;

#[derive(Collector)]
#[chart(id = "temp_current", title = "Temperature")]
#[chart(id = "humid_current", title = "Humidity")]
struct Station {
    #[dim(chart = "temp_current")]
    temp: i32,
    #[dim(chart = "humid_curent")]
    humidity: i32,
    #[dim]
    pressure: i32,
}

fn main() {}
