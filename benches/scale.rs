//! End-to-end scale benchmark of `kpi eval` (issue: "records, aggregates,
//! and a benchmark that proves the speed").
//!
//! Run with `cargo bench --bench scale` (all sizes; needs about 1.5 GB of
//! disk in `target/bench-data` and a few minutes) or
//! `KPI_BENCH=quick cargo bench --bench scale` (small sizes only).
//!
//! For each size it generates deterministic data, runs the release `kpi`
//! binary and a hand-written Rust program that parses the same CSV with the
//! same crates (csv, rust_decimal) and computes the same numbers, checks the
//! two outputs are identical, and prints wall time (the best of three
//! runs), throughput and peak memory of each process, and their ratio — all
//! measured in one run on one machine. It also times evaluation alone (after input parsing), in
//! process, on one thread.

use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // The baseline runs in its own process so that its memory is its own.
    if args.get(1).map(String::as_str) == Some("--baseline") {
        let result = match args.get(2).map(String::as_str) {
            Some("rows") => baseline_rows(Path::new(&args[3]), Path::new(&args[4])),
            Some("records") => baseline_records(
                Path::new(&args[3]),
                Path::new(&args[4]),
                Path::new(&args[5]),
                Path::new(&args[6]),
            ),
            _ => Err("usage: --baseline rows|records FILES…".into()),
        };
        if let Err(error) = result {
            eprintln!("baseline: {error}");
            std::process::exit(1);
        }
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return; // `cargo bench -- --list` asks what benchmarks exist.
    }
    let quick = std::env::var("KPI_BENCH").is_ok_and(|v| v == "quick");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let data = root.join("target/bench-data");
    std::fs::create_dir_all(&data).expect("creates target/bench-data");
    let kpi = PathBuf::from(env!("CARGO_BIN_EXE_kpi"));
    let me = std::env::current_exe().expect("knows its own path");

    println!("kpi scale benchmark ({} cores)", cores());
    println!();
    println!(
        "| run | size | kpi | baseline | kpi / baseline | throughput | kpi peak memory | baseline peak memory |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    let employee_sizes: &[usize] = if quick {
        &[10_000, 100_000]
    } else {
        &[10_000, 100_000, 1_000_000]
    };
    for &n in employee_sizes {
        let input = data.join(format!("employees-{n}.csv"));
        if !input.exists() {
            generate_employees(&input, n).expect("writes employee data");
        }
        for format in ["csv", "json"] {
            let out = data.join(format!("out-kpi-{n}.{format}"));
            let policy = root.join("policies/sales_manager.kpi");
            let ours = best(|| {
                let mut command = Command::new(&kpi);
                command.args([
                    "eval".as_ref(),
                    policy.as_os_str(),
                    "--data".as_ref(),
                    input.as_os_str(),
                    "--format".as_ref(),
                    format.as_ref(),
                    "--output".as_ref(),
                    out.as_os_str(),
                ]);
                command
            });
            if format == "json" {
                row("employees → JSON", n, "employees", &ours, None);
                continue;
            }
            let base_out = data.join(format!("out-base-{n}.csv"));
            let base = best(|| {
                let mut command = Command::new(&me);
                command.args([
                    "--baseline".as_ref(),
                    "rows".as_ref(),
                    input.as_os_str(),
                    base_out.as_os_str(),
                ]);
                command
            });
            same_output(&out, &base_out);
            row("employees → CSV", n, "employees", &ours, Some(&base));
        }
    }
    let record_sizes: &[usize] = if quick {
        &[100_000]
    } else {
        &[1_000_000, 10_000_000]
    };
    for &n in record_sizes {
        let employees = 10_000;
        let (people, deals, meetings) = (
            data.join(format!("crm-employees-{employees}.csv")),
            data.join(format!("crm-deals-{n}.csv")),
            data.join(format!("crm-meetings-{n}.csv")),
        );
        if !people.exists() {
            generate_crm_employees(&people, employees).expect("writes employees");
        }
        if !deals.exists() {
            generate_records(&deals, &meetings, employees, n).expect("writes records");
        }
        let out = data.join(format!("out-kpi-crm-{n}.csv"));
        let policy = root.join("policies/sales_manager_crm.kpi");
        let deals_arg = format!("deals={}", deals.display());
        let meetings_arg = format!("meetings={}", meetings.display());
        let ours = best(|| {
            let mut command = Command::new(&kpi);
            command.args([
                "eval".as_ref(),
                policy.as_os_str(),
                "--data".as_ref(),
                people.as_os_str(),
                "--records".as_ref(),
                deals_arg.as_ref(),
                "--records".as_ref(),
                meetings_arg.as_ref(),
                "--format".as_ref(),
                "csv".as_ref(),
                "--output".as_ref(),
                out.as_os_str(),
            ]);
            command
        });
        let base_out = data.join(format!("out-base-crm-{n}.csv"));
        let base = best(|| {
            let mut command = Command::new(&me);
            command.args([
                "--baseline".as_ref(),
                "records".as_ref(),
                people.as_os_str(),
                deals.as_os_str(),
                meetings.as_os_str(),
                base_out.as_os_str(),
            ]);
            command
        });
        same_output(&out, &base_out);
        row(
            "10,000 employees + records → CSV",
            n,
            "records",
            &ours,
            Some(&base),
        );
    }
    println!();
    evaluation_only(&root, &data, if quick { 100_000 } else { 1_000_000 });
}

// ---------------------------------------------------------------------------
// Measuring

/// How often each command runs; the fastest run counts (a shared machine
/// only ever makes a run slower).
const RUNS: usize = 3;

fn best(command: impl Fn() -> Command) -> Measured {
    (0..RUNS)
        .map(|_| measure(&mut command()))
        .min_by_key(|m| m.wall)
        .expect("runs at least once")
}

struct Measured {
    wall: Duration,
    peak_kib: i64,
}

/// Runs a command to completion and reads its own peak resident memory.
///
/// The child must be started by `fork`, not `vfork`/`posix_spawn`: a child
/// that shares its parent's memory until `exec` inherits the parent's peak
/// as its own. A `pre_exec` hook makes the standard library fork; the
/// forked copy starts at the parent's current (small) size.
fn measure(command: &mut Command) -> Measured {
    use std::os::unix::process::CommandExt;
    // SAFETY: the hook does nothing, so it is async-signal-safe.
    unsafe {
        command.pre_exec(|| Ok(()));
    }
    let start = Instant::now();
    let child = command.spawn().expect("starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value of the C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet waited for; the pointers are to
    // live locals. wait4 reaps it and fills in its resource usage.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    assert_eq!(reaped, pid, "waits for its child");
    let exit = libc::WEXITSTATUS(status);
    assert!(
        libc::WIFEXITED(status) && exit <= 1,
        "{command:?} failed with status {exit}"
    );
    std::mem::forget(child);
    Measured {
        wall,
        peak_kib: usage.ru_maxrss,
    }
}

fn row(run: &str, n: usize, unit: &str, ours: &Measured, base: Option<&Measured>) {
    let per_second = n as f64 / ours.wall.as_secs_f64();
    let (base_time, ratio, base_memory) = match base {
        Some(b) => (
            seconds(b.wall),
            format!("{:.2}", ours.wall.as_secs_f64() / b.wall.as_secs_f64()),
            mib(b.peak_kib),
        ),
        None => ("—".to_string(), "—".to_string(), "—".to_string()),
    };
    println!(
        "| {run} | {} {unit} | {} | {base_time} | {ratio} | {} {unit}/s | {} | {base_memory} |",
        thousands(n),
        seconds(ours.wall),
        thousands(per_second as usize),
        mib(ours.peak_kib),
    );
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn mib(kib: i64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Compares two files piece by piece (reading them whole would grow this
/// process, and every child forked after it).
fn same_output(ours: &Path, base: &Path) {
    use std::io::Read;
    let open = |path: &Path| std::io::BufReader::new(File::open(path).expect("the report exists"));
    let (mut a, mut b) = (open(ours), open(base));
    let (mut left, mut right) = (vec![0; 1 << 16], vec![0; 1 << 16]);
    loop {
        let n = a.read(&mut left).expect("reads");
        let mut filled = 0;
        while filled < n {
            let m = b.read(&mut right[filled..n]).expect("reads");
            if m == 0 {
                break;
            }
            filled += m;
        }
        assert!(
            n == filled && left[..n] == right[..n],
            "kpi and the baseline disagree: diff {} {}",
            ours.display(),
            base.display()
        );
        if n == 0 {
            let mut rest = [0u8; 1];
            assert_eq!(
                b.read(&mut rest).expect("reads"),
                0,
                "the baseline wrote more"
            );
            return;
        }
    }
}

/// Evaluation alone: the data already parsed, one thread, no output.
fn evaluation_only(root: &Path, data: &Path, n: usize) {
    let source = std::fs::read_to_string(root.join("policies/sales_manager.kpi")).expect("reads");
    let policy = kpi::Policy::parse(&source).expect("checks");
    let plan = policy.plan();
    let text = std::fs::read_to_string(data.join(format!("employees-{n}.csv"))).expect("reads");
    let dataset = kpi::data::read_employees(plan, kpi::data::Format::Csv, &text).expect("reads");
    let program = kpi::eval::bind(plan, &kpi::eval::Overrides::default()).expect("binds");
    let inputs: Vec<&[kpi::value::Value]> = dataset
        .employees
        .iter()
        .filter_map(|e| e.inputs.as_deref().ok())
        .collect();
    let mut frame = kpi::eval::Frame::new(&program);
    let mut best = Duration::MAX;
    let mut total = Decimal::ZERO;
    for _ in 0..3 {
        let start = Instant::now();
        total = Decimal::ZERO;
        for row in &inputs {
            if let Ok(verdict) = program.evaluate(row, &[], &mut frame, &mut ()) {
                total += verdict.payout;
            }
        }
        best = best.min(start.elapsed());
    }
    println!(
        "Evaluation only (inputs parsed, one thread, best of 3): {} employees in {:.3} s = {} employees/s per core (total payout {total})",
        thousands(inputs.len()),
        best.as_secs_f64(),
        thousands((inputs.len() as f64 / best.as_secs_f64()) as usize),
    );
}

// ---------------------------------------------------------------------------
// Deterministic data

/// A small linear congruential generator: the same data on every machine.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn generate_employees(path: &Path, n: usize) -> std::io::Result<()> {
    let mut rng = Lcg(n as u64);
    let mut out = BufWriter::new(File::create(path)?);
    writeln!(
        out,
        "id,name,revenue,revenue_plan,contracts,meetings,rating,on_hold"
    )?;
    let plans = [800_000, 1_000_000, 1_200_000, 1_500_000];
    let ratings = ["", "3", "4", "4.5", "5"];
    for i in 0..n {
        let plan = plans[rng.below(4) as usize];
        // Attainment between 50% and 160%, in hundredths of a rouble.
        let revenue_cents = plan as u64 * (50 + rng.below(110)) + rng.below(100);
        let meetings = rng.below(61);
        let contracts = if meetings == 0 {
            0
        } else {
            rng.below(meetings + 1)
        };
        let rating = ratings[rng.below(5) as usize];
        let on_hold = if i % 97 == 0 { "true" } else { "" };
        writeln!(
            out,
            "E{i},Employee {i},{}.{:02},{plan},{contracts},{meetings},{rating},{on_hold}",
            revenue_cents / 100,
            revenue_cents % 100
        )?;
    }
    out.flush()
}

fn generate_crm_employees(path: &Path, n: usize) -> std::io::Result<()> {
    let mut rng = Lcg(7);
    let mut out = BufWriter::new(File::create(path)?);
    writeln!(out, "id,name,revenue_plan,rating,on_hold")?;
    for i in 0..n {
        let plan = [800_000, 1_000_000, 1_200_000][rng.below(3) as usize];
        let rating = ["", "3", "4", "5"][rng.below(4) as usize];
        writeln!(out, "E{i},Employee {i},{plan},{rating},")?;
    }
    out.flush()
}

/// `n` deals and `n` meetings spread over `employees`, in random order.
fn generate_records(
    deals: &Path,
    meetings: &Path,
    employees: usize,
    n: usize,
) -> std::io::Result<()> {
    let mut rng = Lcg(n as u64 + 11);
    let mut out = BufWriter::new(File::create(deals)?);
    writeln!(out, "employee,amount,stage,client")?;
    let stages = ["won", "won", "lost", "open"];
    for _ in 0..n {
        let employee = rng.below(employees as u64);
        let amount = 1_000 + rng.below(400_000);
        writeln!(
            out,
            "E{employee},{amount}.{:02},{},C{}",
            rng.below(100),
            stages[rng.below(4) as usize],
            // A portfolio of forty clients per manager: `distinct`
            // keeps each different client once, so its memory is bounded
            // by the clients, not by the number of deals.
            employee * 7 + rng.below(40)
        )?;
    }
    out.flush()?;
    let mut out = BufWriter::new(File::create(meetings)?);
    writeln!(out, "employee,kind")?;
    for _ in 0..n {
        let employee = rng.below(employees as u64);
        writeln!(
            out,
            "E{employee},{}",
            ["visit", "call", "demo"][rng.below(3) as usize]
        )?;
    }
    out.flush()
}

// ---------------------------------------------------------------------------
// The baseline: the sales manager policy written by hand in Rust.

type BoxError = Box<dyn std::error::Error>;

struct Row<'a> {
    id: &'a str,
    name: &'a str,
    revenue: Decimal,
    revenue_plan: Decimal,
    contracts: Decimal,
    meetings: Decimal,
    rating: Decimal,
    on_hold: bool,
}

fn dec(text: &str) -> Result<Decimal, BoxError> {
    Ok(Decimal::from_str_exact(text.trim())?)
}

fn baseline_rows(input: &Path, output: &Path) -> Result<(), BoxError> {
    let mut reader = csv::Reader::from_path(input)?;
    let mut writer = csv::Writer::from_writer(BufWriter::new(File::create(output)?));
    writer.write_record(HEADER)?;
    let mut record = csv::StringRecord::new();
    let mut seen = HashSet::new();
    while reader.read_record(&mut record)? {
        let field = |i: usize| record.get(i).unwrap_or("");
        if !seen.insert(field(0).to_string()) {
            return Err("duplicate id".into());
        }
        let row = Row {
            id: field(0),
            name: field(1),
            revenue: dec(field(2))?,
            revenue_plan: dec(field(3))?,
            contracts: dec(field(4))?,
            meetings: dec(field(5))?,
            rating: if field(6).is_empty() {
                Decimal::from(3)
            } else {
                dec(field(6))?
            },
            on_hold: field(7).eq_ignore_ascii_case("true"),
        };
        write_row(&mut writer, &row, &[])?;
    }
    writer.flush()?;
    Ok(())
}

fn baseline_records(
    people: &Path,
    deals: &Path,
    meetings: &Path,
    output: &Path,
) -> Result<(), BoxError> {
    struct Person {
        id: String,
        name: String,
        plan: Decimal,
        rating: Decimal,
        on_hold: bool,
        revenue: Decimal,
        contracts: u64,
        clients: HashSet<String>,
        meetings: u64,
    }
    let mut people_list = Vec::new();
    let mut index = HashMap::new();
    let mut reader = csv::Reader::from_path(people)?;
    for record in reader.records() {
        let record = record?;
        let field = |i: usize| record.get(i).unwrap_or("");
        index.insert(field(0).to_string(), people_list.len());
        people_list.push(Person {
            id: field(0).to_string(),
            name: field(1).to_string(),
            plan: dec(field(2))?,
            rating: if field(3).is_empty() {
                Decimal::from(3)
            } else {
                dec(field(3))?
            },
            on_hold: field(4).eq_ignore_ascii_case("true"),
            revenue: Decimal::ZERO,
            contracts: 0,
            clients: HashSet::new(),
            meetings: 0,
        });
    }
    let mut reader = csv::Reader::from_path(deals)?;
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record)? {
        let person = index
            .get(record.get(0).unwrap_or(""))
            .ok_or("unknown employee")?;
        let amount = dec(record.get(1).unwrap_or(""))?;
        if record.get(2) == Some("won") {
            let person = &mut people_list[*person];
            person.revenue = person.revenue.checked_add(amount).ok_or("overflow")?;
            person.contracts += 1;
            person
                .clients
                .insert(record.get(3).unwrap_or("").to_string());
        }
    }
    let mut reader = csv::Reader::from_path(meetings)?;
    while reader.read_record(&mut record)? {
        let person = index
            .get(record.get(0).unwrap_or(""))
            .ok_or("unknown employee")?;
        people_list[*person].meetings += 1;
    }
    let mut writer = csv::Writer::from_writer(BufWriter::new(File::create(output)?));
    writer.write_record(HEADER_CRM)?;
    for person in &people_list {
        let row = Row {
            id: &person.id,
            name: &person.name,
            revenue: person.revenue,
            revenue_plan: person.plan,
            contracts: Decimal::from(person.contracts),
            meetings: Decimal::from(person.meetings),
            rating: person.rating,
            on_hold: person.on_hold,
        };
        let extra = [
            exact(person.revenue),
            person.contracts.to_string(),
            person.clients.len().to_string(),
            person.meetings.to_string(),
        ];
        write_row(&mut writer, &row, &extra)?;
    }
    writer.flush()?;
    Ok(())
}

const HEADER: [&str; 13] = [
    "id",
    "name",
    "attainment",
    "conversion",
    "quality",
    "plan_bonus",
    "contract_bonus",
    "quality_bonus",
    "payout",
    "capped",
    "failed_gates",
    "error_code",
    "error",
];
const HEADER_CRM: [&str; 17] = [
    "id",
    "name",
    "revenue",
    "contracts",
    "clients",
    "meetings_held",
    "attainment",
    "conversion",
    "quality",
    "plan_bonus",
    "contract_bonus",
    "quality_bonus",
    "payout",
    "capped",
    "failed_gates",
    "error_code",
    "error",
];

fn exact(d: Decimal) -> String {
    if d.is_zero() {
        "0".to_string()
    } else {
        d.normalize().to_string()
    }
}

fn money(d: Decimal) -> String {
    let mut rounded = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    if rounded.is_zero() {
        rounded.set_sign_positive(true);
    }
    rounded.rescale(2);
    rounded.to_string()
}

fn write_row<W: Write>(
    writer: &mut csv::Writer<W>,
    row: &Row<'_>,
    before: &[String],
) -> Result<(), BoxError> {
    let percent = |n: i64| Decimal::new(n, 2);
    let mut fields: Vec<String> = vec![row.id.to_string(), row.name.to_string()];
    if row.revenue_plan.is_zero() {
        // kpis, bonus lines, payout, capped and failed gates stay empty.
        let blanks = before.len() + 3 + 3 + 3;
        fields.extend(std::iter::repeat_n(String::new(), blanks));
        fields.push("kpi::eval::division_by_zero".to_string());
        fields.push("division by zero while computing `attainment`".to_string());
        writer.write_record(&fields)?;
        return Ok(());
    }
    fields.extend(before.iter().cloned());
    let attainment = row
        .revenue
        .checked_div(row.revenue_plan)
        .ok_or("overflow")?;
    let conversion = if row.meetings > Decimal::ZERO {
        row.contracts.checked_div(row.meetings).ok_or("overflow")?
    } else {
        Decimal::ZERO
    };
    let score = (conversion.checked_div(percent(25)).ok_or("overflow")?).min(percent(150));
    let quality = score * percent(60)
        + row.rating.checked_div(Decimal::from(5)).ok_or("overflow")? * percent(40);
    let multiplier = if attainment < percent(80) {
        Decimal::ZERO
    } else if attainment < percent(100) {
        Decimal::from_str("0.6")?
    } else if attainment < percent(110) {
        Decimal::ONE
    } else if attainment < percent(130) {
        Decimal::from_str("1.3")?
    } else {
        Decimal::from_str("1.6")?
    };
    let round = |d: Decimal| d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let plan_bonus = round(Decimal::from(40_000) * multiplier);
    let contract_bonus =
        round(Decimal::from(1_500) * (row.contracts - Decimal::from(10)).max(Decimal::ZERO));
    let quality_bonus = round(Decimal::from(10_000) * quality);
    let sum = plan_bonus + contract_bonus + quality_bonus;
    let mut failed = Vec::new();
    if attainment < percent(80) {
        failed.push("Revenue below 80% of plan: no bonus this month");
    }
    if row.on_hold {
        failed.push("Unresolved disciplinary case: bonus on hold");
    }
    let cap = Decimal::from(100_000);
    let (payout, capped) = if !failed.is_empty() {
        (Decimal::ZERO, false)
    } else if sum > cap {
        (cap, true)
    } else {
        (sum, false)
    };
    fields.extend([
        exact(attainment),
        exact(conversion),
        exact(quality),
        money(plan_bonus),
        money(contract_bonus),
        money(quality_bonus),
        money(payout),
        capped.to_string(),
        failed.join("; "),
        String::new(),
        String::new(),
    ]);
    writer.write_record(&fields)?;
    Ok(())
}
