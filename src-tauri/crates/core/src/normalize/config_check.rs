//! Configuration checks run when the planner saves an entity, so mistakes are refused with a message instead of
//! failing every row at night: duplicate targets, unknown transformations, keys naming no field, parent cycles.

use super::config::{ColumnDef, FieldMapping, Transformation};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One refusal, naming the thing at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("Fields '{first}' and '{second}' are both mapped to target field '{target}'")]
    DuplicateTarget {
        target: String,
        first: String,
        second: String,
    },
    #[error("Mapping of '{source_field}': unknown transformation '{name}' (known: {known})")]
    UnknownTransformation {
        source_field: String,
        name: String,
        known: String,
    },
    #[error("Mapping source '{0}' names no column of this entity")]
    UnknownSource(String),
    #[error("A mapping has an empty {0} field name")]
    EmptyName(&'static str),
    #[error("The entity has no business key: at least one field is needed to tell records apart")]
    NoBusinessKey,
    #[error("Business key '{0}' names no field (field names after mapping: {1})")]
    UnknownBusinessKey(String, String),
    #[error("Rowversion field '{0}' names no field (field names after mapping: {1})")]
    UnknownRowversion(String, String),
    #[error("Parent references form a cycle: {0}")]
    ParentCycle(String),
    #[error("Parent reference '{reference}': pair {pair} is incomplete (here '{child}', parent's '{parent}')")]
    IncompleteParentPair {
        reference: String,
        pair: usize,
        child: String,
        parent: String,
    },
    #[error("Parent reference '{reference}': '{field}' names no field here (field names after mapping: {names})")]
    UnknownChildField {
        reference: String,
        field: String,
        names: String,
    },
    #[error("Parent reference '{reference}': the parent's fields ({given}) must be {parent}'s business key ({keys})")]
    ParentFieldsNotKey {
        reference: String,
        parent: String,
        given: String,
        keys: String,
    },
}

/// What the checks need from an entity's configuration.
#[derive(Debug, Clone, Copy)]
pub struct EntityConfig<'a> {
    pub columns: &'a [ColumnDef],
    pub mappings: &'a [FieldMapping],
    /// Field names after mapping.
    pub business_keys: &'a [String],
    /// Field name after mapping.
    pub rowversion_field: Option<&'a str>,
}

/// Every problem with one entity's configuration (empty when it can be saved).
pub fn validate_entity_config(cfg: EntityConfig<'_>) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    let columns: BTreeSet<&str> = cfg.columns.iter().map(|c| c.name.as_str()).collect();
    let mapped_sources: BTreeSet<&str> = cfg
        .mappings
        .iter()
        .map(|m| m.source_field.as_str())
        .collect();
    // Target name -> the source that fills it: unmapped columns fill their own name.
    let mut targets: BTreeMap<&str, &str> = BTreeMap::new();
    for c in &columns {
        if !mapped_sources.contains(c) {
            targets.insert(c, c);
        }
    }
    for m in cfg.mappings {
        if m.source_field.trim().is_empty() {
            errors.push(ConfigError::EmptyName("source"));
            continue;
        }
        if m.target_field.trim().is_empty() {
            errors.push(ConfigError::EmptyName("target"));
            continue;
        }
        if let Err(_msg) = Transformation::parse_opt(m.transformation.as_deref()) {
            let known: Vec<_> = Transformation::ALL.iter().map(|t| t.as_str()).collect();
            errors.push(ConfigError::UnknownTransformation {
                source_field: m.source_field.clone(),
                name: m.transformation.clone().unwrap_or_default(),
                known: known.join(", "),
            });
        }
        if !columns.is_empty() && !columns.contains(m.source_field.as_str()) {
            errors.push(ConfigError::UnknownSource(m.source_field.clone()));
        }
        match targets.get(m.target_field.as_str()) {
            Some(first) => errors.push(ConfigError::DuplicateTarget {
                target: m.target_field.clone(),
                first: first.to_string(),
                second: m.source_field.clone(),
            }),
            None => {
                targets.insert(&m.target_field, &m.source_field);
            }
        }
    }
    let names = || targets.keys().copied().collect::<Vec<_>>().join(", ");
    if cfg.business_keys.is_empty() {
        errors.push(ConfigError::NoBusinessKey);
    }
    for bk in cfg.business_keys {
        if !targets.contains_key(bk.as_str()) {
            errors.push(ConfigError::UnknownBusinessKey(bk.clone(), names()));
        }
    }
    if let Some(rv) = cfg.rowversion_field {
        if !targets.contains_key(rv) {
            errors.push(ConfigError::UnknownRowversion(rv.to_owned(), names()));
        }
    }
    errors
}

/// Refuses parent references that form a cycle; edges are `(child entity, parent entity)`. The error shows the
/// cycle as a path, e.g. `a -> b -> a` (a child pointing at itself is a cycle too).
pub fn check_parent_cycles(edges: &[(String, String)]) -> Result<(), ConfigError> {
    let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (child, parent) in edges {
        graph.entry(child).or_default().push(parent);
        graph.entry(parent).or_default();
    }
    // Iterative DFS with colours: 1 = on the current path, 2 = done.
    let mut colour: HashMap<&str, u8> = HashMap::new();
    for &start in graph.keys() {
        if colour.contains_key(start) {
            continue;
        }
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        colour.insert(start, 1);
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            match graph[node].get(*next) {
                Some(&parent) => {
                    *next += 1;
                    match colour.get(parent) {
                        Some(1) => {
                            let from = stack.iter().position(|(n, _)| *n == parent).unwrap_or(0);
                            let mut path: Vec<&str> =
                                stack[from..].iter().map(|(n, _)| *n).collect();
                            path.push(parent);
                            return Err(ConfigError::ParentCycle(path.join(" -> ")));
                        }
                        Some(_) => {}
                        None => {
                            colour.insert(parent, 1);
                            stack.push((parent, 0));
                        }
                    }
                }
                None => {
                    colour.insert(node, 2);
                    stack.pop();
                }
            }
        }
    }
    Ok(())
}

/// Field names after mapping: the columns no mapping reads, then the mappings' targets.
pub fn field_names<'a>(
    columns: &'a [ColumnDef],
    mappings: &'a [FieldMapping],
) -> BTreeSet<&'a str> {
    let mapped: BTreeSet<&str> = mappings.iter().map(|m| m.source_field.as_str()).collect();
    columns
        .iter()
        .map(|c| c.name.as_str())
        .filter(|c| !mapped.contains(c))
        .chain(
            mappings
                .iter()
                .map(|m| m.target_field.as_str())
                .filter(|t| !t.trim().is_empty()),
        )
        .collect()
}

/// One parent reference of an entity, with what the checks need from the parent.
#[derive(Debug, Clone, Copy)]
pub struct ParentCheck<'a> {
    pub reference: &'a str,
    pub parent: &'a str,
    /// The parent's business key (field names after the parent's mapping).
    pub parent_keys: &'a [String],
    pub child_fields: &'a [String],
    pub parent_fields: &'a [String],
}

/// Refuses a parent reference whose field pairs cannot find a parent: an empty side, a field this entity does not
/// have (checked when its columns are known), or parent fields other than the parent's business key (the parent's
/// BK hash is computed from exactly those fields, in any order; checked when the parent's key is known).
pub fn check_parent_fields(entity: EntityConfig<'_>, p: ParentCheck<'_>) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    let names = field_names(entity.columns, entity.mappings);
    for (i, (child, parent)) in p.child_fields.iter().zip(p.parent_fields).enumerate() {
        if child.trim().is_empty() || parent.trim().is_empty() {
            errors.push(ConfigError::IncompleteParentPair {
                reference: p.reference.to_owned(),
                pair: i + 1,
                child: child.clone(),
                parent: parent.clone(),
            });
        } else if !entity.columns.is_empty() && !names.contains(child.as_str()) {
            errors.push(ConfigError::UnknownChildField {
                reference: p.reference.to_owned(),
                field: child.clone(),
                names: names.iter().copied().collect::<Vec<_>>().join(", "),
            });
        }
    }
    let given: BTreeSet<&str> = p.parent_fields.iter().map(String::as_str).collect();
    let keys: BTreeSet<&str> = p.parent_keys.iter().map(String::as_str).collect();
    let complete = given.iter().all(|f| !f.trim().is_empty());
    if complete && !keys.is_empty() && (given != keys || given.len() != p.parent_fields.len()) {
        errors.push(ConfigError::ParentFieldsNotKey {
            reference: p.reference.to_owned(),
            parent: p.parent.to_owned(),
            given: p.parent_fields.join(", "),
            keys: p.parent_keys.join(", "),
        });
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str) -> ColumnDef {
        ColumnDef {
            name: name.into(),
            data_type: Some("VARCHAR2(10)".into()),
            is_nullable: true,
            is_business_key: false,
            is_row_version: false,
        }
    }
    fn map(s: &str, t: &str, tr: Option<&str>) -> FieldMapping {
        FieldMapping {
            source_field: s.into(),
            target_field: t.into(),
            transformation: tr.map(Into::into),
            default_value: None,
            is_required: false,
        }
    }
    fn check(cols: &[&str], maps: &[FieldMapping], bks: &[&str], rv: Option<&str>) -> Vec<String> {
        let columns: Vec<_> = cols.iter().map(|c| col(c)).collect();
        let bks: Vec<String> = bks.iter().map(|s| s.to_string()).collect();
        validate_entity_config(EntityConfig {
            columns: &columns,
            mappings: maps,
            business_keys: &bks,
            rowversion_field: rv,
        })
        .iter()
        .map(ToString::to_string)
        .collect()
    }
    fn edges(e: &[(&str, &str)]) -> Vec<(String, String)> {
        e.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn accepts_a_sound_configuration() {
        let maps = [map("ITEM_ID", "item_id", Some("uppercase"))];
        assert_eq!(
            check(&["ITEM_ID", "RV"], &maps, &["item_id"], Some("RV")),
            Vec::<String>::new()
        );
    }

    #[test]
    fn refuses_two_sources_mapped_to_one_target() {
        let maps = [map("A", "x", None), map("B", "x", None)];
        assert_eq!(
            check(&["A", "B"], &maps, &["x"], None),
            ["Fields 'A' and 'B' are both mapped to target field 'x'"]
        );
        let onto_unmapped = [map("A", "B", None)];
        assert_eq!(
            check(&["A", "B"], &onto_unmapped, &["B"], None),
            ["Fields 'B' and 'A' are both mapped to target field 'B'"],
            "a mapping onto an unmapped column's name is a duplicate too"
        );
    }

    #[test]
    fn refuses_an_unknown_transformation() {
        let errs = check(&["A"], &[map("A", "a", Some("shout"))], &["a"], None);
        assert_eq!(errs.len(), 1);
        assert!(
            errs[0].starts_with("Mapping of 'A': unknown transformation 'shout'"),
            "{errs:?}"
        );
    }

    #[test]
    fn refuses_keys_and_rowversion_naming_no_field_after_mapping() {
        let maps = [map("ITEM_ID", "item_id", None)];
        let errs = check(&["ITEM_ID", "RV"], &maps, &["ITEM_ID"], Some("rv"));
        assert_eq!(
            errs,
            [
                "Business key 'ITEM_ID' names no field (field names after mapping: RV, item_id)",
                "Rowversion field 'rv' names no field (field names after mapping: RV, item_id)"
            ]
        );
        assert_eq!(check(&["A"], &[], &[], None), ["The entity has no business key: at least one field is needed to tell records apart"]);
    }

    #[test]
    fn refuses_parent_reference_cycles_and_names_them() {
        assert_eq!(
            check_parent_cycles(&edges(&[("orders", "items"), ("items", "sites")])),
            Ok(())
        );
        let err = check_parent_cycles(&edges(&[("a", "b"), ("b", "c"), ("c", "a")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Parent references form a cycle: a -> b -> c -> a"
        );
        let selfref = check_parent_cycles(&edges(&[("parts", "parts")])).unwrap_err();
        assert_eq!(
            selfref.to_string(),
            "Parent references form a cycle: parts -> parts"
        );
    }

    fn parent_check(child: &[&str], parent: &[&str], keys: &[&str]) -> Vec<String> {
        let columns: Vec<_> = ["SITE", "ITEM", "NAME"].iter().map(|c| col(c)).collect();
        let maps = [map("SITE", "site_id", None)];
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (child, parent, keys) = (owned(child), owned(parent), owned(keys));
        let entity = EntityConfig {
            columns: &columns,
            mappings: &maps,
            business_keys: &[],
            rowversion_field: None,
        };
        let p = ParentCheck {
            reference: "site",
            parent: "sites",
            parent_keys: &keys,
            child_fields: &child,
            parent_fields: &parent,
        };
        check_parent_fields(entity, p)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn accepts_parent_fields_that_are_the_parents_key_in_any_order() {
        assert!(parent_check(&["site_id"], &["SITE_ID"], &["SITE_ID"]).is_empty());
        assert!(parent_check(&["ITEM", "site_id"], &["B", "A"], &["A", "B"]).is_empty());
        assert!(
            parent_check(&["site_id"], &["SITE_ID"], &[]).is_empty(),
            "a parent whose key is not known yet is not judged"
        );
    }

    #[test]
    fn refuses_parent_field_pairs_that_can_never_find_a_parent() {
        assert_eq!(
            parent_check(&["site_id", ""], &["A", "B"], &["A", "B"]),
            ["Parent reference 'site': pair 2 is incomplete (here '', parent's 'B')"]
        );
        assert_eq!(
            parent_check(&["SITE"], &["SITE_ID"], &["SITE_ID"]),
            ["Parent reference 'site': 'SITE' names no field here (field names after mapping: ITEM, NAME, site_id)"],
            "a mapped column is known by its target name"
        );
        assert_eq!(
            parent_check(&["site_id"], &["SITE_NAME"], &["SITE_ID"]),
            ["Parent reference 'site': the parent's fields (SITE_NAME) must be sites's business key (SITE_ID)"]
        );
        assert_eq!(
            parent_check(&["site_id", "ITEM"], &["A", "A"], &["A", "B"]),
            ["Parent reference 'site': the parent's fields (A, A) must be sites's business key (A, B)"],
            "every key field once"
        );
    }
}
