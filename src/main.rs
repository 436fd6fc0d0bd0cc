/// mimalloc: the evaluator, the readers and the writers allocate small
/// values on several threads at once, where it is much faster than the
/// system allocator (see the scale benchmark).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    kpi::cli::main()
}
