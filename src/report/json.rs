//! The JSON report, exactly as reference §8 describes it.

use super::{EmployeeReport, Outcome, Report};
use crate::value::{self, Value};
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use std::io::Write;

pub fn write_json(report: &Report<'_>, out: &mut impl Write) -> std::io::Result<()> {
    let mut serializer = serde_json::Serializer::pretty(&mut *out);
    Whole(report)
        .serialize(&mut serializer)
        .map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}

struct Whole<'r, 'p>(&'r Report<'p>);

impl Serialize for Whole<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let report = self.0;
        let places = report.plan.rounding;
        let mut map = serializer.serialize_map(Some(5))?;
        map.serialize_entry("policy", &report.plan.title)?;
        map.serialize_entry("currency", &report.plan.currency)?;
        map.serialize_entry("employees", &Employees(report))?;
        map.serialize_entry(
            "total_payout",
            &value::fixed_string(report.total_payout(), places),
        )?;
        map.serialize_entry("errors", &report.error_count())?;
        map.end()
    }
}

struct Employees<'r, 'p>(&'r Report<'p>);

impl Serialize for Employees<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.employees.len()))?;
        for employee in &self.0.employees {
            seq.serialize_element(&Employee(self.0, employee))?;
        }
        seq.end()
    }
}

struct Employee<'r, 'p>(&'r Report<'p>, &'r EmployeeReport);

impl Serialize for Employee<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Employee(report, employee) = *self;
        let plan = report.plan;
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
