use collie::Collector;

#[derive(Collector)]
#[chart(id = "mode")]
enum Mode {
    On,
    Off,
}

fn main() {}
