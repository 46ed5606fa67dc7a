use collie::Collector;

#[derive(Collector)]
#[collector(type = "weather station")]
#[chart(id = "temp.current", context = "weather..temp", title = "It's \"hot\"")]
struct Station {
    #[dim(id = "current temp")]
    temp: i32,
    #[dim(id = "dew-point", name = "dew\npoint")]
    dew: i32,
}

fn main() {}
