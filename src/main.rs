fn main() -> std::process::ExitCode {
    kpi::cli::main()
}
