//! Properties of the canonical form: different business keys never share a canonical string, and hashes do not
//! depend on field order.

use proptest::prelude::*;
use std::sync::Arc;
use syncflow_core::identity::{Exclusions, Identifier};
use syncflow_core::value::{Row, Value};

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::Int),
        any::<bool>().prop_map(Value::Bool),
        "[a-c|=\\\\ ]{0,4}".prop_map(Value::Text),
        "\\PC{0,6}".prop_map(Value::Text),
    ]
}

fn row_of(fields: &[(String, Value)]) -> Row {
    fields
        .iter()
        .map(|(k, v)| (Arc::from(k.as_str()), v.clone()))
        .collect()
}

proptest! {
    #[test]
    fn bk_canonical_never_collides_for_different_key_values(
        names in prop::collection::btree_set("[a-c|=\\\\]{1,3}", 1..4),
        a in prop::collection::vec(scalar(), 4),
        b in prop::collection::vec(scalar(), 4),
    ) {
        let names: Vec<String> = names.into_iter().collect();
        let id = Identifier::new("e|x", &names, None, Exclusions::Default).unwrap();
        let ra = row_of(&names.iter().cloned().zip(a.clone()).collect::<Vec<_>>());
        let rb = row_of(&names.iter().cloned().zip(b.clone()).collect::<Vec<_>>());
        let (ca, cb) = (id.bk_canonical(&ra).unwrap(), id.bk_canonical(&rb).unwrap());
        // Key texts can legitimately coincide across types (10 and "10" are the same key); compare texts.
        let text = |v: &Value| syncflow_core::identity::key_text("", v).unwrap().into_owned();
        let same_keys = a.iter().zip(&b).take(names.len()).all(|(x, y)| text(x) == text(y));
        prop_assert_eq!(ca == cb, same_keys);
    }

    #[test]
    fn hashes_do_not_depend_on_field_order(
        fields in prop::collection::btree_map("[a-e_A-E]{1,3}", scalar(), 1..8),
        seed in any::<u64>(),
    ) {
        let mut list: Vec<(String, Value)> = fields.into_iter().collect();
        let key = vec![list[0].0.clone()];
        let id = Identifier::new("items", &key, None, Exclusions::Default).unwrap();
        let before = id.identify(&row_of(&list));
        let n = list.len();
        list.rotate_left((seed as usize) % n);
        if seed % 2 == 0 { list.reverse(); }
        prop_assert_eq!(before, id.identify(&row_of(&list)));
    }
}
