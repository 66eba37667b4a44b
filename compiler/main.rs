use std::process::ExitCode;

fn main() -> ExitCode {
    stackc::cli::main()
}
