//! Oracle column types (as APISmith declares them) mapped to PostgreSQL column types, identifier quoting, and the
//! SQL that turns a value sent as text into a column's type: exact for numbers (text cast in SQL, never a float)
//! and strict for lengths (a text too long for `varchar(n)` is an error, never cut).

/// The PostgreSQL type a table column is created with for an Oracle type name such as `NUMBER(10,2)`,
/// `VARCHAR2(50 CHAR)` or `TIMESTAMP(6) WITH TIME ZONE`; `text` when undeclared or unknown.
pub fn pg_type(oracle: Option<&str>) -> String {
    let Some(t) = oracle.map(|t| t.trim().to_ascii_uppercase()) else {
        return "text".into();
    };
    let (base, args) = match t.find('(') {
        Some(i) => {
            let close = t[i..].find(')').map_or(t.len(), |j| i + j);
            let rest = format!("{}{}", &t[..i], t.get(close + 1..).unwrap_or(""));
            (rest, Some(t[i + 1..close].to_owned()))
        }
        None => (t.clone(), None),
    };
    let base = base.split_whitespace().collect::<Vec<_>>().join(" ");
    // `(50 CHAR)`, `(50 BYTE)`, `(*, 2)` → the numbers only.
    let nums: Vec<Option<i64>> = args
        .as_deref()
        .map(|a| {
            a.split(',')
                .map(|p| {
                    let p = p.trim().trim_end_matches("CHAR").trim_end_matches("BYTE");
                    match p.trim() {
                        "*" => Some(38),
                        n => n.parse().ok(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let first = nums.first().copied().flatten();
    let length = |n: Option<i64>| match n {
        Some(n) if (1..=10_485_760).contains(&n) => format!("varchar({n})"),
        _ => "text".into(),
    };
    match base.as_str() {
        "NUMBER" | "NUMERIC" | "DECIMAL" | "DEC" => match (first, nums.get(1).copied().flatten()) {
            (Some(p), Some(s)) if (1..=1000).contains(&p) && (-1000..=1000).contains(&s) => {
                format!("numeric({p},{s})")
            }
            (Some(p), None) if (1..=1000).contains(&p) => format!("numeric({p})"),
            _ => "numeric".into(),
        },
        // Oracle's INTEGER is NUMBER(38): wider than bigint.
        "INTEGER" | "INT" | "SMALLINT" => "numeric(38)".into(),
        // Oracle's FLOAT is a decimal NUMBER with binary precision: kept exact.
        "FLOAT" | "REAL" | "DOUBLE PRECISION" => "numeric".into(),
        "BINARY_FLOAT" => "real".into(),
        "BINARY_DOUBLE" => "double precision".into(),
        // Layer 2 trims every string, so a blank-padded char(n) would only pad it again: varchar(n) keeps it.
        "VARCHAR2" | "NVARCHAR2" | "VARCHAR" | "CHAR" | "NCHAR" | "CHARACTER" => length(first),
        "CLOB" | "NCLOB" | "LONG" => "text".into(),
        "DATE" => "timestamp".into(),
        "BOOLEAN" => "boolean".into(),
        "RAW" | "LONG RAW" | "BLOB" => "bytea".into(),
        b if b.starts_with("TIMESTAMP") => {
            let zoned = b.contains("WITH TIME ZONE") || b.contains("WITH LOCAL TIME ZONE");
            let name = if zoned { "timestamptz" } else { "timestamp" };
            match first {
                Some(p) if (0..=6).contains(&p) => format!("{name}({p})"),
                // PostgreSQL keeps microseconds at most; Oracle's 7–9 digits round to them.
                _ => name.into(),
            }
        }
        _ => "text".into(),
    }
}

/// `name` as a quoted PostgreSQL identifier: `ORDER` → `"ORDER"`, `a"b` → `"a""b"`.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// PostgreSQL keeps the first 63 bytes of an identifier; a longer one would silently name another column.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// Why `name` cannot be a column name (it is quoted, so spaces and keywords are fine), if it cannot.
pub fn column_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("an empty column name".into())
    } else if name.contains('\0') {
        Some(format!(
            "column '{}' holds a NUL character",
            name.escape_debug()
        ))
    } else if name.len() > MAX_IDENTIFIER_BYTES {
        Some(format!(
            "column '{name}' is {} bytes long; PostgreSQL keeps {MAX_IDENTIFIER_BYTES}",
            name.len()
        ))
    } else if name.starts_with("_bridge_") {
        Some(format!(
            "column '{name}': names starting with _bridge_ are SyncFlow's own columns"
        ))
    } else {
        None
    }
}

/// Whether `name` is a table (or schema) name SyncFlow accepts: a letter or `_`, then letters, digits and `_`,
/// at most 63 bytes, so it reads the same quoted or not in the planner's own SQL.
pub fn is_table_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= MAX_IDENTIFIER_BYTES
        && chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// The SQL that turns `expr` (text) into a value of the column type `ty` (as `format_type` writes it), for an
/// INSERT. Character types take the text as is: the INSERT's assignment refuses one too long (an explicit cast to
/// `varchar(n)` would cut it silently). Naive date-times stay as they are and ones with an offset are converted
/// to UTC (the session's time zone is UTC).
pub fn cast(expr: &str, ty: &str) -> String {
    if ty == "text" || ty.starts_with("character") {
        format!("{expr}::text")
    } else if ty == "bytea" {
        format!("decode({expr}, 'hex')")
    } else if ty.starts_with("timestamp") && ty.ends_with("without time zone") {
        format!("({expr}::timestamptz AT TIME ZONE 'UTC')::{ty}")
    } else {
        format!("{expr}::{ty}")
    }
}

/// The longest text a character column type holds (`character varying(20)` → 20), if it is limited.
pub fn char_limit(ty: &str) -> Option<usize> {
    let rest = ty.strip_prefix("character")?;
    let open = rest.find('(')?;
    rest[open + 1..].strip_suffix(')')?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oracle_types_map_to_the_documented_postgresql_types() {
        let cases = [
            ("NUMBER(10,2)", "numeric(10,2)"),
            ("NUMBER(5)", "numeric(5)"),
            ("NUMBER", "numeric"),
            ("NUMBER(*,2)", "numeric(38,2)"),
            ("DECIMAL(12, 4)", "numeric(12,4)"),
            ("INTEGER", "numeric(38)"),
            ("FLOAT", "numeric"),
            ("BINARY_DOUBLE", "double precision"),
            ("BINARY_FLOAT", "real"),
            ("VARCHAR2(50)", "varchar(50)"),
            ("VARCHAR2(50 CHAR)", "varchar(50)"),
            ("nvarchar2(100)", "varchar(100)"),
            ("CHAR(2)", "varchar(2)"),
            ("VARCHAR2", "text"),
            ("CLOB", "text"),
            ("NCLOB", "text"),
            ("LONG", "text"),
            ("DATE", "timestamp"),
            ("TIMESTAMP", "timestamp"),
            ("TIMESTAMP(6)", "timestamp(6)"),
            ("TIMESTAMP(9)", "timestamp"),
            ("TIMESTAMP(6) WITH TIME ZONE", "timestamptz(6)"),
            ("TIMESTAMP WITH LOCAL TIME ZONE", "timestamptz"),
            ("BOOLEAN", "boolean"),
            ("RAW(16)", "bytea"),
            ("BLOB", "bytea"),
            ("XMLTYPE", "text"),
        ];
        for (oracle, want) in cases {
            assert_eq!(pg_type(Some(oracle)), want, "{oracle}");
        }
        assert_eq!(
            pg_type(None),
            "text",
            "an undeclared column keeps its text form"
        );
    }

    #[test]
    fn identifiers_are_quoted_so_keywords_spaces_and_quotes_work() {
        assert_eq!(quote("ORDER"), "\"ORDER\"");
        assert_eq!(quote("unit cost"), "\"unit cost\"");
        assert_eq!(
            quote("a\"b"),
            "\"a\"\"b\"",
            "an embedded quote is doubled, not an injection"
        );
        assert_eq!(quote("سفارش"), "\"سفارش\"");
    }

    #[test]
    fn table_names_are_plain_identifiers_and_column_names_anything_postgresql_keeps() {
        for ok in ["inventory_items", "_staging", "Items2", "انبار"] {
            assert!(is_table_name(ok), "{ok}");
        }
        for bad in [
            "",
            "2items",
            "items; drop table x",
            "my table",
            "a.b",
            &"x".repeat(64),
        ] {
            assert!(!is_table_name(bad), "{bad}");
        }
        assert_eq!(column_name_problem("ORDER"), None);
        assert_eq!(column_name_problem("unit cost"), None);
        assert!(column_name_problem(&"c".repeat(64))
            .unwrap()
            .contains("64 bytes"));
        assert!(column_name_problem("_bridge_id")
            .unwrap()
            .contains("SyncFlow's own"));
    }

    #[test]
    fn casts_keep_numbers_exact_and_never_cut_text() {
        assert_eq!(cast("$1", "numeric(10,2)"), "$1::numeric(10,2)");
        assert_eq!(cast("x", "character varying(5)"), "x::text");
        assert_eq!(cast("x", "bytea"), "decode(x, 'hex')");
        assert_eq!(
            cast("x", "timestamp(6) without time zone"),
            "(x::timestamptz AT TIME ZONE 'UTC')::timestamp(6) without time zone"
        );
        assert_eq!(
            cast("x", "timestamp with time zone"),
            "x::timestamp with time zone"
        );
        assert_eq!(char_limit("character varying(20)"), Some(20));
        assert_eq!(char_limit("character(2)"), Some(2));
        assert_eq!(char_limit("character varying"), None);
        assert_eq!(char_limit("text"), None);
    }
}
