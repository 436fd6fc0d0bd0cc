//! Times `Program::evaluate` alone (no file reading, no report), to check
//! that the evaluator's default path (`()` trace) stays as fast as it was.
//!
//! ```sh
//! python3 scripts/gen_sales_data.py 100000 > /tmp/employees.csv
//! cargo run --release --example evaluate_loop -- policies/sales_manager.kpi /tmp/employees.csv 20
//! ```
//!
//! Prints the best of the rounds in nanoseconds per employee.

use kpi::data::{self, Format};
use kpi::eval::{self, Frame, Overrides};
use std::time::Instant;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let [_, policy, data_path, rest @ ..] = args.as_slice() else {
        return Err("usage: evaluate_loop POLICY DATA.csv [ROUNDS]".to_string());
    };
    let rounds: usize = rest.first().and_then(|r| r.parse().ok()).unwrap_or(10);
    let source = std::fs::read_to_string(policy).map_err(|e| e.to_string())?;
    let ast = kpi::syntax::parse(&source).map_err(|_| "the policy does not parse")?;
    let plan = kpi::check::check(&ast, &source)
        .map_err(|_| "the policy does not check")?
        .plan;
    let program = eval::bind(&plan, &Overrides::default()).map_err(|_| "cannot bind")?;
    let text = std::fs::read_to_string(data_path).map_err(|e| e.to_string())?;
    let format =
        Format::from_path(std::path::Path::new(data_path)).ok_or("not .csv/.toml/.json")?;
    let dataset = data::read_employees(&plan, format, &text).map_err(|_| "bad data")?;
    let rows: Vec<&Vec<kpi::value::Value>> = dataset
        .employees
        .iter()
        .filter_map(|e| e.inputs.as_ref().ok())
        .collect();
    let mut frame = Frame::new(&program);
    let mut best = f64::MAX;
    let mut checksum = rust_decimal::Decimal::ZERO;
    for _ in 0..rounds {
        let start = Instant::now();
        for inputs in &rows {
            if let Ok(verdict) = program.evaluate(inputs, &[], &mut frame, &mut ()) {
                checksum += verdict.payout;
            }
        }
        let per = start.elapsed().as_nanos() as f64 / rows.len().max(1) as f64;
        best = best.min(per);
    }
    println!(
        "{} employees, best of {rounds} rounds: {best:.0} ns per employee (checksum {checksum})",
        rows.len()
    );
    Ok(())
}
