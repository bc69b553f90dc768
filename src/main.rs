//! `euiccd`: the SGP.32 IoT Profile Assistant daemon and its command-line face.

fn main() -> std::process::ExitCode {
    euiccd::cli::main()
}
