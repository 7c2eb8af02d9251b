//! The configuration normalization runs from: APISmith's column metadata (`ColumnDef`), the planner's field
//! mappings (`FieldMapping`, `Transformation`) and the connection's parsing settings (`NormalizeOptions`).

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// One column as APISmith's API definition describes it (`columns[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ColumnDef {
    pub name: String,
    /// Oracle type name, possibly with precision (`NUMBER(10,2)`); `None` or empty means undeclared.
    #[serde(default)]
    pub data_type: Option<String>,
    #[serde(default = "yes")]
    pub is_nullable: bool,
    #[serde(default)]
    pub is_business_key: bool,
    #[serde(default)]
    pub is_row_version: bool,
}

fn yes() -> bool {
    true
}

/// How layer 1 treats a column, from its declared type's base name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Number,
    Date,
    Boolean,
    Raw,
    Undeclared,
}

impl ColumnKind {
    /// Matches on the base name: `NUMBER(10,2)` is `NUMBER`, `TIMESTAMP(6) WITH TIME ZONE` is a timestamp.
    /// A type we do not know (`XMLTYPE`, `INTERVAL …`) is treated as undeclared: its JSON type is kept.
    pub fn from_data_type(data_type: Option<&str>) -> ColumnKind {
        let Some(t) = data_type.map(str::trim).filter(|t| !t.is_empty()) else {
            return ColumnKind::Undeclared;
        };
        let upper = t.to_ascii_uppercase();
        let base: String = {
            let mut out = String::with_capacity(upper.len());
            let mut depth = 0;
            for c in upper.chars() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ if depth == 0 => out.push(c),
                    _ => {}
                }
            }
            out.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        match base.as_str() {
            "VARCHAR2" | "VARCHAR" | "CHAR" | "CLOB" | "NVARCHAR2" | "NCHAR" | "NCLOB" | "LONG" => {
                ColumnKind::Text
            }
            "NUMBER" | "NUMERIC" | "DECIMAL" | "INTEGER" | "INT" | "SMALLINT" | "FLOAT"
            | "BINARY_FLOAT" | "BINARY_DOUBLE" => ColumnKind::Number,
            "DATE" => ColumnKind::Date,
            b if b.starts_with("TIMESTAMP") => ColumnKind::Date,
            "BOOLEAN" => ColumnKind::Boolean,
            "RAW" | "LONG RAW" | "BLOB" => ColumnKind::Raw,
            _ => ColumnKind::Undeclared,
        }
    }
}

/// One planner-defined mapping from an APISmith field to a target field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FieldMapping {
    pub source_field: String,
    pub target_field: String,
    /// A `Transformation` name; kept as text so an unknown name can be refused with a message at save time.
    #[serde(default)]
    pub transformation: Option<String>,
    /// Any JSON value (including `0`, `""`, `false`); JSON null means no default.
    #[serde(default)]
    pub default_value: Option<serde_json::Value>,
    #[serde(default)]
    pub is_required: bool,
}

/// The value transformations a mapping may apply (Unicode-aware; NULL stays NULL; non-text values pass unchanged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Transformation {
    None,
    Uppercase,
    Lowercase,
    Trim,
    TitleCase,
    Capitalize,
    StripWhitespace,
    RemoveSpecialChars,
}

impl Transformation {
    pub const ALL: [Transformation; 8] = [
        Transformation::None,
        Transformation::Uppercase,
        Transformation::Lowercase,
        Transformation::Trim,
        Transformation::TitleCase,
        Transformation::Capitalize,
        Transformation::StripWhitespace,
        Transformation::RemoveSpecialChars,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Transformation::None => "none",
            Transformation::Uppercase => "uppercase",
            Transformation::Lowercase => "lowercase",
            Transformation::Trim => "trim",
            Transformation::TitleCase => "title_case",
            Transformation::Capitalize => "capitalize",
            Transformation::StripWhitespace => "strip_whitespace",
            Transformation::RemoveSpecialChars => "remove_special_chars",
        }
    }

    /// Parses a mapping's optional transformation name (absent or empty means `none`).
    pub fn parse_opt(name: Option<&str>) -> Result<Transformation, String> {
        match name.map(str::trim).filter(|n| !n.is_empty()) {
            None => Ok(Transformation::None),
            Some(n) => n.parse(),
        }
    }
}

impl FromStr for Transformation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Transformation::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<_> = Transformation::ALL.iter().map(|t| t.as_str()).collect();
                format!("unknown transformation '{s}' (known: {})", known.join(", "))
            })
    }
}

/// Which character separates decimals in number text (a connection setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum DecimalSeparator {
    #[default]
    #[serde(rename = ".")]
    Dot,
    #[serde(rename = ",")]
    Comma,
}

impl DecimalSeparator {
    /// (decimal point, thousands separator).
    pub fn chars(self) -> (char, char) {
        match self {
            DecimalSeparator::Dot => ('.', ','),
            DecimalSeparator::Comma => (',', '.'),
        }
    }
}

impl FromStr for DecimalSeparator {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "." => Ok(DecimalSeparator::Dot),
            "," => Ok(DecimalSeparator::Comma),
            _ => Err(format!("decimal separator must be '.' or ',', not '{s}'")),
        }
    }
}

/// Whether `03/04/2025` is day-first or month-first (a connection setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum DateOrder {
    #[default]
    #[serde(rename = "DMY")]
    Dmy,
    #[serde(rename = "MDY")]
    Mdy,
}

impl FromStr for DateOrder {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "DMY" => Ok(DateOrder::Dmy),
            "MDY" => Ok(DateOrder::Mdy),
            _ => Err(format!("date order must be DMY or MDY, not '{s}'")),
        }
    }
}

/// The connection's parsing settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NormalizeOptions {
    pub decimal_separator: DecimalSeparator,
    pub date_order: DateOrder,
    /// IANA zone naive date-times are read in; `None` keeps them naive.
    pub source_timezone: Option<chrono_tz::Tz>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_oracle_types_on_their_base_name() {
        assert_eq!(
            ColumnKind::from_data_type(Some("NUMBER(10,2)")),
            ColumnKind::Number
        );
        assert_eq!(
            ColumnKind::from_data_type(Some("TIMESTAMP(6) WITH TIME ZONE")),
            ColumnKind::Date
        );
        assert_eq!(
            ColumnKind::from_data_type(Some("varchar2(50 char)")),
            ColumnKind::Text
        );
        assert_eq!(
            ColumnKind::from_data_type(Some("LONG RAW")),
            ColumnKind::Raw
        );
        assert_eq!(ColumnKind::from_data_type(Some("LONG")), ColumnKind::Text);
        assert_eq!(ColumnKind::from_data_type(None), ColumnKind::Undeclared);
        assert_eq!(
            ColumnKind::from_data_type(Some("XMLTYPE")),
            ColumnKind::Undeclared
        );
    }

    #[test]
    fn refuses_an_unknown_transformation_by_name() {
        let err = "shout".parse::<Transformation>().unwrap_err();
        assert!(err.contains("unknown transformation 'shout'"), "{err}");
        assert_eq!(Transformation::parse_opt(None), Ok(Transformation::None));
        assert_eq!(
            Transformation::parse_opt(Some("title_case")),
            Ok(Transformation::TitleCase)
        );
    }
}
