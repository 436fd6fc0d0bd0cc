//! The JSON report, exactly as reference §8 describes it, written one
//! employee at a time (the totals come last, so nothing needs holding).

use super::{EmployeeReport, Outcome, Report, RowWriter, Totals};
use crate::plan::Plan;
use crate::value::{self, Value};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use std::io::Write;

pub fn write_json(report: &Report<'_>, out: &mut impl Write) -> std::io::Result<()> {
    super::write_rows(&JsonRows { plan: report.plan }, report, out)
}

/// The JSON report, a row at a time: the same text as serde_json's pretty
/// printer gives for the whole document.
pub struct JsonRows<'p> {
    pub plan: &'p Plan,
}

impl RowWriter for JsonRows<'_> {
    fn header(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\n  \"policy\": ");
        json_string(&self.plan.title, out);
        out.extend_from_slice(b",\n  \"currency\": ");
        json_string(&self.plan.currency, out);
        out.extend_from_slice(b",\n  \"employees\": [");
    }

    fn employee(&self, index: usize, employee: &EmployeeReport, out: &mut Vec<u8>) {
        out.extend_from_slice(if index == 0 { b"\n" } else { b",\n" });
        let mut one = Vec::with_capacity(512);
        let mut serializer = serde_json::Serializer::pretty(&mut one);
        // INVARIANT: serializing strings and maps into memory cannot fail.
        if Employee(self.plan, employee)
            .serialize(&mut serializer)
            .is_err()
        {
            return;
        }
        // Indent the element to its place in the `employees` list.
        for (n, line) in one.split(|b| *b == b'\n').enumerate() {
            if n > 0 {
                out.push(b'\n');
            }
            out.extend_from_slice(b"    ");
            out.extend_from_slice(line);
        }
    }

    fn footer(&self, totals: &Totals, out: &mut Vec<u8>) {
        if totals.employees > 0 {
            out.extend_from_slice(b"\n  ");
        }
        out.extend_from_slice(b"],\n  \"total_payout\": ");
        json_string(&value::fixed_string(totals.payout, self.plan.rounding), out);
        out.extend_from_slice(format!(",\n  \"errors\": {}\n}}\n", totals.errors).as_bytes());
    }
}

fn json_string(text: &str, out: &mut Vec<u8>) {
    // INVARIANT: a string always serializes.
    let _ = serde_json::to_writer(&mut *out, text);
}

struct Employee<'r>(&'r Plan, &'r EmployeeReport);

impl Serialize for Employee<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Employee(plan, employee) = *self;
        let places = plan.rounding;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &employee.id)?;
        if let Some(name) = &employee.name {
            map.serialize_entry("name", name)?;
        }
        match &employee.outcome {
            Outcome::Paid(paid) => {
                let kpis: Vec<(&str, Exact<'_>)> = plan
                    .kpis
                    .iter()
                    .map(|slot| plan.slot(*slot).name.as_str())
                    .zip(paid.kpis.iter().map(Exact))
                    .collect();
                map.serialize_entry("kpis", &Pairs(&kpis))?;
                let bonuses: Vec<(&str, String)> = plan
                    .bonuses
                    .iter()
                    .map(|slot| plan.slot(*slot).name.as_str())
                    .zip(paid.bonuses.iter().map(|b| value::fixed_string(*b, places)))
                    .collect();
                map.serialize_entry("bonuses", &Pairs(&bonuses))?;
                map.serialize_entry("failed_gates", &paid.failed_gates)?;
                map.serialize_entry("capped", &paid.capped)?;
                map.serialize_entry("payout", &value::fixed_string(paid.payout, places))?;
            }
            Outcome::Failed { code, message } => {
                map.serialize_entry("error", &ErrorJson { code, message })?;
            }
        }
        map.end()
    }
}

#[derive(Serialize)]
struct ErrorJson<'a> {
    code: &'a str,
    message: &'a str,
}

/// An ordered map.
struct Pairs<'a, V>(&'a [(&'a str, V)]);

impl<V: Serialize> Serialize for Pairs<'_, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// A value as the report writes it: numbers as exact decimal strings
/// (percents as fractions), bools as bools, texts as strings.
struct Exact<'a>(&'a Value);

impl Serialize for Exact<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Num(n) => serializer.serialize_str(&value::exact_string(*n)),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Text(t) => serializer.serialize_str(t),
        }
    }
}
