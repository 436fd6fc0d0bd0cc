//! Values, types and the exact decimal arithmetic every stage shares.
//!
//! Money and numbers are both [`Decimal`] at run time; the checker has
//! already proved the units right, so values carry no unit.

use rust_decimal::{Decimal, RoundingStrategy};
use std::fmt;
use std::sync::Arc;

/// A declared type: `input x : percent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Money,
    Number,
    Percent,
    Count,
    Bool,
    Text,
}

impl Type {
    pub const ALL: [Type; 6] = [
        Type::Money,
        Type::Number,
        Type::Percent,
        Type::Count,
        Type::Bool,
        Type::Text,
    ];

    pub fn from_name(name: &str) -> Option<Type> {
        Type::ALL.into_iter().find(|ty| ty.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Type::Money => "money",
            Type::Number => "number",
            Type::Percent => "percent",
            Type::Count => "count",
            Type::Bool => "bool",
            Type::Text => "text",
        }
    }

    /// What the type computes as: `percent` and `count` are numbers.
    pub fn kind(self) -> Kind {
        match self {
            Type::Money => Kind::Money,
            Type::Number | Type::Percent | Type::Count => Kind::Number,
            Type::Bool => Kind::Bool,
            Type::Text => Kind::Text,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The kind of an expression, for unit checking (language reference §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Money,
    Number,
    Bool,
    Text,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Money => "money",
            Kind::Number => "number",
            Kind::Bool => "bool",
            Kind::Text => "text",
        }
    }

    /// The type a declaration without a written type shows as.
    pub fn default_type(self) -> Type {
        match self {
            Kind::Money => Type::Money,
            Kind::Number => Type::Number,
            Kind::Bool => Type::Bool,
            Kind::Text => Type::Text,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A run-time value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    Num(Decimal),
    Bool(bool),
    Text(Arc<str>),
}

impl Value {
    pub fn as_num(&self) -> Option<Decimal> {
        match self {
            Value::Num(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// Why an arithmetic operation has no result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithError {
    DivisionByZero,
    Overflow,
}

pub fn add(a: Decimal, b: Decimal) -> Result<Decimal, ArithError> {
    a.checked_add(b).ok_or(ArithError::Overflow)
}

pub fn sub(a: Decimal, b: Decimal) -> Result<Decimal, ArithError> {
    a.checked_sub(b).ok_or(ArithError::Overflow)
}

pub fn mul(a: Decimal, b: Decimal) -> Result<Decimal, ArithError> {
    a.checked_mul(b).ok_or(ArithError::Overflow)
}

/// Exact where the quotient ends, else carried to 28 significant digits.
pub fn div(a: Decimal, b: Decimal) -> Result<Decimal, ArithError> {
    if b.is_zero() {
        return Err(ArithError::DivisionByZero);
    }
    a.checked_div(b).ok_or(ArithError::Overflow)
}

pub fn neg(a: Decimal) -> Decimal {
    -a
}

/// Rounds half away from zero (language reference §4 and §5).
pub fn round(a: Decimal, places: u32) -> Decimal {
    let mut rounded = a.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    if rounded.is_zero() {
        rounded.set_sign_positive(true);
    }
    rounded
}

/// The exact decimal, without trailing zeros: `"1.25"`, `"0"`, `"-3"`.
pub fn exact_string(a: Decimal) -> String {
    if a.is_zero() {
        return "0".to_string();
    }
    a.normalize().to_string()
}

/// The decimal rounded to exactly `places` digits: `"45000.00"`.
pub fn fixed_string(a: Decimal, places: u32) -> String {
    let mut rounded = round(a, places);
    rounded.rescale(places);
    rounded.to_string()
}

/// Reads a decimal as written in data or on the command line: digits, an
/// optional sign and fraction, optionally an exponent (`1.5e3`, as JSON and
/// TOML allow). Never goes through binary floating point.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let text = text.trim();
    if text.is_empty() || text.contains(['e', 'E']) && text.len() > 64 {
        return None;
    }
    let plain = text.strip_prefix('+').unwrap_or(text);
    if !plain
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | '.' | 'e' | 'E' | '+'))
    {
        return None;
    }
    if plain.contains(['e', 'E']) {
        return Decimal::from_scientific(plain).ok();
    }
    if plain.starts_with('.') || plain.ends_with('.') || plain.starts_with("-.") {
        return None;
    }
    Decimal::from_str_exact(plain).ok()
}

/// Why a text could not be read as a value of a type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextValueError {
    /// Not a value of the type at all; the string says what was expected.
    Expected(&'static str),
    /// A money amount in another currency.
    WrongCurrency(String),
    /// A number with more digits than a decimal holds.
    TooLarge,
    /// A count that is negative or has a fraction.
    NotACount,
}

/// Reads a value of `ty` written as text: a CSV cell, a string in TOML or
/// JSON, a `--set NAME=VALUE`. Money may carry the policy's currency code
/// (`2000 USD`); percent may be written `85%` or `0.85`.
pub fn parse_text_value(text: &str, ty: Type, currency: &str) -> Result<Value, TextValueError> {
    let text = text.trim();
    match ty {
        Type::Text => Ok(Value::Text(Arc::from(text))),
        Type::Bool => match text.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(TextValueError::Expected("`true` or `false`")),
        },
        Type::Money => {
            let amount = match text.rsplit_once([' ', '\t']) {
                Some((amount, code))
                    if code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()) =>
                {
                    if code != currency {
                        return Err(TextValueError::WrongCurrency(code.to_string()));
                    }
                    amount
                }
                _ => text,
            };
            number(amount, "an amount of money such as `1250.50`").map(Value::Num)
        }
        Type::Number => number(text, "a number such as `12.5`").map(Value::Num),
        Type::Percent => match text.strip_suffix('%') {
            Some(percent) => {
                let n = number(percent, "a percentage such as `85%` or `0.85`")?;
                div(n, Decimal::ONE_HUNDRED)
                    .map(Value::Num)
                    .map_err(|_| TextValueError::TooLarge)
            }
            None => number(text, "a percentage such as `85%` or `0.85`").map(Value::Num),
        },
        Type::Count => {
            let n = number(text, "a whole number such as `12`")?;
            check_count(n).map(Value::Num)
        }
    }
}

fn number(text: &str, expected: &'static str) -> Result<Decimal, TextValueError> {
    match parse_decimal(text) {
        Some(n) => Ok(n),
        None if looks_numeric(text) => Err(TextValueError::TooLarge),
        None => Err(TextValueError::Expected(expected)),
    }
}

fn looks_numeric(text: &str) -> bool {
    let digits = text.trim().trim_start_matches(['-', '+']);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// A count is whole and not negative.
pub fn check_count(n: Decimal) -> Result<Decimal, TextValueError> {
    if n.is_sign_negative() && !n.is_zero() || !n.fract().is_zero() {
        return Err(TextValueError::NotACount);
    }
    Ok(n.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn exact_strings_drop_trailing_zeros() {
        assert_eq!(exact_string(d("1.2500")), "1.25");
        assert_eq!(exact_string(d("-0.000")), "0");
        assert_eq!(exact_string(d("100")), "100");
    }

    #[test]
    fn fixed_strings_round_half_away_from_zero() {
        assert_eq!(fixed_string(d("2.345"), 2), "2.35");
        assert_eq!(fixed_string(d("-2.345"), 2), "-2.35");
        assert_eq!(fixed_string(d("45000"), 2), "45000.00");
        assert_eq!(fixed_string(d("-0.001"), 2), "0.00");
        assert_eq!(fixed_string(d("7.5"), 0), "8");
    }

    #[test]
    fn decimals_are_read_exactly() {
        assert_eq!(parse_decimal("0.1"), Some(d("0.1")));
        assert_eq!(parse_decimal("-4.69"), Some(d("-4.69")));
        assert_eq!(parse_decimal("1.5e3"), Some(d("1500")));
        assert_eq!(parse_decimal("1,000"), None);
        assert_eq!(parse_decimal(".5"), None);
        assert_eq!(
            parse_decimal("1234567890123456789012345678901234567890"),
            None
        );
    }

    #[test]
    fn text_values_follow_their_type() {
        let p = |t, ty| parse_text_value(t, ty, "USD");
        assert_eq!(p("85%", Type::Percent), Ok(Value::Num(d("0.85"))));
        assert_eq!(p("0.85", Type::Percent), Ok(Value::Num(d("0.85"))));
        assert_eq!(p("2000 USD", Type::Money), Ok(Value::Num(d("2000"))));
        assert_eq!(
            p("2000 EUR", Type::Money),
            Err(TextValueError::WrongCurrency("EUR".into()))
        );
        assert_eq!(p("3.5", Type::Count), Err(TextValueError::NotACount));
        assert_eq!(p("-1", Type::Count), Err(TextValueError::NotACount));
        assert_eq!(p("TRUE", Type::Bool), Ok(Value::Bool(true)));
        assert!(matches!(
            p("abc", Type::Number),
            Err(TextValueError::Expected(_))
        ));
        assert_eq!(
            p("1234567890123456789012345678901234567890", Type::Number),
            Err(TextValueError::TooLarge)
        );
    }

    #[test]
    fn arithmetic_reports_overflow_and_division_by_zero() {
        assert_eq!(div(d("1"), d("0")), Err(ArithError::DivisionByZero));
        assert_eq!(mul(Decimal::MAX, d("2")), Err(ArithError::Overflow));
        assert_eq!(add(d("0.1"), d("0.2")), Ok(d("0.3")));
        assert_eq!(div(d("1"), d("3")).map(|q| q.to_string().len()), Ok(30));
    }
}
